import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyError, SecretBox } from '../src/crypto/secret-box.js';
import { StateTokens } from '../src/store/oauth-states.js';

// ASVS 11.2.2, crypto agility: sealed values and OAuth states name their format, so an algorithm can change
// without guessing; what was written before versions existed still opens. Both formats are pinned here with
// values written out literally (a fixed key and nonce), so a change that stops reading either fails.

const KEY = Buffer.alloc(32, 0x2a);
const AAD = 'installations.webhook_url';
/** Sealed as the code before format versions (commit 2a02e8d) wrote it: `nonce.ciphertext.tag`. */
const LEGACY = 'BwcHBwcHBwcHBwcH.V4uL1SauCh6RJR_L-dLEV1vlBl39Ug0a2V_w4TVfZ2HR-MQ0PO2hk5XokDmz.U-6O9loQtHSgEu4pH1_oEw';
/** Sealed in format v1: `v1.nonce.ciphertext.tag`. */
const V1 =
  'v1.BwcHBwcHBwcHBwcH.V4uL1SauCh6RJR_L-dLEV1vlBl39Ug0a2V_w4TVfZ2HR-MQ0PO2hiZX9gjOlaYOl.n2jYwXC7EbdT_BS2y1ra-w';

test('sealed values: new ones are written as v1; v1 and unversioned ones from before both open', () => {
  const box = new SecretBox(KEY);
  const sealed = box.encrypt('https://hooks.slack.com/services/T0/B0/new', AAD);
  assert.match(sealed, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
  assert.equal(box.decrypt(sealed, box.keyId, AAD), 'https://hooks.slack.com/services/T0/B0/new');
  assert.equal(box.decrypt(V1, box.keyId, AAD), 'https://hooks.slack.com/services/T0/B0/versioned');
  assert.equal(box.decrypt(LEGACY, box.keyId, AAD), 'https://hooks.slack.com/services/T0/B0/legacy');
});

test('sealed values: a format this build does not know is refused by name; the version is not optional decoration', () => {
  const box = new SecretBox(KEY);
  assert.throws(
    () => box.decrypt(`v2.${LEGACY}`, box.keyId, AAD),
    (err: unknown) =>
      err instanceof KeyError && /format v2, which this version of the server does not know/.test(err.message),
  );
  assert.throws(() => box.decrypt(`x.${LEGACY}`, box.keyId, AAD), /not a sealed value/);
  assert.throws(() => box.decrypt(`v1.v1.${LEGACY}`, box.keyId, AAD), /not a sealed value/);
  // The AAD still binds a value to its column in both formats.
  assert.throws(() => box.decrypt(V1, box.keyId, 'installations.bot_token'));
  assert.throws(() => box.decrypt(LEGACY, box.keyId, 'installations.bot_token'));
});

const STATE_KEY = Buffer.alloc(32, 0x11);
const ISSUED = new Date(1767225600000); // 2026-01-01T00:00:00Z
/** A state as the code before versions issued it: base64url(nonce | issued-at | HMAC over the body). */
const LEGACY_STATE = 'BQUFBQUFBQUFBQUFBQUFBQGbdtqoAL_iB6mh97G2gGXbOgeo9HM';
/** A v1 state: `v1` then base64url(nonce | issued-at | HMAC over "v1" and the body). */
const V1_STATE = 'v1BQUFBQUFBQUFBQUFBQUFBQGbdtqoAGojhhFwkHGwCeHZ29RHZAw';

test('OAuth states: new ones start with v1; v1 and unversioned states from before (in flight at a deploy) both check', () => {
  const tokens = new StateTokens(STATE_KEY);
  assert.match(tokens.issue(new Date()), /^v1[A-Za-z0-9_-]{51}$/);
  const later = new Date(ISSUED.getTime() + 60_000);
  const nonce = Buffer.alloc(16, 5).toString('base64url');
  assert.equal(tokens.check(later, V1_STATE).nonce, nonce);
  assert.equal(tokens.check(later, LEGACY_STATE).nonce, nonce);
  assert.equal(tokens.check(later, LEGACY_STATE).expiresAt, ISSUED.getTime() + 10 * 60_000);
});

test('OAuth states: the version is under the MAC; another version or a moved prefix is unknown', () => {
  const tokens = new StateTokens(STATE_KEY);
  const later = new Date(ISSUED.getTime() + 60_000);
  for (const forged of [
    `v2${V1_STATE.slice(2)}`, // another version, same body and MAC
    `v1${LEGACY_STATE}`, // a legacy state dressed as v1: its MAC does not cover "v1"
    V1_STATE.slice(2), // a v1 state stripped of its prefix
  ]) {
    assert.throws(() => tokens.check(later, forged), { reason: 'unknown' }, forged);
  }
});
