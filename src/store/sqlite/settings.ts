import { randomBytes } from 'node:crypto';
import type { SecretBox } from '../../crypto/secret-box.js';
import { settingAad } from '../sealing.js';
import type { Settings } from '../types.js';
import type { Db } from './database.js';

interface Row {
  key: string;
  value: string;
  key_id: string | null;
}

/**
 * The `settings` table in SQLite. Values are sealed under the encryption key like webhook URLs (`key_id` names the
 * key), so the database file alone does not hold a working install URL; rows from before sealing existed
 * (key_id NULL) are sealed at start-up.
 */
export class SqliteSettings implements Settings {
  readonly #db;
  readonly #box;
  readonly #get;
  readonly #insertIfMissing;
  readonly #notUnder;
  readonly #update;
  readonly #keyIds;

  constructor(db: Db, box: SecretBox) {
    this.#db = db;
    this.#box = box;
    this.#get = db.prepare<[string], Row>('SELECT key, value, key_id FROM settings WHERE key = ?');
    this.#insertIfMissing = db.prepare<[string, string, string], never>(
      'INSERT INTO settings (key, value, key_id) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING',
    );
    this.#notUnder = db.prepare<[string], Row>(
      'SELECT key, value, key_id FROM settings WHERE key_id IS NULL OR key_id <> ?',
    );
    this.#update = db.prepare<[string, string, string], never>(
      'UPDATE settings SET value = ?, key_id = ? WHERE key = ?',
    );
    this.#keyIds = db.prepare<[], { key_id: string }>('SELECT DISTINCT key_id FROM settings WHERE key_id IS NOT NULL');
  }

  #open(row: Row): string {
    return row.key_id === null ? row.value : this.#box.decrypt(row.value, row.key_id, settingAad(row.key));
  }

  async get(key: string): Promise<string | undefined> {
    const row = this.#get.get(key);
    return row === undefined ? undefined : this.#open(row);
  }

  async installSecret(): Promise<string> {
    return this.getOrCreate('install_secret', () => randomBytes(24).toString('base64url'));
  }

  async getOrCreate(key: string, make: () => string): Promise<string> {
    // The insert is a no-op when another process stored a value first; everyone then reads the one that won.
    this.#insertIfMissing.run(key, this.#box.encrypt(make(), settingAad(key)), this.#box.keyId);
    return this.#open(this.#get.get(key)!);
  }

  async unknownKeyIds(): Promise<string[]> {
    return this.#keyIds
      .all()
      .map((r) => r.key_id)
      .filter((id) => !this.#box.hasKey(id));
  }

  async resealPlaintext(): Promise<number> {
    return this.#reseal((row) => row.key_id === null);
  }

  async resealAll(): Promise<number> {
    return this.#reseal(() => true);
  }

  #reseal(which: (row: Row) => boolean): number {
    return this.#db.transaction(() => {
      const rows = this.#notUnder.all(this.#box.keyId).filter(which);
      for (const row of rows)
        this.#update.run(this.#box.encrypt(this.#open(row), settingAad(row.key)), this.#box.keyId, row.key);
      return rows.length;
    })();
  }
}
