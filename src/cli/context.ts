// What every command gets (configuration, output), and how commands open the database.
import { existsSync } from 'node:fs';
import type { Config } from '../config.js';
import { keyFilePath } from '../crypto/keys.js';
import { openStore, type Store } from '../store/index.js';
import type { Output } from './stream.js';

export interface Context {
  /** The configuration, read (with `./.env`) on first use, so that bad usage is reported before bad configuration. */
  config(): Config;
  out: Output;
  err: Output;
}

export interface Command {
  /** What follows the program name. */
  usage: string;
  summary: string;
  run(args: string[], ctx: Context): number | Promise<number>;
}

/** Opens (creating and migrating if needed) the database, as the server does. */
export async function withStore<T>(config: Config, use: (store: Store) => T | Promise<T>): Promise<T> {
  const store = await openStore(config);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/**
 * Opens a database that must exist already: run from the wrong folder, a command would otherwise make an empty
 * database, and without ENCRYPTION_KEY a new key file, and report "no installations".
 */
export async function withExistingStore<T>(config: Config, use: (store: Store) => T | Promise<T>): Promise<T> {
  const path = config.databasePath;
  if (config.postgres !== undefined) return withStore(config, use); // the server's database, wherever it runs
  if (path !== ':memory:' && !existsSync(path)) {
    throw new Error(`no database at ${path}: set DATABASE_PATH (or run from the folder the server runs in)`);
  }
  if (config.encryption.key === undefined && path !== ':memory:' && !existsSync(keyFilePath(path))) {
    throw new Error(
      `ENCRYPTION_KEY is not set and there is no key file at ${keyFilePath(path)}: set the server's ENCRYPTION_KEY`,
    );
  }
  return withStore(config, use);
}

export function noSuch(ctx: Context, id: number): number {
  ctx.err.write(`no installation ${id}\n`);
  return 1;
}
