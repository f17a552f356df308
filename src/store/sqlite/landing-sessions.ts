import {
  LANDING_SESSION_MAX_USES,
  LANDING_SESSION_PRUNE_MS,
  newSession,
  refusal,
  sessionHash,
} from '../landing-sessions.js';
import type { LandingSessions, SessionRefusal } from '../types.js';
import type { Db } from './database.js';

/** The `landing_sessions` table in SQLite; `createNow` is what recordInstall's transaction calls. */
export class SqliteLandingSessions implements LandingSessions {
  readonly #insert;
  readonly #find;
  readonly #use;
  readonly #prune;
  #prunedAt = 0;

  constructor(db: Db) {
    this.#insert = db.prepare<[string, number, string, number], never>(
      'INSERT INTO landing_sessions (session_hash, installation_id, csrf_hash, expires_at) VALUES (?, ?, ?, ?)',
    );
    this.#find = db.prepare<[string], { installation_id: number; csrf_hash: string; expires_at: number }>(
      'SELECT installation_id, csrf_hash, expires_at FROM landing_sessions WHERE session_hash = ?',
    );
    this.#use = db.prepare<[string, number], never>(
      'UPDATE landing_sessions SET uses = uses + 1 WHERE session_hash = ? AND uses < ?',
    );
    this.#prune = db.prepare<[number], never>('DELETE FROM landing_sessions WHERE expires_at < ?');
  }

  async create(installationId: number, now = Date.now()): Promise<{ session: string; csrf: string }> {
    return this.createNow(installationId, now);
  }

  /** create, synchronously, inside whatever transaction is open. */
  createNow(installationId: number, now = Date.now()): { session: string; csrf: string } {
    if (now - this.#prunedAt > LANDING_SESSION_PRUNE_MS) {
      this.#prune.run(now);
      this.#prunedAt = now;
    }
    const { session, csrf, row } = newSession(now);
    this.#insert.run(row.sessionHash, installationId, row.csrfHash, row.expiresAt);
    return { session, csrf };
  }

  async use(
    session: string,
    csrf: string,
    now = Date.now(),
  ): Promise<{ installationId: number } | { refused: SessionRefusal }> {
    const key = sessionHash(session);
    const row = this.#find.get(key);
    const refused = refusal(row, csrf, now);
    if (refused !== undefined) return { refused };
    if (this.#use.run(key, LANDING_SESSION_MAX_USES).changes === 0) return { refused: 'used_up' };
    return { installationId: row!.installation_id };
  }
}
