import type { InstallURLOptions, StateStore } from '@slack/oauth';
import { createHmac, randomFillSync, timingSafeEqual } from 'node:crypto';
import type { Db } from './database.js';

/** How long a user has between opening the install URL and coming back from Slack (Slack's codes last as long). */
export const STATE_TTL_MS = 10 * 60 * 1000;

export type StateFailure = 'unknown' | 'expired' | 'used';

/** A state held by one flow: its nonce, and when it would expire anyway. */
export interface StateClaim {
  nonce: string;
  expiresAt: number;
}

export class StateError extends Error {
  override name = 'StateError';
  constructor(readonly reason: StateFailure) {
    super(`OAuth state is ${reason}`);
  }
}

const NONCE_BYTES = 16;
const TIME_BYTES = 6;
const MAC_BYTES = 16;
const PRUNE_EVERY_MS = 60_000;

// Nonces come from a pool of CSPRNG bytes refilled 4 KiB at a time: one call per 256 states instead of one each.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
function fillNonce(target: Buffer): void {
  if (poolOffset + NONCE_BYTES > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  pool.copy(target, 0, poolOffset, poolOffset + NONCE_BYTES);
  poolOffset += NONCE_BYTES;
}

/**
 * OAuth states behind @slack/oauth's StateStore interface: `nonce | issued-at | HMAC`, base64url. Issuing one
 * writes nothing (the install redirect is the hot path); using one inserts its nonce into `used_oauth_states`,
 * so unlike the library's ClearStateStore (valid until it expires, hence replayable) a state works once, also
 * across restarts. The signing key is derived from the encryption key.
 */
export class OAuthStateStore implements StateStore {
  readonly #key: Buffer;
  readonly #markUsed;
  readonly #prune;
  readonly #isUsed;
  #prunedAt = 0;
  /** Nonces of flows in progress in this process, so that two requests cannot both use one state. */
  readonly #claimed = new Set<string>();

  constructor(db: Db, signingKey: Buffer) {
    this.#key = signingKey;
    this.#markUsed = db.prepare<[string, number], never>(
      'INSERT INTO used_oauth_states (nonce, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING',
    );
    this.#prune = db.prepare<[number], never>('DELETE FROM used_oauth_states WHERE expires_at < ?');
    this.#isUsed = db.prepare<[string], { nonce: string }>('SELECT nonce FROM used_oauth_states WHERE nonce = ?');
  }

  #mac(body: Buffer): Buffer {
    return createHmac('sha256', this.#key).update(body).digest().subarray(0, MAC_BYTES);
  }

  /** A fresh state; its first characters are random, so they can name the flow's cookie. */
  async generateStateParam(_installOptions: InstallURLOptions, now: Date): Promise<string> {
    const body = Buffer.alloc(NONCE_BYTES + TIME_BYTES);
    fillNonce(body);
    body.writeUIntBE(now.getTime(), NONCE_BYTES, TIME_BYTES);
    return Buffer.concat([body, this.#mac(body)]).toString('base64url');
  }

  /**
   * Checks a state's signature and age and that it was not used, and holds it for this flow (no other request of
   * this process can claim it meanwhile). The claim ends with `spend` or with `Store.recordInstall`, which
   * records the use in the install's own transaction. Throws a StateError saying why the state cannot be used.
   */
  claim(now: Date, state: string): StateClaim {
    const raw = Buffer.from(state, 'base64url');
    if (raw.length !== NONCE_BYTES + TIME_BYTES + MAC_BYTES || raw.toString('base64url') !== state)
      throw new StateError('unknown');
    const body = raw.subarray(0, NONCE_BYTES + TIME_BYTES);
    if (!timingSafeEqual(raw.subarray(NONCE_BYTES + TIME_BYTES), this.#mac(body))) throw new StateError('unknown');
    const issuedAt = body.readUIntBE(NONCE_BYTES, TIME_BYTES);
    const t = now.getTime();
    if (issuedAt > t + 60_000 || t - issuedAt > STATE_TTL_MS) throw new StateError('expired');
    const nonce = body.subarray(0, NONCE_BYTES).toString('base64url');
    if (this.#claimed.has(nonce) || this.#isUsed.get(nonce) !== undefined) throw new StateError('used');
    this.#claimed.add(nonce);
    return { nonce, expiresAt: issuedAt + STATE_TTL_MS };
  }

  /** Records a claimed state as used, inside whatever transaction is open; false if it already was. */
  markUsed(claim: StateClaim, now = Date.now()): boolean {
    if (now - this.#prunedAt > PRUNE_EVERY_MS) {
      this.#prune.run(now);
      this.#prunedAt = now;
    }
    return this.#markUsed.run(claim.nonce, claim.expiresAt).changes > 0;
  }

  /** Ends a claim: the state is used up (a flow that failed may not be resumed either). */
  spend(claim: StateClaim): void {
    try {
      this.markUsed(claim);
    } finally {
      this.release(claim);
    }
  }

  release(claim: StateClaim): void {
    this.#claimed.delete(claim.nonce);
  }

  /** @slack/oauth's interface: claim and spend at once. */
  async verifyStateParam(now: Date, state: string): Promise<InstallURLOptions> {
    this.spend(this.claim(now, state));
    // Every flow here has the same options (the configured scopes and redirect URI), so a state carries none.
    return { scopes: [] };
  }
}
