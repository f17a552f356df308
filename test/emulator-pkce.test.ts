import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { startEmulator, TEST_APP } from './helpers.js';

// The emulator's oauth.v2.access: PKCE for an app that has it switched on, and HTTP Basic or body credentials,
// each call recorded. The error names are those of Slack's oauth.v2.access reference (pkce_not_allowed,
// invalid_code_verifier); the authorize parameters those of Slack's "Using PKCE" page (code_challenge,
// code_challenge_method=S256) and RFC 7636.

const REDIRECT = 'http://127.0.0.1:9/slack/oauth_redirect';
const PKCE_APP = { ...TEST_APP, pkce: true };
const verifier = () => randomBytes(32).toString('base64url');
const s256 = (v: string) => createHash('sha256').update(v, 'ascii').digest('base64url');
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function emulatorWith(t: TestContext, app: typeof TEST_APP & { pkce?: boolean }) {
  const emu = await startEmulator(t, [app]);
  /** Allow on the consent form, with the given extra authorize parameters; returns the code. */
  const code = async (params: Record<string, string> = {}) => {
    const res = await fetch(`${emu.url}/oauth/v2/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: app.clientId,
        scope: 'incoming-webhook',
        redirect_uri: REDIRECT,
        state: 's',
        team: 'T0ACME0001',
        channel: 'C0ACME0002',
        action: 'allow',
        ...params,
      }),
      redirect: 'manual',
    });
    assert.equal(res.status, 302);
    return new URL(res.headers.get('location')!).searchParams.get('code')!;
  };
  const exchange = async (fields: Record<string, string>, headers: Record<string, string> = {}) => {
    const res = await fetch(`${emu.url}/api/oauth.v2.access`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ redirect_uri: REDIRECT, ...fields }),
    });
    assert.equal(res.status, 200);
    return (await res.json()) as { ok: boolean; error?: string };
  };
  return { emu, code, exchange };
}

test('PKCE app: a code issued under an S256 challenge needs its verifier; missing or wrong → invalid_code_verifier', async (t) => {
  const { code, exchange } = await emulatorWith(t, PKCE_APP);
  const auth = { authorization: basic(TEST_APP.clientId, TEST_APP.clientSecret) };
  const v = verifier();
  const challenge = { code_challenge: s256(v), code_challenge_method: 'S256' };

  assert.deepEqual(await exchange({ code: await code(challenge) }, auth), {
    ok: false,
    error: 'invalid_code_verifier',
  });
  assert.deepEqual(await exchange({ code: await code(challenge), code_verifier: verifier() }, auth), {
    ok: false,
    error: 'invalid_code_verifier',
  });
  // The challenge itself is not the verifier under S256.
  assert.deepEqual(await exchange({ code: await code(challenge), code_verifier: s256(v) }, auth), {
    ok: false,
    error: 'invalid_code_verifier',
  });
  // A verifier for a code issued without a challenge proves nothing either.
  assert.deepEqual(await exchange({ code: await code(), code_verifier: v }, auth), {
    ok: false,
    error: 'invalid_code_verifier',
  });
  assert.equal((await exchange({ code: await code(challenge), code_verifier: v }, auth)).ok, true);
  // PKCE is optional for a web redirect, even for an app that has it (Slack's "Using PKCE").
  assert.equal((await exchange({ code: await code() }, auth)).ok, true);
});

test('a failed verifier uses the code up, as any failed exchange does', async (t) => {
  const { code, exchange } = await emulatorWith(t, PKCE_APP);
  const auth = { authorization: basic(TEST_APP.clientId, TEST_APP.clientSecret) };
  const v = verifier();
  const issued = await code({ code_challenge: s256(v), code_challenge_method: 'S256' });
  assert.equal((await exchange({ code: issued, code_verifier: verifier() }, auth)).error, 'invalid_code_verifier');
  assert.equal((await exchange({ code: issued, code_verifier: v }, auth)).error, 'invalid_code');
});

test('an app without PKCE gets pkce_not_allowed for a challenge or a verifier', async (t) => {
  const { code, exchange } = await emulatorWith(t, TEST_APP);
  const auth = { authorization: basic(TEST_APP.clientId, TEST_APP.clientSecret) };
  const v = verifier();
  const issued = await code({ code_challenge: s256(v), code_challenge_method: 'S256' });
  assert.deepEqual(await exchange({ code: issued, code_verifier: v }, auth), { ok: false, error: 'pkce_not_allowed' });
  assert.deepEqual(await exchange({ code: await code(), code_verifier: v }, auth), {
    ok: false,
    error: 'pkce_not_allowed',
  });
});

test('credentials by HTTP Basic or in the body both work and are recorded; a PKCE app may leave the secret out', async (t) => {
  const { emu, code, exchange } = await emulatorWith(t, PKCE_APP);
  assert.equal(
    (await exchange({ code: await code() }, { authorization: basic(TEST_APP.clientId, TEST_APP.clientSecret) })).ok,
    true,
  );
  assert.equal(
    (await exchange({ code: await code(), client_id: TEST_APP.clientId, client_secret: TEST_APP.clientSecret })).ok,
    true,
  );
  assert.equal(
    (await exchange({ code: await code() }, { authorization: basic(TEST_APP.clientId, 'wrong') })).error,
    'bad_client_secret',
  );
  const v = verifier();
  const publicCode = await code({ code_challenge: s256(v), code_challenge_method: 'S256' });
  assert.equal((await exchange({ code: publicCode, client_id: TEST_APP.clientId, code_verifier: v })).ok, true);
  // Without a verifier the secret stays required.
  assert.equal((await exchange({ code: await code(), client_id: TEST_APP.clientId })).error, 'bad_client_secret');
  assert.deepEqual(
    emu.emulator.tokenRequests().map((r) => [r.clientAuthentication, r.clientSecretInBody, r.codeVerifier]),
    [
      ['basic', false, false],
      ['body', true, false],
      ['basic', false, false],
      ['none', false, true],
      ['none', false, false],
    ],
  );
});

test("the PKCE names the emulator uses are those of Slack's oauth.v2.access reference", () => {
  const reference = JSON.parse(readFileSync('test/fixtures/slack/api/oauth.v2.access.reference.json', 'utf8')) as {
    args: { properties: Record<string, unknown> };
    errors: Record<string, unknown>;
  };
  assert.ok('code_verifier' in reference.args.properties);
  for (const error of ['invalid_code_verifier', 'pkce_not_allowed']) assert.ok(error in reference.errors, error);
});
