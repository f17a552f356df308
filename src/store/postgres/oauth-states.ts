import type { InstallURLOptions } from '@slack/oauth';
import { StateError, StateTokens } from '../oauth-states.js';
import type { OAuthStates, StateClaim, StateFailure } from '../types.js';
import type { Pg } from './database.js';

const PRUNE_EVERY_MS = 60_000;
const CLAIM = {
  name: 'used-oauth-states-claim',
  text: 'INSERT INTO used_oauth_states (nonce, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING',
};

/**
 * OAuth states over PostgreSQL. Several replicas may receive the same callback (a double click, a retry through
 * the balancer), so a state is claimed in the database before Slack is called: the insert of its nonce succeeds
 * for exactly one request, and every other one, on any replica, is told the state was used. A claimed state stays
 * used whatever happens next, as on SQLite.
 */
export class PostgresOAuthStates implements OAuthStates {
  readonly #tokens: StateTokens;
  readonly #db;
  #prunedAt = 0;

  constructor(db: Pg, signingKey: Buffer) {
    this.#tokens = new StateTokens(signingKey);
    this.#db = db;
  }

  async generateStateParam(_installOptions: InstallURLOptions, now: Date): Promise<string> {
    return this.#tokens.issue(now);
  }

  async claim(now: Date, state: string): Promise<StateClaim> {
    const claim = this.#tokens.check(now, state);
    if ((await this.#db.run(CLAIM, [claim.nonce, claim.expiresAt])) === 0) throw new StateError('used');
    const t = Date.now();
    if (t - this.#prunedAt > PRUNE_EVERY_MS) {
      this.#prunedAt = t;
      await this.#db.run('DELETE FROM used_oauth_states WHERE expires_at < $1', [t]);
    }
    return claim;
  }

  async inspect(now: Date, state: string): Promise<StateFailure | 'unused'> {
    const claim = this.#tokens.test(now, state);
    if (typeof claim === 'string') return claim;
    const used = await this.#db.query<{ nonce: string }>('SELECT nonce FROM used_oauth_states WHERE nonce = $1', [
      claim.nonce,
    ]);
    return used.length > 0 ? 'used' : 'unused';
  }

  nonceOf(state: string): string | undefined {
    return this.#tokens.nonceOf(state);
  }

  /** The claim already recorded the use. */
  async spend(_claim: StateClaim): Promise<void> {}

  release(_claim: StateClaim): void {}

  async verifyStateParam(now: Date, state: string): Promise<InstallURLOptions> {
    await this.claim(now, state);
    // Every flow here has the same options (the configured scopes and redirect URI), so a state carries none.
    return { scopes: [] };
  }
}
