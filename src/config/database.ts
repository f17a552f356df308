// Where installations are kept and how their secrets are sealed: DATABASE_PATH or DATABASE_URL, and ENCRYPTION_KEY*.
import { KeyError, parseKey } from '../crypto/secret-box.js';
import { ConfigError, positiveInt, trimmed, type Env } from './values.js';

export interface PostgresConfig {
  /** A postgres:// or postgresql:// URL, libpq-style query parameters (host, sslmode, …) included. */
  url: string;
  /** The most connections this process opens (DATABASE_POOL_SIZE). */
  poolSize: number;
  /** How long start-up keeps trying to reach the database before giving up (DATABASE_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs: number;
}

export interface EncryptionConfig {
  /** From ENCRYPTION_KEY; outside production, when undefined, a key file beside the database is used. */
  key: Buffer | undefined;
  /** From ENCRYPTION_KEYS_OLD: still accepted for reading, while `rotate-key` re-seals rows. */
  oldKeys: Buffer[];
}

/**
 * DATABASE_URL, when set, must be a PostgreSQL URL. Its text is never repeated in a message: it may hold a password.
 * A host may also come from a libpq-style `?host=/run/postgresql` (a Unix socket folder), so the URL's own host
 * may be empty.
 */
export function postgresConfig(env: Env): PostgresConfig | undefined {
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

/** The sealing keys: required in production and with PostgreSQL, 32 bytes each as base64 or hex. */
export function encryptionConfig(
  env: Env,
  { postgres, production }: { postgres: boolean; production: boolean },
): EncryptionConfig {
  const keyText = trimmed(env, 'ENCRYPTION_KEY');
  // Replicas share the database, so they must share the key: a key file beside each process would differ.
  if (keyText === undefined && postgres) {
    throw new ConfigError(
      'ENCRYPTION_KEY is required with DATABASE_URL (every replica must seal and open with the same key): 32 random bytes as base64, e.g. from `openssl rand -base64 32`',
    );
  }
  if (keyText === undefined && production) {
    throw new ConfigError(
      'ENCRYPTION_KEY is required when NODE_ENV=production: 32 random bytes as base64, e.g. from `openssl rand -base64 32`',
    );
  }
  try {
    return {
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
}
