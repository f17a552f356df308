import { openDatabase, type Db } from './database.js';
import { InstallationsRepository } from './installations.js';
import { OAuthStateStore } from './oauth-states.js';
import { SettingsRepository } from './settings.js';

/** Every table of the database, one repository each, over one connection. */
export class Store {
  readonly installations: InstallationsRepository;
  readonly oauthStates: OAuthStateStore;
  readonly settings: SettingsRepository;
  readonly #ping;

  constructor(readonly db: Db) {
    this.installations = new InstallationsRepository(db);
    this.oauthStates = new OAuthStateStore(db);
    this.settings = new SettingsRepository(db);
    this.#ping = db.prepare<[], { ok: number }>('SELECT 1 AS ok');
  }

  static open(path: string): Store {
    return new Store(openDatabase(path));
  }

  /** True when the database answers a query. */
  ping(): boolean {
    return this.#ping.get()?.ok === 1;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
