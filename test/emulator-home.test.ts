// The emulator's home page and its actions (uninstall, remove webhook, archive channel).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  APP,
  OTHER,
  type Emu,
  startEmulator,
  postForm,
  install,
  postJson,
  expectPlain,
  startReceiver,
} from './support/emulator.js';

describe('home page', () => {
  test('lists workspaces, channels and received messages escaped and newest first, without secrets', async (t) => {
    const emu = await startEmulator(t);
    const installed = await install(emu);
    await expectPlain(await postJson(installed.incoming_webhook.url, '{"text":"first"}'), 200, 'ok');
    await expectPlain(await postJson(installed.incoming_webhook.url, '{"text":"<b>hi</b>"}'), 200, 'ok');
    for (const url of [emu.base, `${emu.base}/`]) {
      const res = await fetch(url);
      assert.equal(res.status, 200, url);
      const html = await res.text();
      assert.match(html, /Slack emulator — not the real Slack/);
      const channel = /<div class="channel" data-channel-id="C0ACME0002">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
      assert.ok(channel.includes('&lt;b&gt;hi&lt;/b&gt;'), channel);
      assert.ok(!html.includes('<b>hi</b>'));
      assert.ok(channel.indexOf('&lt;b&gt;hi') < channel.indexOf('first'), 'newest first');
      assert.match(html, /data-channel-id="C0GLOBEX03"/);
      assert.ok(!html.includes(installed.incoming_webhook.url.split('/').at(-1)), 'no webhook secret');
      assert.ok(!html.includes(installed.access_token), 'no token');
      assert.ok(!html.includes('<script'), 'workspace names escaped');
    }
  });
});

describe('home page actions', () => {
  async function page(emu: Emu): Promise<string> {
    const res = await fetch(emu.base);
    assert.equal(res.status, 200);
    return res.text();
  }

  test('Uninstall, Remove webhook and Archive channel are plain forms that POST, redirect 303 and show what happened', async (t) => {
    const emu = await startEmulator(t);
    const receiver = await startReceiver(t);
    emu.emulator.setEventsUrl(APP.appId, receiver.url);
    const acme = await install(emu, { channel: 'C0ACME0002' });
    const removable = await install(emu, { app: OTHER, channel: 'C0ACME0003' });
    const serviceId = new URL(removable.incoming_webhook.url).pathname.split('/').at(-2)!;

    const before = await page(emu);
    assert.ok(!/<script/i.test(before));
    assert.match(
      before,
      /<form method="post" action="\/_emulator\/workspaces\/T0ACME0001\/uninstall" class="action">\s*<input type="hidden" name="app_id" value="A0TEST0001">\s*<button type="submit" data-uninstall="T0ACME0001" data-app-id="A0TEST0001">Uninstall Webhook Installer from this workspace<\/button>/,
    );
    assert.match(
      before,
      /data-uninstall="T0ACME0001" data-app-id="A0OTHER001">Uninstall Other App from this workspace/,
    );
    assert.ok(!before.includes('data-uninstall="T0GLOBEX01"'), 'only installed apps get a button');
    assert.match(
      before,
      new RegExp(
        `<form method="post" action="/_emulator/webhooks/${serviceId}/remove" class="action"><button type="submit" data-remove-webhook="${serviceId}">Remove webhook</button></form>`,
      ),
    );
    assert.match(
      before,
      /<form method="post" action="\/_emulator\/channels\/C0GLOBEX02\/archive" class="action"><button type="submit" data-archive-channel="C0GLOBEX02">Archive channel<\/button><\/form>/,
    );
    assert.ok(!before.includes('id="activity"'));

    const uninstalled = await postForm(`${emu.base}/workspaces/T0ACME0001/uninstall`, { app_id: APP.appId });
    assert.equal(uninstalled.status, 303);
    assert.equal(uninstalled.headers.get('location'), '/_emulator');
    await expectPlain(await postJson(acme.incoming_webhook.url, '{"text":"x"}'), 404, 'no_service');
    assert.deepEqual(
      receiver.received.map((r) => r.json.event.type),
      ['app_uninstalled', 'tokens_revoked'],
    );
    let after = await page(emu);
    const activity = /<section class="card" id="activity">([\s\S]*?)<\/section>/.exec(after)?.[1] ?? '';
    assert.match(
      activity,
      /Uninstalled Webhook Installer \(A0TEST0001\) from Acme Corp \(T0ACME0001\): 1 webhook\(s\) now answer 404 no_service\./,
    );
    assert.match(
      activity,
      /data-event="app_uninstalled" data-status="200" data-retry="false">app_uninstalled → HTTP 200</,
    );
    assert.match(
      activity,
      /data-event="tokens_revoked" data-status="200" data-retry="false">tokens_revoked → HTTP 200</,
    );
    assert.ok(!after.includes('data-app-id="A0TEST0001"'), 'the uninstalled app has no button left');
    assert.match(after, /\(dead: no_service\)/);

    assert.equal((await postForm(`${emu.base}/webhooks/${serviceId}/remove`, {})).status, 303);
    await expectPlain(await postJson(removable.incoming_webhook.url, '{"text":"x"}'), 404, 'no_service');
    assert.equal((await postForm(`${emu.base}/channels/C0GLOBEX02/archive`, {})).status, 303);
    after = await page(emu);
    assert.match(after, new RegExp(`Webhook ${serviceId} \\(#deploys\\) removed: it answers 404 no_service\\.`));
    assert.match(after, /Channel #alerts \(C0GLOBEX02\) in Globex archived/);
    assert.match(after, /<div class="channel" data-channel-id="C0GLOBEX02" data-archived>/);
    assert.ok(!after.includes('data-archive-channel="C0GLOBEX02"'));
    assert.ok(!after.includes(`data-remove-webhook="${serviceId}"`));
    // Newest first.
    assert.ok(after.indexOf('Channel #alerts') < after.indexOf(`Webhook ${serviceId}`));
    assert.ok(after.indexOf(`Webhook ${serviceId}`) < after.indexOf('Uninstalled Webhook Installer'));
    // The home test's channel regex still finds messages: no nested <div> inside a channel.
    assert.ok(!/<div class="channel"[^>]*>(?:(?!<\/div>)[\s\S])*<div/.test(after));
  });

  test('bad form posts get 4xx error pages, never a 5xx', async (t) => {
    const emu = await startEmulator(t);
    await install(emu);
    const cases: Array<[Promise<Response>, number, string]> = [
      [
        postJson(`${emu.base}/workspaces/T0ACME0001/uninstall`, JSON.stringify({ app_id: APP.appId })),
        400,
        'invalid_form_data',
      ],
      [postForm(`${emu.base}/workspaces/T0ACME0001/uninstall`, {}), 400, 'invalid_app_id'],
      [postForm(`${emu.base}/workspaces/T0NOPE0001/uninstall`, { app_id: APP.appId }), 404, 'unknown_team'],
      [postForm(`${emu.base}/workspaces/T0ACME0001/uninstall`, { app_id: 'A0NOPE0001' }), 404, 'unknown_app'],
      [postForm(`${emu.base}/workspaces/T0ACME0001/uninstall`, { app_id: OTHER.appId }), 404, 'not_installed'],
      [postForm(`${emu.base}/webhooks/B0NOPE0001/remove`, {}), 404, 'unknown_webhook'],
      [postForm(`${emu.base}/channels/C0NOPE0001/archive`, {}), 404, 'unknown_channel'],
      [postForm(`${emu.base}/channels/${encodeURIComponent('<x>')}/archive`, {}), 404, 'unknown_channel'],
    ];
    for (const [pending, status, code] of cases) {
      const res = await pending;
      assert.equal(res.status, status, code);
      assert.match(await res.text(), new RegExp(`id="error-code">${code}<`));
    }
    assert.equal((await fetch(`${emu.base}/workspaces/T0ACME0001/uninstall`)).status, 404, 'GET is not an action');
    assert.equal(emu.emulator.webhooks()[0]!.active, true, 'nothing happened');
  });
});
