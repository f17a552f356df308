import type { PoolClient } from 'pg';
import {
  LANDING_SESSION_MAX_USES,
  LANDING_SESSION_PRUNE_MS,
  newSession,
  sessionFromRow,
  refusal,
  sessionHash,
} from '../landing-sessions.js';
import type { LandingSession, LandingSessions, SessionRefusal, TestResult } from '../types.js';
import type { Pg } from './database.js';

const INSERT = {
  name: 'landing-sessions-insert',
  text: 'INSERT INTO landing_sessions (session_hash, installation_id, csrf_hash, expires_at, state_nonce) VALUES ($1, $2, $3, $4, $5)',
};
const FIND = {
  name: 'landing-sessions-find',
  text: `SELECT s.installation_id, i.landing_id, s.csrf_hash, s.expires_at, s.uses, s.state_nonce, s.last_test
    FROM landing_sessions s JOIN installations i ON i.id = s.installation_id WHERE s.session_hash = $1`,
};

interface Row {
  installation_id: string;
  landing_id: string | null;
  csrf_hash: string;
  expires_at: string;
  uses: number;
  state_nonce: string | null;
  last_test: string | null;
}

/**
 * The `landing_sessions` table in PostgreSQL. A use is counted by one conditional UPDATE, so the limit holds when
 * the browser's test messages reach different replicas.
 */
export class PostgresLandingSessions implements LandingSessions {
  readonly #db;
  #prunedAt = 0;

  constructor(db: Pg) {
    this.#db = db;
  }

  async create(
    installationId: number,
    stateNonce: string | null = null,
    now = Date.now(),
  ): Promise<{ session: string; csrf: string }> {
    const { session, csrf, row } = newSession(now);
    await this.#db.run(INSERT, [row.sessionHash, installationId, row.csrfHash, row.expiresAt, stateNonce]);
    await this.prune(now);
    return { session, csrf };
  }

  /** create, on the connection of an open transaction. */
  async createWith(
    client: PoolClient,
    installationId: number,
    stateNonce: string | null = null,
    now = Date.now(),
  ): Promise<{ session: string; csrf: string }> {
    const { session, csrf, row } = newSession(now);
    await client.query({
      ...INSERT,
      values: [row.sessionHash, installationId, row.csrfHash, row.expiresAt, stateNonce],
    });
    return { session, csrf };
  }

  /** Deletes expired sessions, at most once a minute per process. */
  async prune(now = Date.now()): Promise<void> {
    if (now - this.#prunedAt <= LANDING_SESSION_PRUNE_MS) return;
    this.#prunedAt = now;
    await this.#db.run('DELETE FROM landing_sessions WHERE expires_at < $1', [now]);
  }

  async find(session: string): Promise<LandingSession | undefined> {
    const [row] = await this.#db.query<Row>(FIND, [sessionHash(session)]);
    return sessionFromRow(row);
  }

  async use(
    session: string,
    csrf: string,
    now = Date.now(),
  ): Promise<{ installationId: number } | { refused: SessionRefusal }> {
    const key = sessionHash(session);
    const [row] = await this.#db.query<{ installation_id: string; csrf_hash: string; expires_at: string }>(
      'SELECT installation_id, csrf_hash, expires_at FROM landing_sessions WHERE session_hash = $1',
      [key],
    );
    const refused = refusal(row, csrf, now);
    if (refused !== undefined) return { refused };
    const used = await this.#db.run(
      'UPDATE landing_sessions SET uses = uses + 1 WHERE session_hash = $1 AND uses < $2',
      [key, LANDING_SESSION_MAX_USES],
    );
    return used === 0 ? { refused: 'used_up' } : { installationId: Number(row!.installation_id) };
  }

  async recordTest(session: string, result: TestResult): Promise<void> {
    await this.#db.run('UPDATE landing_sessions SET last_test = $1 WHERE session_hash = $2', [
      JSON.stringify(result),
      sessionHash(session),
    ]);
  }
}
