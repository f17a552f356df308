import { createHmac, randomFillSync, timingSafeEqual } from 'node:crypto';
import type { StateClaim, StateFailure } from './types.js';

/** How long a user has between opening the install URL and coming back from Slack (Slack's codes last as long). */
export const STATE_TTL_MS = 10 * 60 * 1000;

export class StateError extends Error {
  override name = 'StateError';
  constructor(readonly reason: StateFailure) {
    super(`OAuth state is ${reason}`);
  }
}

const NONCE_BYTES = 16;
const TIME_BYTES = 6;
const MAC_BYTES = 16;
/**
 * The state's format, in front of it and covered by its MAC (ASVS 11.2.2): `v1` is `nonce | issued-at | HMAC`
 * with HMAC-SHA256 cut to 128 bits. States issued before versions existed (no prefix, HMAC over the body alone)
 * are still accepted for the 10 minutes they live, so a deploy does not break installs in flight.
 */
export const STATE_VERSION = 'v1';
const TOKEN_CHARS = Math.ceil(((NONCE_BYTES + TIME_BYTES + MAC_BYTES) * 4) / 3);

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
 * OAuth states as signed tokens, `nonce | issued-at | HMAC`, base64url, the same for both databases. Issuing one
 * writes nothing (the install redirect is the hot path); each store records the use of a nonce so that a state
 * works once, across restarts and replicas too. The signing key is derived from the encryption key, so every
 * replica given the same ENCRYPTION_KEY accepts the others' states.
 */
export class StateTokens {
  readonly #key: Buffer;

  constructor(signingKey: Buffer) {
    this.#key = signingKey;
  }

  #mac(version: string, body: Buffer): Buffer {
    return createHmac('sha256', this.#key).update(version).update(body).digest().subarray(0, MAC_BYTES);
  }

  /** A fresh state: `v1` then base64url; the characters after the version are random, so they can name a cookie. */
  issue(now: Date): string {
    const body = Buffer.alloc(NONCE_BYTES + TIME_BYTES);
    fillNonce(body);
    body.writeUIntBE(now.getTime(), NONCE_BYTES, TIME_BYTES);
    return STATE_VERSION + Buffer.concat([body, this.#mac(STATE_VERSION, body)]).toString('base64url');
  }

  /** The nonce of a state this server signed (expired or not), or undefined for any other text. */
  nonceOf(state: string): string | undefined {
    return this.#open(state)?.nonce;
  }

  /** The nonce and expiry of a state this server signed and that has not expired, or why there is none. */
  test(now: Date, state: string): StateClaim | 'unknown' | 'expired' {
    const opened = this.#open(state);
    if (opened === undefined) return 'unknown';
    const { nonce, issuedAt } = opened;
    const t = now.getTime();
    if (issuedAt > t + 60_000 || t - issuedAt > STATE_TTL_MS) return 'expired';
    return { nonce, expiresAt: issuedAt + STATE_TTL_MS };
  }

  /** As test, but throws a StateError for a state that does not hold. */
  check(now: Date, state: string): StateClaim {
    const claim = this.test(now, state);
    if (typeof claim === 'string') throw new StateError(claim);
    return claim;
  }

  /** The nonce and issue time of a state this server signed, whatever its age; undefined for any other text. */
  #open(state: string): { nonce: string; issuedAt: number } | undefined {
    // Unversioned: a state issued before versions existed, whose MAC covers the body alone.
    const version = state.length === TOKEN_CHARS + STATE_VERSION.length ? state.slice(0, STATE_VERSION.length) : '';
    if (version !== '' && version !== STATE_VERSION) return undefined;
    const token = state.slice(version.length);
    const raw = Buffer.from(token, 'base64url');
    if (raw.length !== NONCE_BYTES + TIME_BYTES + MAC_BYTES || raw.toString('base64url') !== token) return undefined;
    const body = raw.subarray(0, NONCE_BYTES + TIME_BYTES);
    if (!timingSafeEqual(raw.subarray(NONCE_BYTES + TIME_BYTES), this.#mac(version, body))) return undefined;
    return {
      nonce: body.subarray(0, NONCE_BYTES).toString('base64url'),
      issuedAt: body.readUIntBE(NONCE_BYTES, TIME_BYTES),
    };
  }
}
