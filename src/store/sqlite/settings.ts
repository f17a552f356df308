import { randomBytes } from 'node:crypto';
import type { Settings } from '../types.js';
import type { Db } from './database.js';

/** The `settings` table in SQLite. */
export class SqliteSettings implements Settings {
  readonly #get;
  readonly #insertIfMissing;

  constructor(db: Db) {
    this.#get = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
    this.#insertIfMissing = db.prepare<[string, string], never>(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING',
    );
  }

  async get(key: string): Promise<string | undefined> {
    return this.#get.get(key)?.value;
  }

  async installSecret(): Promise<string> {
    return this.getOrCreate('install_secret', () => randomBytes(24).toString('base64url'));
  }

  async getOrCreate(key: string, make: () => string): Promise<string> {
    // The insert is a no-op when another process stored a value first; everyone then reads the one that won.
    this.#insertIfMissing.run(key, make());
    return this.#get.get(key)!.value;
  }
}
