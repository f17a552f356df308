import { withSecretFiles } from './secret-files.js';
import { parseTrustProxy, type TrustProxy } from './trust-proxy.js';
import { encryptionConfig, postgresConfig, type EncryptionConfig, type PostgresConfig } from './config/database.js';
import { metricsConfig, type MetricsConfig } from './config/metrics.js';
import { slackConfig, type SlackConfig } from './config/slack.js';
import { ConfigError, httpUrl, positiveInt, trimmed, withoutTrailingSlash, type Env } from './config/values.js';

// Configuration is read once, from the environment, and validated here; every message names its variable.
// Precedence: real environment variables, then a `.env` file in the working directory, then the defaults below.
// Every secret may come from a file instead, named by `NAME_FILE` (src/secret-files.ts).
// Each group of settings is read in src/config/ (Slack, metrics, database); the rest, short, here.

export { ConfigError, isLoopbackHost } from './config/values.js';
export { DEMO_APP_ID, DEMO_CLIENT_ID } from './config/slack.js';
export type { PostgresConfig } from './config/database.js';

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  /** `${publicUrl}/slack/oauth_redirect`, sent both at authorize and to oauth.v2.access. */
  redirectUri: string;
  /** Demo mode: no Slack credentials outside production, so the built-in emulator plays Slack. */
  demo: boolean;
  slack: SlackConfig;
  /** Whether GET /metrics serves Prometheus metrics. */
  metricsEnabled: boolean;
  /** REVOKED_RETENTION_DAYS: revoked installations older than this are deleted; undefined keeps them forever. */
  revokedRetentionDays: number | undefined;
  /** How /metrics is kept from the public: a bearer token, a listener of its own, or both. */
  metrics: MetricsConfig;
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
  encryption: EncryptionConfig;
  logLevel: string;
  /** From APP_NAME: names the product in page titles, headings and the test message. */
  appName: string;
  /** From LANDING_INSTRUCTIONS: an Eta file for the landing page's "How to use it"; undefined for the shipped one. */
  landingInstructions: string | undefined;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const SECRET_RE = /^[A-Za-z0-9_-]{22,}$/; // ≥ 22 URL-safe characters ≈ at least 128 random bits

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
  const { demo, slack } = slackConfig(env, { port, publicUrl, production });

  const installSecret = trimmed(env, 'INSTALL_SECRET');
  if (installSecret !== undefined && !SECRET_RE.test(installSecret)) {
    throw new ConfigError(
      'INSTALL_SECRET must be at least 22 URL-safe characters (A-Z a-z 0-9 - _), e.g. from `openssl rand -base64 32 | tr "+/" "-_" | tr -d =`',
    );
  }

  const postgres = postgresConfig(env);
  const encryption = encryptionConfig(env, { postgres: postgres !== undefined, production });

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

  const { enabled: metricsEnabled, metrics } = metricsConfig(env, port);
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
    slack,
    metricsEnabled,
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
