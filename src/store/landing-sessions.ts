import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from './database.js';

/** How long the landing page's "Send a test message" button works. */
export const LANDING_SESSION_TTL_MS = 10 * 60 * 1000;
/** How many test messages one landing page may send. */
export const LANDING_SESSION_MAX_USES = 5;

export type SessionRefusal = 'unknown' | 'expired' | 'bad_csrf' | 'used_up';

const hash = (value: string) => createHash('sha256').update(value).digest();

/**
 * The `landing_sessions` table: the short session that lets the browser that just completed an install send
 * test messages through its webhook. The session value lives in an HttpOnly cookie and the CSRF token in the
 * page; only their hashes are stored.
 */
export class LandingSessionsRepository {
  readonly #insert;
  readonly #find;
  readonly #use;
  readonly #prune;
  #prunedAt = 0;

  constructor(db: Db) {
    this.#insert = db.prepare<[string, number, string, number], never>(
      'INSERT INTO landing_sessions (session_hash, installation_id, csrf_hash, expires_at) VALUES (?, ?, ?, ?)',
    );
    this.#find = db.prepare<[string], { installation_id: number; csrf_hash: string; expires_at: number; uses: number }>(
      'SELECT installation_id, csrf_hash, expires_at, uses FROM landing_sessions WHERE session_hash = ?',
    );
    this.#use = db.prepare<[string, number], never>(
      'UPDATE landing_sessions SET uses = uses + 1 WHERE session_hash = ? AND uses < ?',
    );
    this.#prune = db.prepare<[number], never>('DELETE FROM landing_sessions WHERE expires_at < ?');
  }

  create(installationId: number, now = Date.now()): { session: string; csrf: string } {
    const session = randomBytes(32).toString('base64url');
    const csrf = randomBytes(32).toString('base64url');
    if (now - this.#prunedAt > 60_000) {
      this.#prune.run(now);
      this.#prunedAt = now;
    }
    this.#insert.run(
      hash(session).toString('base64url'),
      installationId,
      hash(csrf).toString('base64url'),
      now + LANDING_SESSION_TTL_MS,
    );
    return { session, csrf };
  }

  /** Spends one use of the session when the CSRF token matches; returns its installation id, or why not. */
  use(session: string, csrf: string, now = Date.now()): { installationId: number } | { refused: SessionRefusal } {
    const key = hash(session).toString('base64url');
    const row = this.#find.get(key);
    if (row === undefined) return { refused: 'unknown' };
    if (row.expires_at <= now) return { refused: 'expired' };
    if (!timingSafeEqual(Buffer.from(row.csrf_hash, 'base64url'), hash(csrf))) return { refused: 'bad_csrf' };
    if (this.#use.run(key, LANDING_SESSION_MAX_USES).changes === 0) return { refused: 'used_up' };
    return { installationId: row.installation_id };
  }
}
