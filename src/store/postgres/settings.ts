import { randomBytes } from 'node:crypto';
import type { Settings } from '../types.js';
import type { Pg } from './database.js';

/** The `settings` table in PostgreSQL. */
export class PostgresSettings implements Settings {
  readonly #db;

  constructor(db: Pg) {
    this.#db = db;
  }

  async get(key: string): Promise<string | undefined> {
    const [row] = await this.#db.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]);
    return row?.value;
  }

  async installSecret(): Promise<string> {
    return this.getOrCreate('install_secret', () => randomBytes(24).toString('base64url'));
  }

  async getOrCreate(key: string, make: () => string): Promise<string> {
    // Replicas starting together each offer a value; the primary key lets exactly one insert win (the others wait
    // for its commit, then insert nothing), and all of them read the winner's.
    await this.#db.run('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, make()]);
    return (await this.get(key))!;
  }
}
