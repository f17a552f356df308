import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slackSignature, verifySlackRequest } from '../src/slack/signature.js';
import { Browser, install, startApp, TEST_APP, webhookUrlFrom } from './helpers.js';

const now = () => Math.floor(Date.now() / 1000);

test('Slack’s published signing test vector verifies, and any change to it does not', () => {
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';
  const body = Buffer.from(
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  );
  const signature = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
  assert.equal(slackSignature(secret, '1531420618', body), signature);
  assert.ok(verifySlackRequest(secret, { timestamp: '1531420618', signature }, body, 1531420618 + 60));
  assert.ok(
    !verifySlackRequest(secret, { timestamp: '1531420618', signature }, body, 1531420618 + 301),
    'older than five minutes',
  );
  assert.ok(!verifySlackRequest(secret, { timestamp: '1531420619', signature }, body, 1531420618));
  assert.ok(!verifySlackRequest(`${secret}x`, { timestamp: '1531420618', signature }, body, 1531420618));
  assert.ok(
    !verifySlackRequest(
      secret,
      { timestamp: '1531420618', signature },
      Buffer.concat([body, Buffer.from(' ')]),
      1531420618,
    ),
  );
  assert.ok(
    !verifySlackRequest(secret, { timestamp: '1531420618', signature: signature.toUpperCase() }, body, 1531420618),
  );
  assert.ok(!verifySlackRequest(secret, { timestamp: undefined, signature }, body, 1531420618));
});

test('a request without a valid signature gets an empty 401 and changes nothing', async (t) => {
  const { app, url, emu } = await startApp(t);
  await install(new Browser(), app.installUrl);
  const uninstall = emu.emulator.eventCallback('T0ACME0001', TEST_APP.appId, { type: 'app_uninstalled' });
  const forged = await emu.emulator.sendEvent(TEST_APP.appId, uninstall, { signingSecret: 'not-the-signing-secret' });
  assert.equal(forged.status, 401);
  assert.equal(forged.body, '');
  const stale = await emu.emulator.sendEvent(TEST_APP.appId, uninstall, { timestamp: now() - 6 * 60 });
  assert.equal(stale.status, 401);
  const unsigned = await fetch(`${url}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(uninstall),
  });
  assert.equal(unsigned.status, 401);
  assert.equal((await app.store.installations.list({ revoked: false })).length, 1);
});

test('url_verification is answered with the challenge', async (t) => {
  const { emu } = await startApp(t);
  const answer = await emu.emulator.sendEvent(
    TEST_APP.appId,
    emu.emulator.urlVerification(TEST_APP.appId, 'challenge-3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P'),
  );
  assert.equal(answer.status, 200);
  assert.equal(answer.body, 'challenge-3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P');
});

for (const order of ['uninstalled-first', 'revoked-first'] as const) {
  test(`uninstalling from a workspace (${order}, each event delivered twice) revokes its installations only, once`, async (t) => {
    const { app, emu } = await startApp(t);
    const acme = [await install(new Browser(), app.installUrl), await install(new Browser(), app.installUrl)];
    await install(new Browser(), app.installUrl, { team: 'T0GLOBEX01' });
    const deliveries = await emu.emulator.uninstall('T0ACME0001', TEST_APP.appId, { order, repeat: true });
    assert.equal(deliveries.length, 4);
    for (const d of deliveries) assert.equal(d.status, 200);
    const revoked = await app.store.installations.list({ revoked: true });
    assert.deepEqual(
      revoked.map((r) => r.teamId),
      ['T0ACME0001', 'T0ACME0001'],
    );
    assert.equal(revoked[0]!.revokedReason, order === 'uninstalled-first' ? 'app_uninstalled' : 'tokens_revoked');
    const firstAt = revoked.map((r) => r.revokedAt!.getTime());
    assert.deepEqual(
      (await app.store.installations.list({ revoked: false })).map((r) => r.teamId),
      ['T0GLOBEX01'],
    );
    // History is kept, shown as revoked, and never handed out again.
    await emu.emulator.sendEvent(
      TEST_APP.appId,
      emu.emulator.eventCallback('T0ACME0001', TEST_APP.appId, { type: 'app_uninstalled' }),
    );
    assert.deepEqual(
      (await app.store.installations.list({ revoked: true })).map((r) => r.revokedAt!.getTime()),
      firstAt,
      'repeats change nothing',
    );
    await assert.rejects(
      app.store.installations.fetchInstallation({
        teamId: 'T0ACME0001',
        isEnterpriseInstall: false,
        enterpriseId: undefined,
      }),
    );
    for (const done of acme) {
      const post = await fetch(webhookUrlFrom(done.html), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"text":"x"}',
      });
      assert.equal(post.status, 404);
    }
  });
}

test('tokens_revoked for the installing user revokes only that user’s installations', async (t) => {
  const { app, emu } = await startApp(t);
  await install(new Browser(), app.installUrl);
  const installer = (await app.store.installations.get(1))!.installerUserId!;
  await emu.emulator.sendEvent(
    TEST_APP.appId,
    emu.emulator.eventCallback('T0ACME0001', TEST_APP.appId, {
      type: 'tokens_revoked',
      tokens: { oauth: ['U0SOMEONE1'], bot: [] },
    }),
  );
  assert.equal((await app.store.installations.get(1))!.revokedAt, null);
  await emu.emulator.sendEvent(
    TEST_APP.appId,
    emu.emulator.eventCallback('T0ACME0001', TEST_APP.appId, {
      type: 'tokens_revoked',
      tokens: { oauth: [installer], bot: [] },
    }),
  );
  assert.equal((await app.store.installations.get(1))!.revokedReason, 'tokens_revoked');
});

test('events the server does not handle get a 200; a signed body that is not JSON gets a 400', async (t) => {
  const { app, emu, url } = await startApp(t);
  await install(new Browser(), app.installUrl);
  const other = await emu.emulator.sendEvent(
    TEST_APP.appId,
    emu.emulator.eventCallback('T0ACME0001', TEST_APP.appId, {
      type: 'channel_rename',
      channel: { id: 'C1', name: 'x' },
    }),
  );
  assert.equal(other.status, 200);
  const ts = String(now());
  const bad = await fetch(`${url}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': slackSignature(TEST_APP.signingSecret, ts, 'not json'),
    },
    body: 'not json',
  });
  assert.equal(bad.status, 400);
  assert.equal((await app.store.installations.list({ revoked: false })).length, 1);
});

test('without SLACK_SIGNING_SECRET there is no events endpoint', async (t) => {
  const { url } = await startApp(t, { SLACK_SIGNING_SECRET: '' });
  assert.equal((await fetch(`${url}/slack/events`, { method: 'POST', body: '{}' })).status, 404);
});

test('a late retry of an uninstall event does not revoke an install made after the event was sent', async (t) => {
  const { app, emu } = await startApp(t);
  await install(new Browser(), app.installUrl);
  const sentEarlier = {
    ...emu.emulator.eventCallback('T0ACME0001', TEST_APP.appId, { type: 'app_uninstalled' }),
    event_time: now() - 120,
  };
  const botUserId = (await app.store.installations.get(1))!.botUserId!;
  const revokedEarlier = {
    ...emu.emulator.eventCallback('T0ACME0001', TEST_APP.appId, {
      type: 'tokens_revoked',
      tokens: { oauth: [], bot: [botUserId] },
    }),
    event_time: now() - 120,
  };
  assert.equal((await emu.emulator.sendEvent(TEST_APP.appId, sentEarlier)).status, 200);
  assert.equal((await emu.emulator.sendEvent(TEST_APP.appId, revokedEarlier)).status, 200);
  assert.equal((await app.store.installations.get(1))!.revokedAt, null, 'the install is newer than both events');
});
