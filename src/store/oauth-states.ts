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
    try {
      return this.check(new Date(Number(this.issuedAt(state))), state).nonce;
    } catch {
      return undefined;
    }
  }

  /** When a state says it was issued (unchecked), in milliseconds; NaN when it is not shaped like a state. */
  issuedAt(state: string): number {
    const raw = Buffer.from(state, 'base64url');
    return raw.length === NONCE_BYTES + TIME_BYTES + MAC_BYTES ? raw.readUIntBE(NONCE_BYTES, TIME_BYTES) : NaN;
  }

  /** The nonce and expiry of a state this server signed and that has not expired; throws a StateError otherwise. */
  check(now: Date, state: string): StateClaim {
    // Unversioned: a state issued before versions existed, whose MAC covers the body alone.
    const version = state.length === TOKEN_CHARS + STATE_VERSION.length ? state.slice(0, STATE_VERSION.length) : '';
    if (version !== '' && version !== STATE_VERSION) throw new StateError('unknown');
    const token = state.slice(version.length);
    const raw = Buffer.from(token, 'base64url');
    if (raw.length !== NONCE_BYTES + TIME_BYTES + MAC_BYTES || raw.toString('base64url') !== token)
      throw new StateError('unknown');
    const body = raw.subarray(0, NONCE_BYTES + TIME_BYTES);
    if (!timingSafeEqual(raw.subarray(NONCE_BYTES + TIME_BYTES), this.#mac(version, body)))
      throw new StateError('unknown');
    const issuedAt = body.readUIntBE(NONCE_BYTES, TIME_BYTES);
    const t = now.getTime();
    if (issuedAt > t + 60_000 || t - issuedAt > STATE_TTL_MS) throw new StateError('expired');
    return { nonce: body.subarray(0, NONCE_BYTES).toString('base64url'), expiresAt: issuedAt + STATE_TTL_MS };
  }
}
