import type { Installation } from '@slack/oauth';
import { KeyError, type SecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Db } from './database.js';
import { InstallationsRepository } from './installations.js';
import { LandingSessionsRepository } from './landing-sessions.js';
import { OAuthStateStore, StateError, type StateClaim } from './oauth-states.js';
import { SettingsRepository } from './settings.js';

export interface RecordedInstall {
  id: number;
  /** The landing page's session: a cookie value and the page's CSRF token. */
  session: string;
  csrf: string;
}

interface PendingInstall {
  installation: Installation;
  state: StateClaim;
  resolve: (recorded: RecordedInstall) => void;
  reject: (err: unknown) => void;
}

/** Every table of the database, one repository each, over one connection. */
export class Store {
  readonly installations: InstallationsRepository;
  readonly oauthStates: OAuthStateStore;
  readonly settings: SettingsRepository;
  readonly landingSessions: LandingSessionsRepository;
  readonly #ping;
  readonly #syncFull;
  readonly #syncNormal;
  #pending: PendingInstall[] = [];

  constructor(
    readonly db: Db,
    box: SecretBox,
  ) {
    this.installations = new InstallationsRepository(db, box);
    this.oauthStates = new OAuthStateStore(db, box.deriveKey('oauth state'));
    this.settings = new SettingsRepository(db);
    this.landingSessions = new LandingSessionsRepository(db);
    this.#ping = db.prepare<[], { ok: number }>('SELECT 1 AS ok');
    this.#syncFull = db.prepare('PRAGMA synchronous = FULL');
    this.#syncNormal = db.prepare('PRAGMA synchronous = NORMAL');
  }

  /**
   * Opens and migrates the database, refuses rows sealed under a key it was not given, and seals rows written
   * before encryption existed.
   */
  static open(path: string, box: SecretBox): Store {
    const store = new Store(openDatabase(path), box);
    const unknown = store.installations.unknownKeyIds();
    if (unknown.length > 0) {
      store.close();
      throw new KeyError(
        `installations are sealed under key id ${unknown.join(', ')}, which is neither ENCRYPTION_KEY nor in ENCRYPTION_KEYS_OLD`,
      );
    }
    store.installations.resealPlaintext();
    return store;
  }

  /**
   * Stores a completed install, its landing session and the use of its OAuth state durably (fsynced) before
   * resolving, so the webhook a user is about to be shown survives a power cut. Installs that complete in the same turn of the event loop share one
   * transaction and one fsync (group commit): under load the fsync, not the work, would otherwise set the pace.
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
      const id = this.installations.insert(installation);
      return { id, ...this.landingSessions.create(id) };
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
      this.#syncNormal.run();
      for (const p of batch) this.oauthStates.release(p.state);
    }
    batch.forEach((p, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) p.resolve(outcome.value);
      else p.reject(outcome.err);
    });
  }

  /** True when the database answers a query. */
  ping(): boolean {
    return this.#ping.get()?.ok === 1;
  }

  /** The number of the last migration applied (`PRAGMA user_version`). */
  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
