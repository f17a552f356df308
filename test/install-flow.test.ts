import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InstallProvider } from '@slack/oauth';
import fc from 'fast-check';
import { authorizeUrlBuilder } from '../src/plugins/slack.js';
import {
  Browser,
  consent,
  install,
  INSTALL_SECRET,
  sqliteDb,
  startApp,
  TEST_APP,
  testConfig,
  webhookUrlFrom,
} from './helpers.js';

test('the install URL sends the browser to Slack with client_id, scope, redirect_uri and a state bound by an HttpOnly cookie', async (t) => {
  const { app, url, emu } = await startApp(t);
  const browser = new Browser();
  const res = await browser.get(app.installUrl);
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const to = new URL(res.headers.get('location')!);
  assert.equal(`${to.origin}${to.pathname}`, `${emu.url}/oauth/v2/authorize`);
  assert.equal(to.searchParams.get('client_id'), TEST_APP.clientId);
  assert.equal(to.searchParams.get('scope'), 'incoming-webhook');
  assert.equal(to.searchParams.get('redirect_uri'), `${url}/slack/oauth_redirect`);
  const state = to.searchParams.get('state')!;
  assert.ok(state.length >= 40, 'state carries at least 32 random bytes');
  const cookie = res.headers.getSetCookie().find((c) => c.includes(`=${state}`));
  assert.ok(cookie, 'a cookie holds the state');
  assert.match(cookie, /HttpOnly/i);
  assert.match(cookie, /SameSite=Lax/i);
  assert.match(cookie, /Path=\/slack\/oauth_redirect/);
  assert.doesNotMatch(cookie, /Secure/i, 'no Secure flag on a plain-http PUBLIC_URL, or the browser would drop it');
});

test('a whole install lands on a page with the workspace, the channel and a webhook URL that works, and stores one row', async (t) => {
  const { app, emu } = await startApp(t);
  const browser = new Browser();
  const { res, html } = await install(browser, app.installUrl, { channel: undefined });
  assert.equal(res.status, 200, html);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  assert.match(res.headers.get('content-type')!, /text\/html/);
  const webhookUrl = webhookUrlFrom(html);
  assert.ok(webhookUrl.startsWith(`${emu.url}/services/T0ACME0001/B`), webhookUrl);
  assert.match(html, /id="workspace">Acme Corp</);
  assert.match(html, /\[context\.secrets\]/);
  assert.ok(
    html.includes(`SLACK_WEBHOOK_URL = &quot;${webhookUrl}&quot;`) ||
      html.includes(`SLACK_WEBHOOK_URL = "${webhookUrl}"`),
  );
  assert.match(html, /curl -X POST/);
  assert.match(html, /a secret/i);
  assert.match(html, /id="copy"/);

  const rows = sqliteDb(app).prepare('SELECT * FROM installations').all() as Array<Record<string, unknown>>;
  assert.equal(rows.length, 1);
  const row = rows[0]!;
  assert.equal(row.team_id, 'T0ACME0001');
  assert.equal(row.team_name, 'Acme Corp');
  const record = (await app.store.installations.get(Number(row.id)))!;
  assert.equal(record.webhookUrl, webhookUrl);
  assert.match(String(row.channel_id), /^C/);
  assert.match(record.botToken!, /^xoxb-/);
  assert.equal(row.app_id, TEST_APP.appId);
  assert.equal(row.scopes, 'incoming-webhook');
  assert.equal(row.is_enterprise_install, 0);
  assert.ok(Math.abs(Number(row.installed_at) - Date.now()) < 60_000, 'installed_at is in milliseconds');
  assert.match(html, new RegExp(`id="channel">${String(row.channel_name)}<`));

  const post = await fetch(webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"text":"hello from the test"}',
  });
  assert.equal(post.status, 200);
  assert.equal(await post.text(), 'ok');
  assert.ok(emu.emulator.messages().some((m) => m.text === 'hello from the test' && m.channelId === row.channel_id));
});

test('two installs into one workspace, to the same and to another channel, are separate rows with separate live webhooks', async (t) => {
  const { app, emu } = await startApp(t);
  const channels = emu.emulator.workspaces().find((w) => w.id === 'T0ACME0001')!.channels;
  const first = await install(new Browser(), app.installUrl, { channel: channels[0]!.id });
  const again = await install(new Browser(), app.installUrl, { channel: channels[0]!.id });
  const other = await install(new Browser(), app.installUrl, { channel: channels[1]!.id });
  const urls = [first, again, other].map((r) => webhookUrlFrom(r.html));
  assert.equal(new Set(urls).size, 3);
  const rows = await Promise.all([1, 2, 3].map(async (id) => (await app.store.installations.get(id))!));
  assert.deepEqual(
    rows.map((r) => r.channelId),
    [channels[0]!.id, channels[0]!.id, channels[1]!.id],
  );
  assert.deepEqual(
    rows.map((r) => r.webhookUrl),
    urls,
  );
  for (const u of urls) {
    const res = await fetch(u, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text":"still here"}',
    });
    assert.equal(res.status, 200, `${u} still answers`);
  }
});

test('two installs started in two tabs of one browser both complete', async (t) => {
  const { app } = await startApp(t);
  const browser = new Browser();
  const tab1 = await consent(browser, app.installUrl);
  const tab2 = await consent(browser, app.installUrl);
  const r2 = await browser.get(tab2);
  const r1 = await browser.get(tab1);
  assert.equal(r1.status, 303);
  assert.equal(r2.status, 303);
  assert.notEqual(r1.headers.get('location'), r2.headers.get('location'), 'two landing pages');
  assert.equal(await app.store.installations.count(), 2);
});

test('a wrong install secret gets exactly the 404 of a path that does not exist', async (t) => {
  const { url, app } = await startApp(t);
  const wrong = await fetch(`${url}/slack/install/${INSTALL_SECRET.slice(0, -1)}x`, { redirect: 'manual' });
  const missing = await fetch(`${url}/no/such/path`, { redirect: 'manual' });
  assert.equal(wrong.status, 404);
  assert.equal(missing.status, 404);
  assert.equal(await wrong.text(), await missing.text());
  assert.equal(wrong.headers.get('content-type'), missing.headers.get('content-type'));
  assert.equal(wrong.headers.get('set-cookie'), null, 'no state is issued for a wrong secret');
  const right = await fetch(app.installUrl, { redirect: 'manual' });
  assert.equal(right.status, 302);
});

test('the install secret is generated once, at least 128 bits, and kept in the database', async (t) => {
  const { app, config } = await startApp(t, { INSTALL_SECRET: '' });
  const secret = app.installUrl.split('/').pop()!;
  assert.match(secret, /^[A-Za-z0-9_-]{32,}$/);
  const { buildApp } = await import('../src/app.js');
  const again = await buildApp(config, { logger: false });
  t.after(() => again.close());
  assert.equal(again.installUrl, app.installUrl);
});

test('GET /healthz answers 200 with a small JSON body while the database answers', async (t) => {
  const { url, app } = await startApp(t);
  const res = await fetch(`${url}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: 'ok' });
  sqliteDb(app).close();
  const down = await fetch(`${url}/healthz`);
  assert.equal(down.status, 503);
});

test('the authorize URL built once around a mark is, for every state, the URL @slack/oauth builds for that state', async () => {
  const config = testConfig({
    PUBLIC_URL: 'https://hooks.example.com/base',
    SLACK_SCOPES: 'incoming-webhook,chat:write',
  });
  const installer = new InstallProvider({
    clientId: config.slack.clientId,
    clientSecret: config.slack.clientSecret,
    authorizationUrl: config.slack.authorizeUrl,
    stateVerification: false,
  });
  const authorizeUrl = await authorizeUrlBuilder(installer, config);
  const options = { scopes: config.slack.scopes, redirectUri: config.redirectUri };
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), async (bytes) => {
      const state = Buffer.from(bytes).toString('base64url');
      assert.equal(authorizeUrl(state), await installer.generateInstallUrl(options, true, state));
    }),
    { numRuns: 500 },
  );
  assert.throws(() => authorizeUrl('not base64url&x=1'), /base64url/);
});
