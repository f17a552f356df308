// The emulator's incoming webhooks: messages posted, bad payloads, dead webhooks.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { WebhookError } from '../src/emulator/state.js';
import {
  APP,
  OTHER,
  startEmulator,
  appAuthorizeUrl,
  consent,
  install,
  postJson,
  expectPlain,
} from './support/emulator.js';

describe('incoming webhooks', () => {
  test('accept JSON and form payload= messages and record them', async (t) => {
    const emu = await startEmulator(t);
    const { incoming_webhook: hook } = await install(emu);
    await expectPlain(await postJson(hook.url, JSON.stringify({ text: 'hello', unfurl_links: false })), 200, 'ok');
    await expectPlain(
      await postJson(
        hook.url,
        `payload=${encodeURIComponent('{"text":"from form"}')}`,
        'application/x-www-form-urlencoded',
      ),
      200,
      'ok',
    );
    await expectPlain(
      await postJson(hook.url, '{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"b"}}]}'),
      200,
      'ok',
    );
    const messages = emu.emulator.messages('C0ACME0002');
    assert.deepEqual(
      messages.map((m) => m.text),
      ['hello', 'from form', ''],
    );
    assert.equal(messages[0]!.teamId, 'T0ACME0001');
    assert.equal(messages[0]!.channelName, 'alerts');
    assert.deepEqual(messages[0]!.payload, { text: 'hello', unfurl_links: false });
    assert.ok(messages[0]!.receivedAt instanceof Date);
  });

  test('answer no_text, invalid_payload and invalid_blocks for bad payloads', async (t) => {
    const emu = await startEmulator(t);
    const { incoming_webhook: hook } = await install(emu);
    await expectPlain(await postJson(hook.url, '{}'), 400, 'no_text');
    await expectPlain(await postJson(hook.url, '{"text":""}'), 400, 'no_text');
    await expectPlain(await postJson(hook.url, '{"blocks":[]}'), 400, 'no_text');
    await expectPlain(await postJson(hook.url, '{"text":'), 400, 'invalid_payload');
    await expectPlain(await postJson(hook.url, ''), 400, 'invalid_payload');
    await expectPlain(await postJson(hook.url, '["text"]'), 400, 'invalid_payload');
    await expectPlain(await postJson(hook.url, '{"text":42}'), 400, 'invalid_payload');
    await expectPlain(await postJson(hook.url, '{"text":"hi"}', 'text/plain'), 400, 'invalid_payload');
    await expectPlain(await postJson(hook.url, 'text=hi', 'application/x-www-form-urlencoded'), 400, 'invalid_payload');
    await expectPlain(await postJson(hook.url, '{"blocks":"nope"}'), 400, 'invalid_blocks');
    assert.deepEqual(emu.emulator.messages(), []);
  });

  test('answer 404 no_service for a wrong secret, an unknown service or a killed webhook, and no_team for an unknown team', async (t) => {
    const emu = await startEmulator(t);
    const { incoming_webhook: hook } = await install(emu);
    const { incoming_webhook: kept } = await install(emu, { channel: 'C0ACME0001' });
    const url = new URL(hook.url);
    const [, , , team, service, secret] = url.pathname.split('/');
    assert.equal(team, 'T0ACME0001');
    const wrongSecret = `${emu.base}/services/${team}/${service}/${secret!.slice(0, -1)}${secret!.endsWith('a') ? 'b' : 'a'}`;
    await expectPlain(await postJson(wrongSecret, '{"text":"x"}'), 404, 'no_service');
    await expectPlain(
      await postJson(`${emu.base}/services/${team}/B0NOPE0001/${secret}`, '{"text":"x"}'),
      404,
      'no_service',
    );
    await expectPlain(
      await postJson(`${emu.base}/services/T0GLOBEX01/${service}/${secret}`, '{"text":"x"}'),
      404,
      'no_service',
    );
    await expectPlain(
      await postJson(`${emu.base}/services/T0NOPE0001/${service}/${secret}`, '{"text":"x"}'),
      404,
      'no_team',
    );
    // The URL is checked before the payload, as on Slack.
    await expectPlain(await postJson(wrongSecret, '{}'), 404, 'no_service');

    assert.equal(emu.emulator.killWebhook(hook.url), true);
    await expectPlain(await postJson(hook.url, '{"text":"x"}'), 404, 'no_service');
    assert.deepEqual(
      emu.emulator.webhooks().map((w) => [w.channelId, w.active]),
      [
        ['C0ACME0002', false],
        ['C0ACME0001', true],
      ],
    );
    await expectPlain(await postJson(kept.url, '{"text":"still here"}'), 200, 'ok');
    assert.equal(emu.emulator.killWebhook(wrongSecret), false);
    assert.deepEqual(
      emu.emulator.messages().map((m) => m.text),
      ['still here'],
    );
  });

  test('have a configuration page that never shows the secret URL', async (t) => {
    const emu = await startEmulator(t);
    const { incoming_webhook: hook } = await install(emu);
    const res = await fetch(hook.configuration_url);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /#alerts/);
    assert.match(html, /id="webhook-status">active</);
    assert.ok(!html.includes(hook.url.split('/').at(-1)));
    emu.emulator.killWebhook(hook.url);
    assert.match(await (await fetch(hook.configuration_url)).text(), /id="webhook-status">revoked</);
    assert.equal((await fetch(`${emu.base}/services/B0NOPE0001`)).status, 404);
  });
});

describe('dead webhooks', () => {
  const REASONS: Array<[WebhookError, number]> = [
    ['no_service', 404],
    ['channel_not_found', 404],
    ['channel_is_archived', 410],
    ['invalid_token', 403],
    ['action_prohibited', 403],
  ];

  test("killWebhook(url, reason) makes the webhook answer Slack's status and plain-text body, whatever is posted", async (t) => {
    const emu = await startEmulator(t);
    for (const [reason, status] of REASONS) {
      const { incoming_webhook: hook } = await install(emu);
      assert.equal(emu.emulator.killWebhook(hook.url, reason), true);
      await expectPlain(await postJson(hook.url, '{"text":"x"}'), status, reason);
      await expectPlain(await postJson(hook.url, '{}'), status, reason);
      const info = emu.emulator.webhooks().at(-1)!;
      assert.deepEqual([info.active, info.error], [false, reason]);
      assert.match(
        await (await fetch(hook.configuration_url)).text(),
        new RegExp(`id="webhook-error">${status} ${reason}<`),
      );
    }
    const { incoming_webhook: plainKill } = await install(emu);
    emu.emulator.killWebhook(plainKill.url);
    await expectPlain(await postJson(plainKill.url, '{"text":"x"}'), 404, 'no_service');
    assert.throws(() => emu.emulator.killWebhook(plainKill.url, 'gone' as WebhookError), TypeError);
    assert.deepEqual(emu.emulator.messages(), []);
  });

  test('a live webhook answers an empty {} with 400 no_text and posts nothing (the app’s verify relies on it)', async (t) => {
    const emu = await startEmulator(t);
    const { incoming_webhook: hook } = await install(emu);
    await expectPlain(await postJson(hook.url, '{}'), 400, 'no_text');
    assert.deepEqual(emu.emulator.messages(), []);
    assert.deepEqual(
      emu.emulator.webhooks().map((w) => [w.active, w.error]),
      [[true, undefined]],
    );
  });

  test('archiveChannel makes every webhook posting there answer 410 channel_is_archived, and consent stops offering it', async (t) => {
    const emu = await startEmulator(t);
    const mine = await install(emu, { channel: 'C0ACME0002' });
    const other = await install(emu, { app: OTHER, channel: 'C0ACME0002' });
    const elsewhere = await install(emu, { channel: 'C0ACME0003' });
    assert.equal(emu.emulator.archiveChannel('C0ACME0002'), true);
    assert.equal(emu.emulator.archiveChannel('C0NOPE0001'), false);
    for (const hook of [mine.incoming_webhook, other.incoming_webhook]) {
      await expectPlain(await postJson(hook.url, '{"text":"x"}'), 410, 'channel_is_archived');
      await expectPlain(await postJson(hook.url, '{}'), 410, 'channel_is_archived');
    }
    await expectPlain(await postJson(elsewhere.incoming_webhook.url, '{"text":"y"}'), 200, 'ok');
    assert.equal(emu.emulator.workspace('T0ACME0001')!.channels.find((c) => c.id === 'C0ACME0002')!.archived, true);
    assert.match(
      await (await fetch(mine.incoming_webhook.configuration_url)).text(),
      /id="webhook-status">channel archived</,
    );

    const page = await (
      await fetch(
        appAuthorizeUrl(emu, {
          team: 'T0ACME0001',
        }),
      )
    ).text();
    assert.ok(!page.includes('value="C0ACME0002"'));
    assert.match(await (await consent(emu, { channel: 'C0ACME0002' })).text(), /id="error-code">invalid_channel</);
    assert.match(await (await consent(emu, { newChannel: 'alerts' })).text(), /id="error-code">name_taken</);
    // A webhook removed by an uninstall says so, even in an archived channel.
    await emu.emulator.uninstall('T0ACME0001', APP.appId);
    await expectPlain(await postJson(mine.incoming_webhook.url, '{"text":"x"}'), 404, 'no_service');
    assert.deepEqual(
      emu.emulator.messages().map((m) => m.text),
      ['y'],
    );
  });
});
