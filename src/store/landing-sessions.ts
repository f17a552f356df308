import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { LandingSession, SessionRefusal, TestResult } from './types.js';

// The rules of the landing page's session, the same for both databases; each store keeps only the hashes.

/** How long the landing page shows the webhook URL to the browser that made the install, and its test button works. */
export const LANDING_SESSION_TTL_MS = 10 * 60 * 1000;
/** How many test messages one landing page may send. */
export const LANDING_SESSION_MAX_USES = 5;
/** How often expired sessions are deleted, at most. */
export const LANDING_SESSION_PRUNE_MS = 60_000;

export const sessionHash = (value: string) => createHash('sha256').update(value).digest().toString('base64url');

/** A new session: the values for the browser, and the row that keeps their hashes. */
export function newSession(now: number): {
  session: string;
  csrf: string;
  row: { sessionHash: string; csrfHash: string; expiresAt: number };
} {
  const session = randomBytes(32).toString('base64url');
  const csrf = csrfFor(session);
  return {
    session,
    csrf,
    row: { sessionHash: sessionHash(session), csrfHash: sessionHash(csrf), expiresAt: now + LANDING_SESSION_TTL_MS },
  };
}

/**
 * The page's CSRF token, derived from the session value: the page can be rendered again on a reload (only hashes
 * are stored), and a site that does not hold the HttpOnly session cookie cannot compute it.
 */
export function csrfFor(session: string): string {
  return createHash('sha256').update('slack-webhook-installer csrf\0').update(session).digest('base64url');
}

/** The last test message's result as stored (JSON text), or undefined. */
export function parseTest(text: string | null): TestResult | undefined {
  if (text === null) return undefined;
  try {
    const value = JSON.parse(text) as { ok?: unknown; message?: unknown };
    return typeof value.ok === 'boolean' && typeof value.message === 'string'
      ? { ok: value.ok, message: value.message }
      : undefined;
  } catch {
    return undefined;
  }
}

/** A session's row as both databases return it (PostgreSQL's bigints come as text), joined to its installation. */
export interface SessionRow {
  installation_id: number | string;
  landing_id: string | null;
  expires_at: number | string;
  uses: number | string;
  state_nonce: string | null;
  last_test: string | null;
}

/** The landing session a row describes; undefined without a row, or for an installation with no landing page. */
export function sessionFromRow(row: SessionRow | undefined): LandingSession | undefined {
  if (row?.landing_id == null) return undefined;
  return {
    installationId: Number(row.installation_id),
    landingId: row.landing_id,
    expiresAt: Number(row.expires_at),
    uses: Number(row.uses),
    stateNonce: row.state_nonce,
    lastTest: parseTest(row.last_test),
  };
}

/** Why a stored session cannot send (before its use is counted), or undefined when it can. */
export function refusal(
  row: { csrf_hash: string; expires_at: number | string } | undefined,
  csrf: string,
  now: number,
): SessionRefusal | undefined {
  if (row === undefined) return 'unknown';
  if (Number(row.expires_at) <= now) return 'expired';
  const expected = Buffer.from(row.csrf_hash, 'base64url');
  const given = createHash('sha256').update(csrf).digest();
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'bad_csrf';
  return undefined;
}
