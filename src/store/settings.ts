import { randomBytes } from 'node:crypto';
import type { Db } from './database.js';

/** The `settings` table: values the server generates once and keeps, such as the install secret. */
export class SettingsRepository {
  readonly #get;
  readonly #insertIfMissing;

  constructor(db: Db) {
    this.#get = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
    this.#insertIfMissing = db.prepare<[string, string], never>(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING',
    );
  }

  get(key: string): string | undefined {
    return this.#get.get(key)?.value;
  }

  /** The install secret generated on the first start (192 random bits, URL-safe), for when INSTALL_SECRET is unset. */
  installSecret(): string {
    return this.getOrCreate('install_secret', () => randomBytes(24).toString('base64url'));
  }

  /** The stored value, or `make()` stored now; safe when two processes start at once. */
  getOrCreate(key: string, make: () => string): string {
    this.#insertIfMissing.run(key, make());
    return this.get(key)!;
  }
}
