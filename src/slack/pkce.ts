import { createHash, createHmac } from 'node:crypto';

/**
 * PKCE (RFC 7636) without storing anything: a flow's code_verifier is an HMAC of its state under a key derived
 * from ENCRYPTION_KEY, so the callback recomputes it from the state it gets back. Only this server can compute
 * it, and a code is bound to the flow (the state) that asked for it: a code redeemed with another flow's state
 * fails at Slack with `invalid_code_verifier` (authorization-code injection, RFC 9700 §4.5).
 */
export class Pkce {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    this.#key = key;
  }

  /** 43 base64url characters (256 bits): within RFC 7636's 43-128 unreserved characters. */
  verifier(state: string): string {
    return createHmac('sha256', this.#key).update(state).digest('base64url');
  }

  /** The S256 challenge: BASE64URL(SHA256(ASCII(verifier))). */
  challenge(state: string): string {
    return createHash('sha256').update(this.verifier(state), 'ascii').digest('base64url');
  }
}

/**
 * RFC 6749 §2.3.1's HTTP Basic client authentication, as Slack's own SDKs send it (base64 of `id:secret`;
 * Slack's client ids and secrets have no character that form-encoding would change).
 */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
}
