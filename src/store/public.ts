// The package's public entry point for other apps (`slack-webhook-installer/store`): the installations this server
// records, behind @slack/oauth's InstallationStore, so a Bolt app (or any @slack/oauth user) can authorize with the
// very installs users made through the install link.
import type { Installation, InstallationQuery, InstallationStore, Logger } from '@slack/oauth';
import { parseKey, SecretBox } from '../crypto/secret-box.js';
import { SqliteStore } from './sqlite/store.js';
import type { Store } from './types.js';

export type { Installation, InstallationQuery, InstallationStore };

export interface OpenInstallationStoreOptions {
  /** The server's DATABASE_URL (`postgres://…`), for a server that keeps its installations in PostgreSQL. */
  databaseUrl?: string;
  /** With databaseUrl: the most connections this store opens (as the server's DATABASE_POOL_SIZE). */
  poolSize?: number;
  /** The server's SQLite file (its DATABASE_PATH). One of databaseUrl and databasePath is required. */
  databasePath?: string;
  /** The server's ENCRYPTION_KEY: 32 bytes, as base64 or hex text, or as a Buffer. */
  encryptionKey: string | Buffer;
  /** The server's ENCRYPTION_KEYS_OLD during a key rotation: a comma-separated string or a list. */
  encryptionKeysOld?: string | Array<string | Buffer>;
}

/** @slack/oauth's InstallationStore over the server's database, with deleteInstallation and close(). */
export interface SlackInstallationStore extends InstallationStore {
  storeInstallation<AuthVersion extends 'v1' | 'v2'>(
    installation: Installation<AuthVersion, boolean>,
    logger?: Logger,
  ): Promise<void>;
  fetchInstallation(query: InstallationQuery<boolean>, logger?: Logger): Promise<Installation<'v1' | 'v2', boolean>>;
  /** Marks the matching installs revoked (they are kept as history, and never handed out again). */
  deleteInstallation(query: InstallationQuery<boolean>, logger?: Logger): Promise<void>;
  /** Closes the database connection. */
  close(): Promise<void>;
}

function key(name: string, value: string | Buffer): Buffer {
  return typeof value === 'string' ? parseKey(name, value) : parseKey(name, value.toString('base64'));
}

function oldKeys(value: OpenInstallationStoreOptions['encryptionKeysOld']): Buffer[] {
  const list = typeof value === 'string' ? value.split(',').filter((k) => k.trim() !== '') : (value ?? []);
  return list.map((k, i) => key(`encryptionKeysOld (key ${i + 1})`, k));
}

/**
 * Opens the server's database (migrating it, as the server does at start-up) with the server's keys. Installs are
 * never overwritten: fetchInstallation gives the newest active install of a workspace or org, and every field of
 * the Installation that was stored. Close it with close().
 */
export async function openInstallationStore(options: OpenInstallationStoreOptions): Promise<SlackInstallationStore> {
  const url = options.databaseUrl;
  if (url !== undefined && !/^postgres(ql)?:/i.test(url))
    throw new TypeError('databaseUrl must be a PostgreSQL URL (postgres://user:password@host:5432/database)');
  if (url === undefined && (options.databasePath === undefined || options.databasePath === ''))
    throw new TypeError('openInstallationStore needs databasePath (the server’s DATABASE_PATH) or databaseUrl');
  const box = new SecretBox(key('encryptionKey', options.encryptionKey), oldKeys(options.encryptionKeysOld));
  let store: Store;
  if (url !== undefined) {
    // Loaded only for PostgreSQL, as in the server.
    const { PostgresStore } = await import('./postgres/store.js');
    store = await PostgresStore.open({ url, poolSize: options.poolSize ?? 5, connectTimeoutMs: 30_000 }, box, (m) =>
      console.warn(`slack-webhook-installer/store: ${m}`),
    );
  } else {
    store = await SqliteStore.open(options.databasePath!, box);
  }
  const installations = store.installations;
  return {
    storeInstallation: (installation) => installations.storeInstallation(installation),
    fetchInstallation: (query) => installations.fetchInstallation(query),
    deleteInstallation: (query) => installations.deleteInstallation(query),
    close: () => store.close(),
  };
}
