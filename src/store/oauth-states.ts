import type { InstallURLOptions, StateStore } from '@slack/oauth';
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './database.js';

/** How long a user has between opening the install URL and coming back from Slack (Slack's codes last as long). */
export const STATE_TTL_MS = 10 * 60 * 1000;

export type StateFailure = 'unknown' | 'expired' | 'used';

export class StateError extends Error {
  override name = 'StateError';
  constructor(readonly reason: StateFailure) {
    super(`OAuth state is ${reason}`);
  }
}

export function hashState(state: string): string {
  return createHash('sha256').update(state).digest('base64url');
}

/**
 * The `oauth_states` table, behind @slack/oauth's StateStore interface. The library's default ClearStateStore
 * is a signed token that stays valid until it expires, so it can be replayed; a row that is marked used cannot,
 * and it stays used across restarts. Only a hash of each state is kept.
 */
export class OAuthStateStore implements StateStore {
  readonly #insert;
  readonly #consume;
  readonly #find;
  readonly #prune;

  constructor(db: Db) {
    this.#insert = db.prepare<[string, string, number], never>(
      'INSERT INTO oauth_states (state_hash, install_options, expires_at) VALUES (?, ?, ?)');
    this.#consume = db.prepare<[number, string, number], { install_options: string }>(
      'UPDATE oauth_states SET used_at = ? WHERE state_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING install_options');
    this.#find = db.prepare<[string], { expires_at: number; used_at: number | null }>(
      'SELECT expires_at, used_at FROM oauth_states WHERE state_hash = ?');
    // Used or expired rows are kept one more lifetime, so a replay is told "already used" rather than "unknown".
    this.#prune = db.prepare<[number], never>('DELETE FROM oauth_states WHERE expires_at < ?');
  }

  async generateStateParam(installOptions: InstallURLOptions, now: Date): Promise<string> {
    const state = randomBytes(32).toString('base64url');
    this.#prune.run(now.getTime() - STATE_TTL_MS);
    this.#insert.run(hashState(state), JSON.stringify(installOptions), now.getTime() + STATE_TTL_MS);
    return state;
  }

  /** Marks the state used and returns its install options; throws a StateError saying why it cannot be used. */
  async verifyStateParam(now: Date, state: string): Promise<InstallURLOptions> {
    const hash = hashState(state);
    const row = this.#consume.get(now.getTime(), hash, now.getTime());
    if (row !== undefined) return JSON.parse(row.install_options) as InstallURLOptions;
    const seen = this.#find.get(hash);
    if (seen === undefined) throw new StateError('unknown');
    throw new StateError(seen.used_at !== null ? 'used' : 'expired');
  }
}
