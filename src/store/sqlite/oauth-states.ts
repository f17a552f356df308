import type { InstallURLOptions } from '@slack/oauth';
import { StateError, StateTokens } from '../oauth-states.js';
import type { OAuthStates, StateClaim, StateFailure } from '../types.js';
import type { Db } from './database.js';

const PRUNE_EVERY_MS = 60_000;

/**
 * OAuth states over SQLite: using one inserts its nonce into `used_oauth_states`. One process serves a SQLite
 * database, so a claim is held in memory while Slack is called, and the use is written in the install's own
 * transaction (one write per install, not two); unlike the library's ClearStateStore (valid until it expires,
 * hence replayable) a state works once, also across restarts.
 */
export class SqliteOAuthStates implements OAuthStates {
  readonly #tokens: StateTokens;
  readonly #markUsed;
  readonly #prune;
  readonly #isUsed;
  #prunedAt = 0;
  /** Nonces of flows in progress in this process, so that two requests cannot both use one state. */
  readonly #claimed = new Set<string>();

  constructor(db: Db, signingKey: Buffer) {
    this.#tokens = new StateTokens(signingKey);
    this.#markUsed = db.prepare<[string, number], never>(
      'INSERT INTO used_oauth_states (nonce, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING',
    );
    this.#prune = db.prepare<[number], never>('DELETE FROM used_oauth_states WHERE expires_at < ?');
    this.#isUsed = db.prepare<[string], { nonce: string }>('SELECT nonce FROM used_oauth_states WHERE nonce = ?');
  }

  async generateStateParam(_installOptions: InstallURLOptions, now: Date): Promise<string> {
    return this.#tokens.issue(now);
  }

  async claim(now: Date, state: string): Promise<StateClaim> {
    const claim = this.#tokens.check(now, state);
    if (this.#claimed.has(claim.nonce) || this.#isUsed.get(claim.nonce) !== undefined) throw new StateError('used');
    this.#claimed.add(claim.nonce);
    return claim;
  }

  /** Records a claimed state as used, inside whatever transaction is open; false if it already was. */
  markUsed(claim: StateClaim, now = Date.now()): boolean {
    if (now - this.#prunedAt > PRUNE_EVERY_MS) {
      this.#prune.run(now);
      this.#prunedAt = now;
    }
    return this.#markUsed.run(claim.nonce, claim.expiresAt).changes > 0;
  }

  async spend(claim: StateClaim): Promise<void> {
    try {
      this.markUsed(claim);
    } finally {
      this.release(claim);
    }
  }

  release(claim: StateClaim): void {
    this.#claimed.delete(claim.nonce);
  }

  async inspect(now: Date, state: string): Promise<StateFailure | 'unused'> {
    const claim = this.#tokens.test(now, state);
    if (typeof claim === 'string') return claim;
    return this.#claimed.has(claim.nonce) || this.#isUsed.get(claim.nonce) !== undefined ? 'used' : 'unused';
  }

  nonceOf(state: string): string | undefined {
    return this.#tokens.nonceOf(state);
  }

  async verifyStateParam(now: Date, state: string): Promise<InstallURLOptions> {
    await this.spend(await this.claim(now, state));
    // Every flow here has the same options (the configured scopes and redirect URI), so a state carries none.
    return { scopes: [] };
  }
}
