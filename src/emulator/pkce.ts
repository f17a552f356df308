import { createHash } from 'node:crypto';
import { safeEqual } from './random.js';

// PKCE as Slack offers it since 2026-03-30 (docs.slack.dev/authentication/using-pkce): an app switched to PKCE may
// send `code_challenge` and `code_challenge_method` to /oauth/v2/authorize, and must then send the matching
// `code_verifier` to oauth.v2.access, which answers `invalid_code_verifier` otherwise and `pkce_not_allowed` to an
// app that has not switched PKCE on (the error list of oauth.v2.access).

/** The challenge a code was issued under, as sent to /oauth/v2/authorize. */
export interface CodeChallenge {
  value: string;
  /** RFC 7636 §4.3: `plain` when the parameter is left out. */
  method: string;
}

/** Whether `verifier` answers the challenge (RFC 7636 §4.6): S256 is BASE64URL(SHA256(verifier)). */
export function verifies(challenge: CodeChallenge, verifier: string): boolean {
  // RFC 7636 §4.1: 43 to 128 unreserved characters.
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) return false;
  if (challenge.method === 'S256')
    return safeEqual(createHash('sha256').update(verifier, 'ascii').digest('base64url'), challenge.value);
  if (challenge.method === 'plain') return safeEqual(verifier, challenge.value);
  return false; // a method Slack does not know can never be answered
}

/**
 * The PKCE check of an exchange: nothing to check when neither a challenge was sent at authorize nor a verifier
 * now (PKCE is optional for web redirects, even for an app that has it); otherwise the app must have PKCE on,
 * and the verifier must answer the code's challenge.
 */
export function pkceError(
  appHasPkce: boolean,
  challenge: CodeChallenge | undefined,
  verifier: string | undefined,
): 'pkce_not_allowed' | 'invalid_code_verifier' | undefined {
  if (challenge === undefined && verifier === undefined) return undefined;
  if (!appHasPkce) return 'pkce_not_allowed';
  if (challenge === undefined || verifier === undefined || !verifies(challenge, verifier))
    return 'invalid_code_verifier';
  return undefined;
}
