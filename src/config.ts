import { randomBytes } from 'node:crypto';
import { KeyError, parseKey } from './crypto/secret-box.js';
import { withSecretFiles } from './secret-files.js';
import { SLACK_WEBHOOK_BASES } from './slack/webhook-url.js';
import { parseTrustProxy, type TrustProxy } from './trust-proxy.js';

// Configuration is read once, from the environment, and validated here; every message names its variable.
// Precedence: real environment variables, then a `.env` file in the working directory, then the defaults below.
// Every secret may come from a file instead, named by `NAME_FILE` (src/secret-files.ts).

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  /** `${publicUrl}/slack/oauth_redirect`, sent both at authorize and to oauth.v2.access. */
  redirectUri: string;
  /** Demo mode: no Slack credentials outside production, so the built-in emulator plays Slack. */
  demo: boolean;
  slack: {
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
  };
  /** Whether GET /metrics serves Prometheus metrics. */
  metricsEnabled: boolean;
  /** REVOKED_RETENTION_DAYS: revoked installations older than this are deleted; undefined keeps them forever. */
  revokedRetentionDays: number | undefined;
  /** How /metrics is kept from the public: a bearer token, a listener of its own, or both. */
  metrics: {
    /** METRICS_TOKEN: required as `Authorization: Bearer <token>` when set. */
    token: string | undefined;
    /** METRICS_PORT: serve /metrics on a listener of its own (and not on PORT); METRICS_HOST is its address. */
    port: number | undefined;
    host: string;
  };
  /** From INSTALL_SECRET; when undefined one is generated once and kept in the database. */
  installSecret: string | undefined;
  databasePath: string;
  /** From DATABASE_URL: PostgreSQL instead of SQLite, for several replicas on one database. */
  postgres: PostgresConfig | undefined;
  /** Failed (4xx) requests allowed per client address in each window, before it is answered 429. */
  rateLimit: { maxFailures: number; windowMs: number };
  /** Fastify's trustProxy: which proxies' X-Forwarded-For entries name the client (behind a reverse proxy). */
  trustProxy: TrustProxy;
  /** Limits on slow and numerous clients, given to the HTTP server when it is created. */
  http: {
    /** The most a client may take to send a request's headers (slowloris), and the whole request. */
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    /** Open connections beyond this are closed as they arrive. */
    maxConnections: number;
  };
  encryption: {
    /** From ENCRYPTION_KEY; outside production, when undefined, a key file beside the database is used. */
    key: Buffer | undefined;
    /** From ENCRYPTION_KEYS_OLD: still accepted for reading, while `rotate-key` re-seals rows. */
    oldKeys: Buffer[];
  };
  logLevel: string;
  /** From APP_NAME: names the product in page titles, headings and the test message. */
  appName: string;
  /** From LANDING_INSTRUCTIONS: an Eta file for the landing page's "How to use it"; undefined for the shipped one. */
  landingInstructions: string | undefined;
}

export interface PostgresConfig {
  /** A postgres:// or postgresql:// URL, libpq-style query parameters (host, sslmode, …) included. */
  url: string;
  /** The most connections this process opens (DATABASE_POOL_SIZE). */
  poolSize: number;
  /** How long start-up keeps trying to reach the database before giving up (DATABASE_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const SCOPE_RE = /^[a-z][a-z0-9_.:-]*$/;
const SECRET_RE = /^[A-Za-z0-9_-]{22,}$/; // ≥ 22 URL-safe characters ≈ at least 128 random bits

/** Credentials the demo server hands both to itself and to its emulator. */
export const DEMO_CLIENT_ID = '1111111111.2222222222';
export const DEMO_APP_ID = 'A0DEMO00001';

function trimmed(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function httpUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name} must start with http:// or https://, got "${value}"`);
  }
  if (url.search || url.hash) throw new ConfigError(`${name} must not contain a query string or a #fragment`);
  return url;
}

function positiveInt(env: Env, name: string, fallback: number): number {
  const text = trimmed(env, name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new ConfigError(`${name} must be a whole number greater than 0, got "${text}"`);
  }
  return Number(text);
}

function booleanFlag(env: Env, name: string): boolean {
  const text = trimmed(env, name) ?? 'false';
  if (text !== 'true' && text !== 'false') throw new ConfigError(`${name} must be true or false, got "${text}"`);
  return text === 'true';
}

/** Whether a URL's host is this machine, where plain http never crosses a network. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** In production, URLs that carry cookies, codes or the client secret must be https unless they stay on loopback. */
function requireHttps(name: string, href: string): void {
  const url = new URL(href);
  if (url.protocol !== 'https:' && !isLoopbackHost(url.hostname)) {
    throw new ConfigError(
      `${name} must be an https:// URL when NODE_ENV=production (plain http is allowed only on loopback), got "${href}"`,
    );
  }
}

/**
 * Metrics tell an attacker what the server is doing (install rates, failure reasons, memory): served on the
 * public listener only behind a bearer token, or on a listener of their own on loopback.
 */
function metricsConfig(env: Env, enabled: boolean, port: number): Config['metrics'] {
  const token = trimmed(env, 'METRICS_TOKEN');
  const host = trimmed(env, 'METRICS_HOST') ?? '127.0.0.1';
  const portText = trimmed(env, 'METRICS_PORT');
  let metricsPort: number | undefined;
  if (portText !== undefined) {
    metricsPort = Number(portText);
    if (!/^\d+$/.test(portText) || metricsPort < 1 || metricsPort > 65535 || metricsPort === port) {
      throw new ConfigError(`METRICS_PORT must be a port from 1 to 65535 other than PORT, got "${portText}"`);
    }
  }
  if (!enabled) {
    const stray = ['METRICS_TOKEN', 'METRICS_PORT', 'METRICS_HOST'].find((name) => trimmed(env, name) !== undefined);
    if (stray !== undefined) throw new ConfigError(`${stray} is set but METRICS_ENABLED is not true`);
    return { token: undefined, port: undefined, host };
  }
  if (token !== undefined && !/^[\x21-\x7e]{16,}$/.test(token)) {
    throw new ConfigError('METRICS_TOKEN must be at least 16 printable characters, e.g. from `openssl rand -hex 24`');
  }
  if (metricsPort === undefined && token === undefined) {
    throw new ConfigError(
      'METRICS_ENABLED=true would serve /metrics to anyone who reaches the server: set METRICS_TOKEN (a bearer token Prometheus sends) or METRICS_PORT (a listener of its own on loopback)',
    );
  }
  if (metricsPort !== undefined && !isLoopbackHost(host) && token === undefined) {
    throw new ConfigError(
      `METRICS_HOST=${host} is not a loopback address: set METRICS_TOKEN too, or leave METRICS_HOST at 127.0.0.1`,
    );
  }
  return { token, port: metricsPort, host };
}

function withoutTrailingSlash(url: URL): string {
  return url.href.replace(/\/+$/, '');
}

export function loadConfig(environment: Env = process.env): Config {
  const env = withSecretFiles(environment, (message) => new ConfigError(message));
  const portText = trimmed(env, 'PORT') ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new ConfigError(`PORT must be a whole number from 0 to 65535, got "${portText}"`);
  }
  const host = trimmed(env, 'HOST') ?? '127.0.0.1';
  const publicUrl = withoutTrailingSlash(
    httpUrl('PUBLIC_URL', trimmed(env, 'PUBLIC_URL') ?? `http://localhost:${port}`),
  );

  const production = env.NODE_ENV === 'production';
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
  const metricsText = booleanFlag(env, 'METRICS_ENABLED') ? 'true' : 'false';

  const installSecret = trimmed(env, 'INSTALL_SECRET');
  if (installSecret !== undefined && !SECRET_RE.test(installSecret)) {
    throw new ConfigError(
      'INSTALL_SECRET must be at least 22 URL-safe characters (A-Z a-z 0-9 - _), e.g. from `openssl rand -base64 32 | tr "+/" "-_" | tr -d =`',
    );
  }

  const postgres = postgresConfig(env);
  const keyText = trimmed(env, 'ENCRYPTION_KEY');
  // Replicas share the database, so they must share the key: a key file beside each process would differ.
  if (keyText === undefined && postgres !== undefined) {
    throw new ConfigError(
      'ENCRYPTION_KEY is required with DATABASE_URL (every replica must seal and open with the same key): 32 random bytes as base64, e.g. from `openssl rand -base64 32`',
    );
  }
  if (keyText === undefined && production) {
    throw new ConfigError(
      'ENCRYPTION_KEY is required when NODE_ENV=production: 32 random bytes as base64, e.g. from `openssl rand -base64 32`',
    );
  }
  let encryption: Config['encryption'];
  try {
    encryption = {
      key: keyText === undefined ? undefined : parseKey('ENCRYPTION_KEY', keyText),
      oldKeys: (trimmed(env, 'ENCRYPTION_KEYS_OLD') ?? '')
        .split(',')
        .filter((k) => k.trim() !== '')
        .map((k, i) => parseKey(`ENCRYPTION_KEYS_OLD (key ${i + 1})`, k)),
    };
  } catch (err) {
    if (err instanceof KeyError) throw new ConfigError(err.message);
    throw err;
  }

  const rateLimit = {
    maxFailures: positiveInt(env, 'RATE_LIMIT_FAILURES', 30),
    windowMs: positiveInt(env, 'RATE_LIMIT_WINDOW_MS', 60_000),
  };
  const trustProxy = parseTrustProxy(trimmed(env, 'TRUST_PROXY') ?? 'false');
  if (typeof trustProxy === 'object' && 'error' in trustProxy) throw new ConfigError(trustProxy.error);

  const http = {
    headersTimeoutMs: positiveInt(env, 'HEADERS_TIMEOUT_MS', 15_000),
    requestTimeoutMs: positiveInt(env, 'REQUEST_TIMEOUT_MS', 30_000),
    maxConnections: positiveInt(env, 'MAX_CONNECTIONS', 1000),
  };
  if (http.headersTimeoutMs > http.requestTimeoutMs) {
    throw new ConfigError(
      `HEADERS_TIMEOUT_MS (${http.headersTimeoutMs}) must not be more than REQUEST_TIMEOUT_MS (${http.requestTimeoutMs}): the headers are part of the request`,
    );
  }

  const metrics = metricsConfig(env, metricsText === 'true', port);
  const pkce = booleanFlag(env, 'SLACK_PKCE');
  const retentionText = trimmed(env, 'REVOKED_RETENTION_DAYS');
  const revokedRetentionDays =
    retentionText === undefined || retentionText === 'forever'
      ? undefined
      : positiveInt(env, 'REVOKED_RETENTION_DAYS', 1);

  const logLevel = trimmed(env, 'LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }

  const appName = trimmed(env, 'APP_NAME') ?? 'Slack webhook installer';
  if (appName.length > 80 || /[\p{Cc}\p{Cf}]/u.test(appName)) {
    throw new ConfigError('APP_NAME must be at most 80 characters, with no control or formatting characters');
  }

  return {
    port,
    host,
    publicUrl,
    redirectUri: `${publicUrl}/slack/oauth_redirect`,
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
      pkce,
      webhookBases,
    },
    metricsEnabled: metricsText === 'true',
    metrics,
    revokedRetentionDays,
    installSecret,
    databasePath: trimmed(env, 'DATABASE_PATH') ?? './data/installations.db',
    postgres,
    rateLimit,
    trustProxy,
    http,
    encryption,
    logLevel,
    appName,
    landingInstructions: trimmed(env, 'LANDING_INSTRUCTIONS'),
  };
}

/**
 * DATABASE_URL, when set, must be a PostgreSQL URL. Its text is never repeated in a message: it may hold a password.
 * A host may also come from a libpq-style `?host=/run/postgresql` (a Unix socket folder), so the URL's own host
 * may be empty.
 */
function postgresConfig(env: Env): PostgresConfig | undefined {
  const url = trimmed(env, 'DATABASE_URL');
  if (url === undefined) return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== 'postgres' && scheme !== 'postgresql') {
    throw new ConfigError(
      `DATABASE_URL must be a PostgreSQL URL such as postgres://user:password@host:5432/database${scheme === undefined ? '' : `, got a ${scheme}: URL`} (unset it to use SQLite at DATABASE_PATH)`,
    );
  }
  try {
    new URL(url.replace(/^(\w+:\/\/[^/?#]*@)(?=[/?#]|$)/, '$1localhost'));
  } catch {
    throw new ConfigError('DATABASE_URL is not a valid URL: postgres://user:password@host:5432/database');
  }
  return {
    url,
    poolSize: positiveInt(env, 'DATABASE_POOL_SIZE', 10),
    connectTimeoutMs: positiveInt(env, 'DATABASE_CONNECT_TIMEOUT_MS', 30_000),
  };
}
