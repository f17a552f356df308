import { isRecord, isSlackCode, text } from '../input.js';
import type { Installations } from '../store/types.js';

/** @slack/oauth's rule, kept here too: a token that expires within 2 hours is refreshed before it is used. */
export const REFRESH_WINDOW_S = 2 * 60 * 60;

export interface RefreshClient {
  /** Slack's Web API base, ending in `/` (SLACK_API_URL). */
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
}

/**
 * What happened to an installation's bot token: it does not rotate, it is good for more than 2 hours, it was
 * refreshed, Slack refused the refresh token (the install is now revoked), or the refresh failed otherwise (the
 * token is left as it was; the next use tries again).
 */
export type RefreshOutcome = 'not_rotating' | 'fresh' | 'refreshed' | 'revoked' | { failed: string };

// One refresh per installation at a time in this process: Slack's refresh tokens are single-use, so a second
// refresh racing the first would be refused, and must not revoke the install.
const inFlight = new WeakMap<Installations, Map<number, Promise<RefreshOutcome>>>();

/**
 * Refreshes the bot token of installation `id` with `oauth.v2.access` (`grant_type=refresh_token`) when it expires
 * within 2 hours, and stores the new token, refresh token and expiry in one write. A refresh Slack refuses with
 * `invalid_refresh_token` marks the install revoked with that reason, unless another process refreshed it meanwhile.
 */
export function refreshIfExpiring(
  installations: Installations,
  id: number,
  client: RefreshClient,
  now = Date.now(),
): Promise<RefreshOutcome> {
  let running = inFlight.get(installations);
  if (running === undefined) inFlight.set(installations, (running = new Map<number, Promise<RefreshOutcome>>()));
  const pending = running.get(id);
  if (pending !== undefined) return pending;
  const work = refresh(installations, id, client, now).finally(() => running.delete(id));
  running.set(id, work);
  return work;
}

async function refresh(
  installations: Installations,
  id: number,
  client: RefreshClient,
  now: number,
): Promise<RefreshOutcome> {
  const installation = await installations.installation(id);
  const bot = installation?.bot;
  if (bot?.refreshToken === undefined || bot.expiresAt === undefined) return 'not_rotating';
  const nowSec = Math.floor(now / 1000);
  if (bot.expiresAt - nowSec > REFRESH_WINDOW_S) return 'fresh';

  let body: unknown;
  try {
    const res = await fetch(new URL('oauth.v2.access', client.apiUrl), {
      method: 'POST',
      headers: {
        // Slack's recommended way to send the client's credentials.
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: bot.refreshToken }),
      signal: AbortSignal.timeout(client.timeoutMs),
      redirect: 'error',
    });
    if (!res.ok) return { failed: `HTTP ${res.status}` };
    body = await res.json();
  } catch (err) {
    return { failed: (err as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable' };
  }
  if (!isRecord(body)) return { failed: 'malformed' };
  if (body.ok !== true) {
    const error = text(body.error);
    if (error !== 'invalid_refresh_token')
      return { failed: error !== undefined && isSlackCode(error) ? error : 'malformed' };
    // Refused: unless another process has stored a new pair since (its refresh used ours up), the install is dead.
    const current = await installations.installation(id);
    if (current?.bot?.refreshToken !== bot.refreshToken) return 'refreshed';
    await installations.revoke(id, 'invalid_refresh_token');
    return 'revoked';
  }
  const token = text(body.access_token);
  const refreshToken = text(body.refresh_token);
  const expiresIn = body.expires_in;
  if (token === undefined || refreshToken === undefined || typeof expiresIn !== 'number')
    return { failed: 'malformed' };
  const stored = await installations.refreshTokens(id, {
    bot: { token, refreshToken, expiresAt: nowSec + Math.floor(expiresIn) },
  });
  return stored ? 'refreshed' : { failed: 'revoked meanwhile' };
}
