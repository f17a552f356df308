import { KeyError, type SecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Db } from './database.js';
import { InstallationsRepository } from './installations.js';
import { LandingSessionsRepository } from './landing-sessions.js';
import { OAuthStateStore } from './oauth-states.js';
import { SettingsRepository } from './settings.js';

/** Every table of the database, one repository each, over one connection. */
export class Store {
  readonly installations: InstallationsRepository;
  readonly oauthStates: OAuthStateStore;
  readonly settings: SettingsRepository;
  readonly landingSessions: LandingSessionsRepository;
  readonly #ping;

  constructor(readonly db: Db, box: SecretBox) {
    this.installations = new InstallationsRepository(db, box);
    this.oauthStates = new OAuthStateStore(db);
    this.settings = new SettingsRepository(db);
    this.landingSessions = new LandingSessionsRepository(db);
    this.#ping = db.prepare<[], { ok: number }>('SELECT 1 AS ok');
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
      throw new KeyError(`installations are sealed under key id ${unknown.join(', ')}, which is neither ENCRYPTION_KEY nor in ENCRYPTION_KEYS_OLD`);
    }
    store.installations.resealPlaintext();
    return store;
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
