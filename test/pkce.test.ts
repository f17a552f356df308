import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { Browser, consent, decodeEntities, install, startApp, startEmulator, TEST_APP } from './helpers.js';

// RFC 9700 §4.5 / ASVS 10.1.2: authorization-code injection. A victim's unredeemed code (leaked from a log, a
// shared history, an extension) is sent with the attacker's own valid state and cookie.

const PKCE_APP = { ...TEST_APP, pkce: true };

/** The victim's code, taken from its callback URL before the victim's browser gets there; the attacker's own callback. */
async function injection(installUrl: string) {
  const victim = new Browser();
  const victimCallback = new URL(await consent(victim, installUrl, { newChannel: 'victim-private' }));
  const attacker = new Browser();
  const attackerCallback = new URL(await consent(attacker, installUrl, { newChannel: 'attacker-own' }));
  const injected = new URL(attackerCallback);
  injected.searchParams.set('code', victimCallback.searchParams.get('code')!);
  const callbackRes = await attacker.get(injected.href);
  // A completed install answers 303 to its landing page, which the browser then opens.
  const res =
    callbackRes.status === 303
      ? await attacker.get(new URL(callbackRes.headers.get('location')!, injected).href)
      : callbackRes;
  return { res, callbackRes, html: decodeEntities(await res.text()), victim, victimCallback };
}

test('SLACK_PKCE=true: the authorize URL carries an S256 challenge of a verifier only the server can derive from the state', async (t) => {
  const emu = await startEmulator(t, [PKCE_APP]);
  const { app } = await startApp(t, { SLACK_PKCE: 'true' }, { emu });
  const browser = new Browser();
  const first = new URL((await browser.get(app.installUrl)).headers.get('location')!);
  const second = new URL((await browser.get(app.installUrl)).headers.get('location')!);
  assert.equal(first.searchParams.get('code_challenge_method'), 'S256');
  const challenge = first.searchParams.get('code_challenge')!;
  assert.match(challenge, /^[A-Za-z0-9_-]{43}$/, 'BASE64URL(SHA256(verifier)), no padding');
  assert.notEqual(challenge, second.searchParams.get('code_challenge'), 'one challenge per flow');
  const state = first.searchParams.get('state')!;
  assert.notEqual(challenge, createHash('sha256').update(state).digest('base64url'), 'not a hash of the public state');

  // The whole flow completes, and the emulator saw a verifier at oauth.v2.access.
  const { res } = await install(browser, app.installUrl);
  assert.equal(res.status, 200);
  assert.deepEqual(emu.emulator.tokenRequests().at(-1), {
    clientAuthentication: 'basic',
    clientSecretInBody: false,
    codeVerifier: true,
  });
});

test('PKCE on: an injected code fails on a clear 4xx page, nothing is stored, no webhook is shown', async (t) => {
  const emu = await startEmulator(t, [PKCE_APP]);
  const { app } = await startApp(t, { SLACK_PKCE: 'true' }, { emu });
  const { res, html } = await injection(app.installUrl);
  assert.equal(res.status, 400);
  assert.match(html, /Slack refused the install/);
  assert.match(html, /invalid_code_verifier/);
  assert.match(html, /belongs to another install, not to the one started in this browser/);
  assert.match(html, /Nothing was stored/);
  assert.doesNotMatch(html, /victim-private|\/services\//);
  assert.equal(await app.store.installations.count(), 0);
});

test('PKCE off (the default): the injected code is exchanged, as the README warns; the code-bearing URL is not cached or referred', async (t) => {
  const { app } = await startApp(t);
  const { res, callbackRes, html, victim, victimCallback } = await injection(app.installUrl);
  // What PKCE is for: without it, Slack cannot tell whose flow a code belongs to.
  assert.equal(callbackRes.status, 303);
  assert.equal(res.status, 200);
  assert.match(html, /victim-private/);
  // What keeps codes from leaking instead: no Referer leaves the callback, and no cache keeps it.
  assert.equal(callbackRes.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(callbackRes.headers.get('cache-control'), 'no-store');
  assert.equal(res.headers.get('cache-control'), 'no-store');
  // The victim's own callback then fails: a code works once.
  const late = await victim.get(victimCallback.href);
  assert.equal(late.status, 400);
  assert.equal(await app.store.installations.count(), 1);
});

test('SLACK_PKCE=true against an app without PKCE: Slack answers pkce_not_allowed, and the page says what to switch on', async (t) => {
  const { app } = await startApp(t, { SLACK_PKCE: 'true' });
  const { res, html } = await install(new Browser(), app.installUrl);
  assert.equal(res.status, 400);
  assert.match(decodeEntities(html), /pkce_not_allowed.*does not have PKCE switched on/s);
  assert.equal(await app.store.installations.count(), 0);
});
