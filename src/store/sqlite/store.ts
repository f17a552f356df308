import type { Installation } from '@slack/oauth';
import { randomBytes } from 'node:crypto';
import type { SecretBox } from '../../crypto/secret-box.js';
import { shippedMigrations } from '../migrations.js';
import { adoptStoredKeys } from '../sealing.js';
import { StateError } from '../oauth-states.js';
import type { RecordedInstall, StateClaim, Store } from '../types.js';
import { openDatabase, type Db } from './database.js';
import { SqliteInstallations } from './installations.js';
import { SqliteLandingSessions } from './landing-sessions.js';
import { SqliteOAuthStates } from './oauth-states.js';
import { SqliteSeenEvents } from './seen-events.js';
import { SqliteSettings } from './settings.js';

interface PendingInstall {
  installation: Installation;
  state: StateClaim;
  resolve: (recorded: RecordedInstall) => void;
  reject: (err: unknown) => void;
}

/** Every table of a SQLite database, one repository each, over one connection. */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly installations: SqliteInstallations;
  readonly oauthStates: SqliteOAuthStates;
  readonly settings: SqliteSettings;
  readonly landingSessions: SqliteLandingSessions;
  readonly seenEvents: SqliteSeenEvents;
  readonly shippedVersion = shippedMigrations('sqlite').length;
  readonly #ping;
  readonly #syncFull;
  readonly #syncNormal;
  #pending: PendingInstall[] = [];

  constructor(
    /** The connection, for SQLite-specific tests and tools; nothing above store/ uses it. */
    readonly db: Db,
    box: SecretBox,
  ) {
    this.installations = new SqliteInstallations(db, box);
    this.oauthStates = new SqliteOAuthStates(db, box.deriveKey('oauth state'));
    this.settings = new SqliteSettings(db, box);
    this.landingSessions = new SqliteLandingSessions(db);
    this.seenEvents = new SqliteSeenEvents(db);
    this.#ping = db.prepare<[], { ok: number }>('SELECT 1 AS ok');
    this.#syncFull = db.prepare('PRAGMA synchronous = FULL');
    this.#syncNormal = db.prepare('PRAGMA synchronous = NORMAL');
  }

  /**
   * Opens and migrates the database, refuses rows sealed under a key it was not given, and seals rows written
   * before encryption existed.
   */
  static async open(path: string, box: SecretBox): Promise<SqliteStore> {
    const store = new SqliteStore(openDatabase(path), box);
    try {
      await adoptStoredKeys(store);
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  /**
   * Installs that complete in the same turn of the event loop share one transaction and one fsync (group commit):
   * under load the fsync, not the work, would otherwise set the pace. The state's use is recorded in the same
   * transaction, so the webhook a user is about to be shown survives a power cut, and its state cannot be replayed.
   */
  recordInstall(installation: Installation, state: StateClaim): Promise<RecordedInstall> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ installation, state, resolve, reject });
      if (this.#pending.length === 1) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const batch = this.#pending;
    this.#pending = [];
    const outcomes: Array<{ ok: true; value: RecordedInstall } | { ok: false; err: unknown }> = [];
    // Each install is a savepoint of its own, so one bad install does not undo the others.
    const one = this.db.transaction((installation: Installation, state: StateClaim) => {
      if (!this.oauthStates.markUsed(state)) throw new StateError('used');
      const landingId = randomBytes(16).toString('base64url');
      const id = this.installations.insertNow(installation, landingId);
      return { id, landingId, ...this.landingSessions.createNow(id, state.nonce) };
    });
    try {
      // In WAL mode a FULL commit waits for the log's fsync, which also covers the NORMAL commits before it.
      this.#syncFull.run();
      this.db.transaction(() => {
        for (const { installation, state } of batch) {
          try {
            outcomes.push({ ok: true, value: one(installation, state) });
          } catch (err) {
            outcomes.push({ ok: false, err });
          }
        }
      })();
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    } finally {
      if (this.db.open) this.#syncNormal.run();
      for (const p of batch) this.oauthStates.release(p.state);
    }
    batch.forEach((p, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) p.resolve(outcome.value);
      else p.reject(outcome.err);
    });
  }

  async ping(): Promise<boolean> {
    return this.#ping.get()?.ok === 1;
  }

  async live(): Promise<boolean> {
    return this.ping();
  }

  async schemaVersion(): Promise<number> {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
