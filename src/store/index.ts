import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from '../config.js';
import { secretBoxFor } from '../crypto/keys.js';
import { StoreOpenError } from './errors.js';
import { SqliteStore } from './sqlite/store.js';
import type { Store } from './types.js';

export type * from './types.js';
export { StoreOpenError, StoreUnavailableError } from './errors.js';

export interface OpenOptions {
  /** Where connection failures that no request is waiting on are reported (the server's logger). */
  log?: (message: string) => void;
}

/**
 * Opens and migrates the configured database: PostgreSQL when DATABASE_URL is set (its client is loaded only
 * then), otherwise SQLite at DATABASE_PATH. A database that cannot be opened rejects with a StoreOpenError whose
 * message is one line for the operator.
 */
export async function openStore(
  config: Pick<Config, 'databasePath' | 'encryption' | 'postgres'>,
  options: OpenOptions = {},
): Promise<Store> {
  const log = options.log ?? ((message: string) => console.error(message));
  if (config.postgres !== undefined) {
    const [{ PostgresStore }, box] = [await import('./postgres/store.js'), secretBoxFor(config)];
    return PostgresStore.open(config.postgres, box, log);
  }
  const path = config.databasePath;
  if (path !== ':memory:') {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 }); // it holds sealed secrets
    } catch (err) {
      throw new StoreOpenError(`DATABASE_PATH: cannot create the folder ${dirname(path)}: ${reason(err)}`);
    }
  }
  let box;
  try {
    box = secretBoxFor(config);
  } catch (err) {
    if (!isFsError(err)) throw err;
    throw new StoreOpenError(
      `ENCRYPTION_KEY is not set and the key file beside DATABASE_PATH cannot be used: ${reason(err)}`,
    );
  }
  try {
    return await SqliteStore.open(path, box);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (!isFsError(err) && !(typeof code === 'string' && code.startsWith('SQLITE_'))) throw err;
    throw new StoreOpenError(`DATABASE_PATH: cannot open ${path} as a SQLite database: ${reason(err)}`);
  }
}

const isFsError = (err: unknown) => /^E[A-Z]+$/.test(String((err as { code?: unknown }).code));

function reason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message.replace(/^[A-Z]+: /, '').split(/[,\n]/)[0]! : String(err);
  return typeof e.code === 'string' && !message.includes(e.code) ? `${message} (${e.code})` : message;
}
