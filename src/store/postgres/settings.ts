import { randomBytes } from 'node:crypto';
import type { SecretBox } from '../../crypto/secret-box.js';
import { settingAad } from '../sealing.js';
import type { Settings } from '../types.js';
import type { Pg } from './database.js';

interface Row {
  key: string;
  value: string;
  key_id: string | null;
}

/**
 * The `settings` table in PostgreSQL. Values are sealed under the encryption key like webhook URLs (`key_id` names
 * the key), so the database alone does not hold a working install URL; values from before sealing existed
 * (key_id NULL) are sealed at start-up.
 */
export class PostgresSettings implements Settings {
  readonly #db;
  readonly #box;

  constructor(db: Pg, box: SecretBox) {
    this.#db = db;
    this.#box = box;
  }

  #open(row: Row): string {
    return row.key_id === null ? row.value : this.#box.decrypt(row.value, row.key_id, settingAad(row.key));
  }

  async get(key: string): Promise<string | undefined> {
    const [row] = await this.#db.query<Row>('SELECT key, value, key_id FROM settings WHERE key = $1', [key]);
    return row === undefined ? undefined : this.#open(row);
  }

  async installSecret(): Promise<string> {
    return this.getOrCreate('install_secret', () => randomBytes(24).toString('base64url'));
  }

  async getOrCreate(key: string, make: () => string): Promise<string> {
    // Replicas starting together each offer a value; the primary key lets exactly one insert win (the others wait
    // for its commit, then insert nothing), and all of them read the winner's.
    await this.#db.run('INSERT INTO settings (key, value, key_id) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING', [
      key,
      this.#box.encrypt(make(), settingAad(key)),
      this.#box.keyId,
    ]);
    return (await this.get(key))!;
  }

  async unknownKeyIds(): Promise<string[]> {
    const rows = await this.#db.query<{ key_id: string }>(
      'SELECT DISTINCT key_id FROM settings WHERE key_id IS NOT NULL',
    );
    return rows.map((r) => r.key_id).filter((id) => !this.#box.hasKey(id));
  }

  async resealPlaintext(): Promise<number> {
    return this.#reseal('key_id IS NULL');
  }

  async resealAll(): Promise<number> {
    return this.#reseal('key_id IS NULL OR key_id <> $1');
  }

  async #reseal(where: string): Promise<number> {
    const params = where.includes('$1') ? [this.#box.keyId] : [];
    const rows = await this.#db.query<Row>(`SELECT key, value, key_id FROM settings WHERE ${where}`, params);
    for (const row of rows) {
      await this.#db.run('UPDATE settings SET value = $1, key_id = $2 WHERE key = $3 AND value = $4', [
        this.#box.encrypt(this.#open(row), settingAad(row.key)),
        this.#box.keyId,
        row.key,
        row.value,
      ]);
    }
    return rows.length;
  }
}
