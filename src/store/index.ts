import type { Config } from '../config.js';
import { secretBoxFor } from '../crypto/keys.js';
import { SqliteStore } from './sqlite/store.js';
import type { Store } from './types.js';

export type * from './types.js';

/** Opens and migrates the configured database: SQLite at DATABASE_PATH. */
export async function openStore(config: Pick<Config, 'databasePath' | 'encryption'>): Promise<Store> {
  return SqliteStore.open(config.databasePath, secretBoxFor(config));
}
