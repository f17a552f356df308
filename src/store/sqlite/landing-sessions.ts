import {
  LANDING_SESSION_MAX_USES,
  LANDING_SESSION_PRUNE_MS,
  newSession,
  sessionFromRow,
  refusal,
  sessionHash,
} from '../landing-sessions.js';
import type { LandingSession, LandingSessions, SessionRefusal, TestResult } from '../types.js';
import type { Db } from './database.js';

interface Row {
  installation_id: number;
  landing_id: string | null;
  csrf_hash: string;
  expires_at: number;
  uses: number;
  state_nonce: string | null;
  last_test: string | null;
}

/** The `landing_sessions` table in SQLite; `createNow` is what recordInstall's transaction calls. */
export class SqliteLandingSessions implements LandingSessions {
  readonly #insert;
  readonly #find;
  readonly #use;
  readonly #test;
  readonly #prune;
  #prunedAt = 0;

  constructor(db: Db) {
    this.#insert = db.prepare<[string, number, string, number, string | null], never>(
      'INSERT INTO landing_sessions (session_hash, installation_id, csrf_hash, expires_at, state_nonce) VALUES (?, ?, ?, ?, ?)',
    );
    this.#find = db.prepare<[string], Row>(`
      SELECT s.installation_id, i.landing_id, s.csrf_hash, s.expires_at, s.uses, s.state_nonce, s.last_test
      FROM landing_sessions s JOIN installations i ON i.id = s.installation_id
      WHERE s.session_hash = ?`);
    this.#use = db.prepare<[string, number], never>(
      'UPDATE landing_sessions SET uses = uses + 1 WHERE session_hash = ? AND uses < ?',
    );
    this.#test = db.prepare<[string, string], never>(
      'UPDATE landing_sessions SET last_test = ? WHERE session_hash = ?',
    );
    this.#prune = db.prepare<[number], never>('DELETE FROM landing_sessions WHERE expires_at < ?');
  }

  async create(
    installationId: number,
    stateNonce: string | null = null,
    now = Date.now(),
  ): Promise<{ session: string; csrf: string }> {
    return this.createNow(installationId, stateNonce, now);
  }

  /** create, synchronously, inside whatever transaction is open. */
  createNow(
    installationId: number,
    stateNonce: string | null = null,
    now = Date.now(),
  ): { session: string; csrf: string } {
    if (now - this.#prunedAt > LANDING_SESSION_PRUNE_MS) {
      this.#prune.run(now);
      this.#prunedAt = now;
    }
    const { session, csrf, row } = newSession(now);
    this.#insert.run(row.sessionHash, installationId, row.csrfHash, row.expiresAt, stateNonce);
    return { session, csrf };
  }

  async find(session: string): Promise<LandingSession | undefined> {
    const row = this.#find.get(sessionHash(session));
    return sessionFromRow(row);
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

  async recordTest(session: string, result: TestResult): Promise<void> {
    this.#test.run(JSON.stringify(result), sessionHash(session));
  }
}
