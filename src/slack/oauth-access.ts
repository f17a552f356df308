import type { Installation } from '@slack/oauth';
import type { WebClient } from '@slack/web-api';
import { isRecord, isSlackCode, text } from '../input.js';

// @slack/web-api's ErrorCode values, written out so that this module does not load the SDK at start-up.
export const ErrorCode = {
  PlatformError: 'slack_webapi_platform_error',
  RateLimitedError: 'slack_webapi_rate_limited_error',
  HTTPError: 'slack_webapi_http_error',
  RequestError: 'slack_webapi_request_error',
} as const;

/** Why an exchange produced no installation; each has its own page. */
export type ExchangeFailure =
  | { kind: 'slack_error'; error: string } // Slack answered ok: false
  | { kind: 'no_webhook' } // ok: true, but no incoming_webhook: the app lacks the scope
  | { kind: 'malformed' } // ok: true, but not the shape Slack documents
  | { kind: 'unreachable'; detail: string }; // network error, timeout, 5xx, 429, bad JSON

export type ExchangeResult = { ok: true; installation: Installation } | { ok: false; failure: ExchangeFailure };

function isHttpUrl(value: string | undefined): value is string {
  return value !== undefined && /^https?:\/\/[^\s]+$/i.test(value);
}

/** Narrows an oauth.v2.access answer into @slack/oauth's Installation; `undefined` when a needed field is missing. */
function scopeList(value: unknown): string[] {
  return (text(value) ?? '').split(',').filter(Boolean);
}

/**
 * With token rotation on, Slack sends `refresh_token` and `expires_in` (seconds) beside each token; @slack/oauth
 * keeps the expiry as unix seconds.
 */
export function rotation(part: Record<string, unknown>, now: number): { refreshToken?: string; expiresAt?: number } {
  const refreshToken = text(part.refresh_token);
  const expiresIn = part.expires_in;
  if (refreshToken === undefined || typeof expiresIn !== 'number' || !Number.isFinite(expiresIn)) return {};
  return { refreshToken, expiresAt: Math.floor(now / 1000) + Math.floor(expiresIn) };
}

export function toInstallation(
  body: Record<string, unknown>,
  now = Date.now(),
): Installation | 'no_webhook' | undefined {
  const team = isRecord(body.team) ? body.team : undefined;
  const enterprise = isRecord(body.enterprise) ? body.enterprise : undefined;
  const isEnterpriseInstall = body.is_enterprise_install === true;
  const teamId = text(team?.id);
  const enterpriseId = text(enterprise?.id);
  if (isEnterpriseInstall ? enterpriseId === undefined : teamId === undefined) return undefined;

  if (body.incoming_webhook === undefined || body.incoming_webhook === null) return 'no_webhook';
  if (!isRecord(body.incoming_webhook)) return undefined;
  const hook = body.incoming_webhook;
  const url = text(hook.url);
  const channelId = text(hook.channel_id);
  const channel = text(hook.channel);
  // The URL itself is checked by the callback against the accepted webhook origins (src/slack/webhook-url.ts).
  if (url === undefined || channelId === undefined || channel === undefined) return undefined;
  const configurationUrl = text(hook.configuration_url);

  const authedUser = isRecord(body.authed_user) ? body.authed_user : {};
  const botToken = text(body.access_token);
  const userToken = text(authedUser.access_token);
  return {
    team: teamId === undefined ? undefined : { id: teamId, name: text(team?.name) },
    enterprise: enterpriseId === undefined ? undefined : { id: enterpriseId, name: text(enterprise?.name) },
    isEnterpriseInstall,
    // The installer's own token, when the install asked for user scopes.
    user: {
      id: text(authedUser.id) ?? '',
      token: userToken,
      scopes: userToken === undefined ? undefined : scopeList(authedUser.scope),
      ...rotation(authedUser, now),
    },
    // bot.id is left empty: learning it costs an auth.test call per install (what @slack/oauth does), and
    // nothing here needs it.
    bot:
      botToken === undefined
        ? undefined
        : {
            token: botToken,
            scopes: scopeList(body.scope),
            id: '',
            userId: text(body.bot_user_id) ?? '',
            ...rotation(body, now),
          },
    incomingWebhook: {
      url,
      channel,
      channelId,
      configurationUrl: isHttpUrl(configurationUrl) ? configurationUrl : undefined,
    },
    appId: text(body.app_id),
    tokenType: 'bot',
    authVersion: 'v2',
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Rejects when the deadline passes first; the request itself is abandoned, not awaited. */
function beforeDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error('deadline passed'), { code: 'deadline' })),
      Math.max(0, deadline - Date.now()),
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The one Slack API call of an install: oauth.v2.access, sending the same redirect_uri as the authorize step and,
 * with PKCE, the flow's code_verifier. The client authenticates with HTTP Basic (RFC 9700 §2.5 and Slack's advice),
 * set on `client` as a default header, so the secret is not in the body. It gives up after `timeoutMs` in all; a
 * 429 is retried once, after its Retry-After, when that fits.
 */
export async function exchangeCode(
  client: WebClient,
  args: { code: string; redirectUri: string; codeVerifier?: string },
  timeoutMs: number,
): Promise<ExchangeResult> {
  const deadline = Date.now() + timeoutMs;
  let body: Record<string, unknown> | undefined;
  for (let attempt = 1; body === undefined; attempt++) {
    try {
      body = (await beforeDeadline(
        client.apiCall('oauth.v2.access', {
          code: args.code,
          redirect_uri: args.redirectUri,
          ...(args.codeVerifier !== undefined && { code_verifier: args.codeVerifier }),
        }),
        deadline,
      )) as unknown as Record<string, unknown>;
    } catch (err) {
      const e = err as {
        code?: string;
        data?: { error?: unknown };
        statusCode?: number;
        retryAfter?: number;
        message?: string;
      };
      if (e.code === ErrorCode.PlatformError) {
        const error = text(e.data?.error);
        // WebClient reports a body that is not JSON as `ok: false` with the whole body as its "error": not Slack's word.
        if (error !== undefined && isSlackCode(error)) return { ok: false, failure: { kind: 'slack_error', error } };
        return { ok: false, failure: { kind: 'malformed' } };
      }
      if (e.code === ErrorCode.RateLimitedError) {
        const waitMs = (e.retryAfter ?? 1) * 1000;
        if (attempt === 1 && Date.now() + waitMs < deadline) {
          await sleep(waitMs);
          continue;
        }
        return { ok: false, failure: { kind: 'unreachable', detail: `rate limited, Retry-After ${e.retryAfter}s` } };
      }
      const cause = (err as { original?: { name?: string; cause?: { code?: string } } }).original;
      const timedOut = e.code === 'deadline' || cause?.name === 'TimeoutError' || cause?.name === 'AbortError';
      const detail = timedOut
        ? `timed out after ${timeoutMs} ms`
        : e.code === ErrorCode.HTTPError
          ? `HTTP ${e.statusCode ?? '?'}`
          : e.code === ErrorCode.RequestError
            ? `network error ${cause?.cause?.code ?? cause?.name ?? ''}`.trim()
            : (e.code ?? 'error');
      return { ok: false, failure: { kind: 'unreachable', detail } };
    }
  }
  const installation = toInstallation(body);
  if (installation === 'no_webhook') return { ok: false, failure: { kind: 'no_webhook' } };
  if (installation === undefined) return { ok: false, failure: { kind: 'malformed' } };
  return { ok: true, installation };
}
