// SLACK_*: the app's credentials (or demo mode without them), its scopes, where Slack is reached, and which
// webhook URLs from Slack are accepted.
import { randomBytes } from 'node:crypto';
import { SLACK_WEBHOOK_BASES } from '../slack/webhook-url.js';
import {
  booleanFlag,
  ConfigError,
  httpUrl,
  positiveInt,
  requireHttps,
  trimmed,
  withoutTrailingSlash,
  type Env,
} from './values.js';

export interface SlackConfig {
  clientId: string;
  clientSecret: string;
  scopes: string[];
  authorizeUrl: string;
  apiUrl: string;
  /** The most an install waits for Slack, a 429's retry included. */
  timeoutMs: number;
  /** Verifies POST /slack/events; the route exists only when it is set (in demo mode, always). */
  signingSecret: string | undefined;
  /** SLACK_PKCE: an S256 code_challenge at authorize and its code_verifier at oauth.v2.access (RFC 7636). */
  pkce: boolean;
  /**
   * Where webhook URLs from Slack may point: Slack's hosts, the emulator in demo mode, and SLACK_WEBHOOK_ORIGINS.
   * Each is an origin with an optional path; a URL must continue with `/services/` (src/slack/webhook-url.ts).
   */
  webhookBases: string[];
}

/** Credentials the demo server hands both to itself and to its emulator. */
export const DEMO_CLIENT_ID = '1111111111.2222222222';
export const DEMO_APP_ID = 'A0DEMO00001';

const SCOPE_RE = /^[a-z][a-z0-9_.:-]*$/;

interface Listener {
  port: number;
  publicUrl: string;
  production: boolean;
}

/** The Slack settings, and whether they put the server in demo mode (no credentials, the emulator plays Slack). */
export function slackConfig(
  env: Env,
  { port, publicUrl, production }: Listener,
): { demo: boolean; slack: SlackConfig } {
  const clientId = trimmed(env, 'SLACK_CLIENT_ID');
  const clientSecret = trimmed(env, 'SLACK_CLIENT_SECRET');
  if ((clientId === undefined) !== (clientSecret === undefined)) {
    const missing = clientId === undefined ? 'SLACK_CLIENT_ID' : 'SLACK_CLIENT_SECRET';
    throw new ConfigError(
      `${missing} is not set: set both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, or neither for demo mode`,
    );
  }
  const demo = clientId === undefined;
  if (demo && production) {
    throw new ConfigError(
      'SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are required when NODE_ENV=production (demo mode is for development only)',
    );
  }

  const scopesText = trimmed(env, 'SLACK_SCOPES') ?? 'incoming-webhook';
  const scopes = scopesText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const badScope = scopes.find((s) => !SCOPE_RE.test(s));
  if (scopes.length === 0 || badScope !== undefined) {
    throw new ConfigError(`SLACK_SCOPES must be a comma-separated list of Slack scopes, got "${scopesText}"`);
  }

  // In demo mode the browser goes to the emulator through PUBLIC_URL, and the server calls it on loopback.
  const emulatorApi = `http://127.0.0.1:${port}/_emulator/api/`;
  const authorizeUrl = httpUrl(
    'SLACK_AUTHORIZE_URL',
    trimmed(env, 'SLACK_AUTHORIZE_URL') ??
      (demo ? `${publicUrl}/_emulator/oauth/v2/authorize` : 'https://slack.com/oauth/v2/authorize'),
  ).href;
  let apiUrl = httpUrl(
    'SLACK_API_URL',
    trimmed(env, 'SLACK_API_URL') ?? (demo ? emulatorApi : 'https://slack.com/api/'),
  ).href;
  if (!apiUrl.endsWith('/')) apiUrl += '/';
  if (production) {
    requireHttps('PUBLIC_URL', publicUrl);
    requireHttps('SLACK_AUTHORIZE_URL', authorizeUrl);
    requireHttps('SLACK_API_URL', apiUrl);
  }

  const webhookBases: string[] = [...SLACK_WEBHOOK_BASES];
  if (demo) webhookBases.push(`${publicUrl}/_emulator`);
  for (const entry of (trimmed(env, 'SLACK_WEBHOOK_ORIGINS') ?? '').split(',')) {
    if (entry.trim() === '') continue;
    const url = httpUrl('SLACK_WEBHOOK_ORIGINS', entry.trim());
    if (url.username !== '' || url.password !== '') {
      throw new ConfigError('SLACK_WEBHOOK_ORIGINS must not contain a user name or password');
    }
    webhookBases.push(withoutTrailingSlash(url));
  }

  const timeoutMs = positiveInt(env, 'SLACK_TIMEOUT_MS', 10_000);
  const signingSecret = trimmed(env, 'SLACK_SIGNING_SECRET');
  if (signingSecret !== undefined && !/^[\x21-\x7e]{8,}$/.test(signingSecret)) {
    throw new ConfigError(
      'SLACK_SIGNING_SECRET must be the app’s signing secret (Basic Information → App Credentials), at least 8 printable characters',
    );
  }

  return {
    demo,
    slack: {
      clientId: clientId ?? DEMO_CLIENT_ID,
      // The demo secret is only shared between this process and its own emulator, so it is new every start.
      clientSecret: clientSecret ?? randomBytes(24).toString('base64url'),
      scopes,
      authorizeUrl,
      apiUrl,
      timeoutMs,
      // In demo mode the emulator signs its events with a secret shared only with this process.
      signingSecret: signingSecret ?? (demo ? randomBytes(24).toString('hex') : undefined),
      pkce: booleanFlag(env, 'SLACK_PKCE'),
      webhookBases,
    },
  };
}
