// The emulator's uninstall and token revocation, from code and from /control.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import {
  SIGNING_SECRET,
  APP,
  OTHER,
  startEmulator,
  type Json,
  install,
  postJson,
  expectPlain,
  startReceiver,
  signatureValid,
  authTestWith,
} from './support/emulator.js';

describe('uninstall and token revocation', () => {
  /** APP in Acme (two webhooks) and Globex, OTHER in Acme; APP's events go to a receiver. */
  async function installed(t: TestContext, status = 200) {
    const emu = await startEmulator(t);
    const receiver = await startReceiver(t, status);
    emu.emulator.setEventsUrl(APP.appId, receiver.url);
    const acme = await install(emu, { channel: 'C0ACME0002' });
    const acme2 = await install(emu, { channel: 'C0ACME0003' });
    const globex = await install(emu, { team: 'T0GLOBEX01', channel: 'C0GLOBEX01' });
    const other = await install(emu, { app: OTHER, channel: 'C0ACME0002' });
    return { emu, receiver, acme, acme2, globex, other };
  }

  test('revokes the bot token, kills the app’s webhooks in that workspace only, then sends app_uninstalled and tokens_revoked', async (t) => {
    const { emu, receiver, acme, acme2, globex, other } = await installed(t);
    const deliveries = await emu.emulator.uninstall('T0ACME0001', APP.appId);
    assert.deepEqual(deliveries, [
      { type: 'app_uninstalled', status: 200, retry: false },
      { type: 'tokens_revoked', status: 200, retry: false },
    ]);
    assert.deepEqual(
      receiver.received.map((r) => r.json.event.type),
      ['app_uninstalled', 'tokens_revoked'],
    );
    for (const r of receiver.received) {
      assert.ok(signatureValid(SIGNING_SECRET, r));
      assert.equal(r.json.type, 'event_callback');
      assert.equal(r.json.team_id, 'T0ACME0001');
      assert.equal(r.json.api_app_id, APP.appId);
    }
    assert.deepEqual(receiver.received[1]!.json.event, {
      type: 'tokens_revoked',
      tokens: { oauth: ['U0ACME0001'], bot: [acme.bot_user_id] },
    });

    for (const hook of [acme.incoming_webhook, acme2.incoming_webhook]) {
      await expectPlain(await postJson(hook.url, '{"text":"after uninstall"}'), 404, 'no_service');
      await expectPlain(await postJson(hook.url, '{}'), 404, 'no_service');
    }
    await expectPlain(await postJson(globex.incoming_webhook.url, '{"text":"globex"}'), 200, 'ok');
    await expectPlain(await postJson(other.incoming_webhook.url, '{"text":"other app"}'), 200, 'ok');
    assert.deepEqual(
      emu.emulator.messages().map((m) => m.text),
      ['globex', 'other app'],
    );
    assert.deepEqual(await authTestWith(emu, acme.access_token), { ok: false, error: 'token_revoked' });
    assert.equal((await authTestWith(emu, globex.access_token)).ok, true);
    assert.equal((await authTestWith(emu, other.access_token)).ok, true);

    await assert.rejects(emu.emulator.uninstall('T0ACME0001', APP.appId), { code: 'not_installed' });
    // Reinstalling is a fresh install: a new token and a new webhook, while the old ones stay dead.
    const again = await install(emu, { channel: 'C0ACME0002' });
    assert.notEqual(again.access_token, acme.access_token);
    assert.equal(again.bot_user_id, acme.bot_user_id);
    assert.equal((await authTestWith(emu, again.access_token)).ok, true);
    assert.deepEqual(await authTestWith(emu, acme.access_token), { ok: false, error: 'token_revoked' });
    await expectPlain(await postJson(again.incoming_webhook.url, '{"text":"back"}'), 200, 'ok');
    await expectPlain(await postJson(acme.incoming_webhook.url, '{"text":"x"}'), 404, 'no_service');
  });

  test('order revoked-first with repeat delivers both, then both again as retries with the same event_id', async (t) => {
    const { emu, receiver } = await installed(t, 500);
    const deliveries = await emu.emulator.uninstall('T0ACME0001', APP.appId, { order: 'revoked-first', repeat: true });
    assert.deepEqual(deliveries, [
      { type: 'tokens_revoked', status: 500, retry: false },
      { type: 'app_uninstalled', status: 500, retry: false },
      { type: 'tokens_revoked', status: 500, retry: true },
      { type: 'app_uninstalled', status: 500, retry: true },
    ]);
    const [first, second, third, fourth] = receiver.received;
    assert.equal(third!.json.event_id, first!.json.event_id);
    assert.equal(fourth!.json.event_id, second!.json.event_id);
    assert.notEqual(first!.json.event_id, second!.json.event_id);
    assert.equal(third!.raw, first!.raw);
    assert.deepEqual(
      [first, second].map((r) => r!.headers['x-slack-retry-num']),
      [undefined, undefined],
    );
    assert.deepEqual(
      [third, fourth].map((r) => [r!.headers['x-slack-retry-num'], r!.headers['x-slack-retry-reason']]),
      [
        ['1', 'http_timeout'],
        ['1', 'http_timeout'],
      ],
    );
    assert.ok(receiver.received.every((r) => signatureValid(SIGNING_SECRET, r)));
  });

  test('still uninstalls when the app has no events URL or cannot be reached, reporting status 0', async (t) => {
    const { emu, acme } = await installed(t);
    emu.emulator.setEventsUrl(APP.appId, undefined);
    assert.deepEqual(await emu.emulator.uninstall('T0ACME0001', APP.appId), [
      { type: 'app_uninstalled', status: 0, retry: false, error: 'no_events_url' },
      { type: 'tokens_revoked', status: 0, retry: false, error: 'no_events_url' },
    ]);
    await expectPlain(await postJson(acme.incoming_webhook.url, '{"text":"x"}'), 404, 'no_service');
    const gone = Fastify();
    const address = await gone.listen({ port: 0, host: '127.0.0.1' });
    await gone.close();
    emu.emulator.setEventsUrl(APP.appId, address);
    const globex = await emu.emulator.uninstall('T0GLOBEX01', APP.appId);
    assert.deepEqual(
      globex.map((d) => [d.status, d.error]),
      [
        [0, 'connection_failed'],
        [0, 'connection_failed'],
      ],
    );
  });

  test('refuses unknown workspaces, unknown apps, apps not installed there and bad orders', async (t) => {
    const { emu } = await installed(t);
    await assert.rejects(emu.emulator.uninstall('T0NOPE0001', APP.appId), { code: 'unknown_team' });
    await assert.rejects(emu.emulator.uninstall('T0ACME0001', 'A0NOPE0001'), { code: 'unknown_app' });
    await assert.rejects(emu.emulator.uninstall('T0SCRIPT01', APP.appId), { code: 'not_installed' });
    await assert.rejects(emu.emulator.uninstall('T0ACME0001', APP.appId, { order: 'sideways' as 'revoked-first' }), {
      code: 'invalid_order',
    });
  });

  test('revokeTokens sends only tokens_revoked; revoking the bot removes its webhooks, revoking users does not', async (t) => {
    const { emu, receiver, acme, globex } = await installed(t);
    assert.deepEqual(await emu.emulator.revokeTokens('T0GLOBEX01', APP.appId, { userIds: ['U0GLOBEX01'] }), [
      { type: 'tokens_revoked', status: 200, retry: false },
    ]);
    assert.deepEqual(receiver.received[0]!.json.event.tokens, { oauth: ['U0GLOBEX01'], bot: [] });
    await expectPlain(await postJson(globex.incoming_webhook.url, '{"text":"still"}'), 200, 'ok');
    assert.equal((await authTestWith(emu, globex.access_token)).ok, true);

    await emu.emulator.revokeTokens('T0ACME0001', APP.appId, { bot: true });
    assert.deepEqual(receiver.received[1]!.json.event, {
      type: 'tokens_revoked',
      tokens: { oauth: [], bot: [acme.bot_user_id] },
    });
    assert.deepEqual(
      receiver.received.map((r) => r.json.event.type),
      ['tokens_revoked', 'tokens_revoked'],
    );
    await expectPlain(await postJson(acme.incoming_webhook.url, '{"text":"x"}'), 404, 'no_service');
    assert.deepEqual(await authTestWith(emu, acme.access_token), { ok: false, error: 'token_revoked' });

    await assert.rejects(emu.emulator.revokeTokens('T0ACME0001', APP.appId, { bot: true }), { code: 'token_revoked' });
    await assert.rejects(emu.emulator.revokeTokens('T0ACME0001', APP.appId, { userIds: ['U0NOPE0001'] }), {
      code: 'unknown_user',
    });
    await assert.rejects(emu.emulator.revokeTokens('T0ACME0001', APP.appId, {}), { code: 'invalid_request' });
    // The installer's token is left, so the app is still installed; uninstalling revokes that one.
    await emu.emulator.uninstall('T0ACME0001', APP.appId);
    assert.deepEqual(receiver.received.at(-1)!.json.event, {
      type: 'tokens_revoked',
      tokens: { oauth: ['U0ACME0001'], bot: [] },
    });
  });
});

describe('control endpoints for uninstall and kill', () => {
  test('POST /control/uninstall uninstalls and answers the deliveries as JSON', async (t) => {
    const emu = await startEmulator(t);
    const receiver = await startReceiver(t);
    emu.emulator.setEventsUrl(APP.appId, receiver.url);
    const { incoming_webhook: hook } = await install(emu);
    const res = await postJson(
      `${emu.base}/control/uninstall`,
      JSON.stringify({ teamId: 'T0ACME0001', appId: APP.appId, order: 'revoked-first', repeat: true }),
    );
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      ok: true,
      deliveries: [
        { type: 'tokens_revoked', status: 200, retry: false },
        { type: 'app_uninstalled', status: 200, retry: false },
        { type: 'tokens_revoked', status: 200, retry: true },
        { type: 'app_uninstalled', status: 200, retry: true },
      ],
    });
    await expectPlain(await postJson(hook.url, '{}'), 404, 'no_service');
    const again = await postJson(
      `${emu.base}/control/uninstall`,
      JSON.stringify({ teamId: 'T0ACME0001', appId: APP.appId }),
    );
    assert.equal(again.status, 404);
    assert.equal(((await again.json()) as Json).error, 'not_installed');
  });

  test('POST /control/kill kills a webhook with a reason (default no_service)', async (t) => {
    const emu = await startEmulator(t);
    const first = await install(emu);
    const second = await install(emu, { channel: 'C0ACME0003' });
    const killed = await postJson(
      `${emu.base}/control/kill`,
      JSON.stringify({ url: first.incoming_webhook.url, reason: 'invalid_token' }),
    );
    assert.equal(killed.status, 200);
    assert.deepEqual(await killed.json(), { ok: true, reason: 'invalid_token' });
    await expectPlain(await postJson(first.incoming_webhook.url, '{}'), 403, 'invalid_token');
    assert.deepEqual(
      await (await postJson(`${emu.base}/control/kill`, JSON.stringify({ url: second.incoming_webhook.url }))).json(),
      { ok: true, reason: 'no_service' },
    );
    await expectPlain(await postJson(second.incoming_webhook.url, '{}'), 404, 'no_service');
    const unknown = await postJson(
      `${emu.base}/control/kill`,
      JSON.stringify({ url: `${emu.base}/services/T0ACME0001/B0NOPE0001/x` }),
    );
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as Json).error, 'unknown_webhook');
  });

  test('both validate strictly: 400 invalid_request for bad bodies, 404 for unknown things, never a 5xx', async (t) => {
    const emu = await startEmulator(t);
    const { incoming_webhook: hook } = await install(emu);
    const ok = { teamId: 'T0ACME0001', appId: APP.appId };
    const bad: Array<[string, string, string?]> = [
      ['uninstall', JSON.stringify(ok), 'text/plain'],
      ['uninstall', '{"teamId":'],
      ['uninstall', '"T0ACME0001"'],
      ['uninstall', '[]'],
      ['uninstall', 'null'],
      ['uninstall', JSON.stringify({ appId: APP.appId })],
      ['uninstall', JSON.stringify({ ...ok, teamId: 5 })],
      ['uninstall', JSON.stringify({ ...ok, teamId: '../T0ACME0001' })],
      ['uninstall', JSON.stringify({ ...ok, appId: 'A'.repeat(65) })],
      ['uninstall', JSON.stringify({ ...ok, order: 'sideways' })],
      ['uninstall', JSON.stringify({ ...ok, repeat: 'yes' })],
      ['uninstall', JSON.stringify({ ...ok, extra: 1 })],
      ['kill', JSON.stringify({ url: hook.url }), 'application/x-www-form-urlencoded'],
      ['kill', '{}'],
      ['kill', JSON.stringify({ url: 5 })],
      ['kill', JSON.stringify({ url: '' })],
      ['kill', JSON.stringify({ url: `${hook.url}${'x'.repeat(2048)}` })],
      ['kill', JSON.stringify({ url: hook.url, reason: 'gone' })],
      ['kill', JSON.stringify({ url: hook.url, reason: null })],
      ['kill', JSON.stringify({ url: hook.url, extra: true })],
    ];
    for (const [action, body, type] of bad) {
      const res = await postJson(`${emu.base}/control/${action}`, body, type);
      assert.equal(res.status, 400, `${action} ${body}`);
      assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
      const json = (await res.json()) as Json;
      assert.equal(json.error, 'invalid_request', body);
      assert.equal(typeof json.message, 'string');
    }
    for (const [body, code] of [
      [{ ...ok, teamId: 'T0NOPE0001' }, 'unknown_team'],
      [{ ...ok, appId: 'A0NOPE0001' }, 'unknown_app'],
      [{ ...ok, teamId: 'T0GLOBEX01' }, 'not_installed'],
    ] as const) {
      const res = await postJson(`${emu.base}/control/uninstall`, JSON.stringify(body));
      assert.equal(res.status, 404, code);
      assert.equal(((await res.json()) as Json).error, code);
    }
    await expectPlain(await postJson(hook.url, '{"text":"alive"}'), 200, 'ok');
  });
});
