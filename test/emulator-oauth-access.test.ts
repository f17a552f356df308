// The emulator's oauth.v2.access: code exchange in every body shape Slack accepts, and its errors.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CODE_TTL_MS } from '../src/emulator/state.js';
import {
  APP,
  OTHER,
  CONFIGURED,
  REDIRECT,
  startEmulator,
  postForm,
  consent,
  issueCode,
  type Json,
  exchange,
  credentials,
  install,
  postJson,
  expectPlain,
} from './support/emulator.js';

describe('oauth.v2.access', () => {
  test('exchanges a code sent as a form body for Slack-shaped JSON with a webhook', async (t) => {
    const emu = await startEmulator(t);
    const code = await issueCode(emu);
    const res = await postForm(`${emu.base}/api/oauth.v2.access`, { code, redirect_uri: REDIRECT, ...credentials() });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    const body = (await res.json()) as Json;
    const { incoming_webhook: hook, access_token: token, bot_user_id: botUser, authed_user: user, ...rest } = body;
    assert.deepEqual(rest, {
      ok: true,
      app_id: APP.appId,
      scope: 'incoming-webhook',
      token_type: 'bot',
      team: { id: 'T0ACME0001', name: 'Acme Corp' },
      enterprise: null,
      is_enterprise_install: false,
    });
    assert.match(token, /^xoxb-\d+-\d+-[A-Za-z0-9]{24}$/);
    assert.match(botUser, /^U[A-Z0-9]+$/);
    assert.deepEqual(user, { id: 'U0ACME0001' });
    assert.equal(hook.channel, '#alerts');
    assert.equal(hook.channel_id, 'C0ACME0002');
    const url = new RegExp(
      `^${emu.base.replaceAll('.', '\\.')}/services/T0ACME0001/(B[A-Z0-9]+)/[A-Za-z0-9]{24}$`,
    ).exec(hook.url);
    assert.ok(url, hook.url);
    assert.equal(hook.configuration_url, `${emu.base}/services/${url[1]}`);
    assert.deepEqual(
      emu.emulator.webhooks().map((w) => [w.url, w.channelId, w.channelName, w.active]),
      [[hook.url, 'C0ACME0002', 'alerts', true]],
    );
  });

  test('takes client credentials from HTTP Basic auth', async (t) => {
    const emu = await startEmulator(t);
    const code = await issueCode(emu);
    const basic = `Basic ${Buffer.from(`${APP.clientId}:${APP.clientSecret}`).toString('base64')}`;
    const body = await exchange(emu, { code, redirect_uri: REDIRECT }, { authorization: basic });
    assert.equal(body.ok, true);
    assert.equal(body.team.id, 'T0ACME0001');
    const wrong = `Basic ${Buffer.from(`${APP.clientId}:nope`).toString('base64')}`;
    assert.deepEqual(
      await exchange(emu, { code: await issueCode(emu), redirect_uri: REDIRECT }, { authorization: wrong }),
      { ok: false, error: 'bad_client_secret' },
    );
  });

  test('accepts a JSON body', async (t) => {
    const emu = await startEmulator(t);
    const code = await issueCode(emu);
    const res = await postJson(
      `${emu.base}/api/oauth.v2.access`,
      JSON.stringify({ code, redirect_uri: REDIRECT, ...credentials() }),
    );
    const body = (await res.json()) as Json;
    assert.equal(body.ok, true);
    assert.ok(body.incoming_webhook.url);
  });

  test('accepts multipart/form-data, as in `curl -F`', async (t) => {
    const emu = await startEmulator(t);
    const form = new FormData();
    form.set('code', await issueCode(emu));
    form.set('client_id', APP.clientId);
    form.set('client_secret', APP.clientSecret);
    form.set('redirect_uri', REDIRECT);
    const body = (await (
      await fetch(`${emu.base}/api/oauth.v2.access`, { method: 'POST', body: form })
    ).json()) as Json;
    assert.equal(body.ok, true);

    // A hand-written body with a quoted boundary and a file part, which is ignored.
    const code = await issueCode(emu);
    const parts = [
      ['code', code],
      ['client_id', APP.clientId],
      ['client_secret', APP.clientSecret],
      ['redirect_uri', REDIRECT],
    ].map(([name, value]) => `--xYz\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
    const raw = `${parts.join('')}--xYz\r\nContent-Disposition: form-data; name="code"; filename="c.txt"\r\nContent-Type: text/plain\r\n\r\nnot-the-code\r\n--xYz--\r\n`;
    const res = await postJson(`${emu.base}/api/oauth.v2.access`, raw, 'multipart/form-data; boundary="xYz"');
    assert.equal(((await res.json()) as Json).ok, true);
    const broken = await postJson(
      `${emu.base}/api/oauth.v2.access`,
      '--xYz\r\nnonsense',
      'multipart/form-data; boundary=xYz',
    );
    assert.deepEqual(await broken.json(), { ok: false, error: 'invalid_form_data' });
  });

  test('accepts GET with query parameters', async (t) => {
    const emu = await startEmulator(t);
    const query = new URLSearchParams({ code: await issueCode(emu), redirect_uri: REDIRECT, ...credentials() });
    const body = (await (await fetch(`${emu.base}/api/oauth.v2.access?${query.toString()}`)).json()) as Json;
    assert.equal(body.ok, true);
  });

  test('answers invalid_client_id and bad_client_secret before looking at the code, which stays usable', async (t) => {
    const emu = await startEmulator(t);
    const code = await issueCode(emu);
    assert.deepEqual(await exchange(emu, { code, redirect_uri: REDIRECT }), { ok: false, error: 'invalid_client_id' });
    assert.deepEqual(await exchange(emu, { code, redirect_uri: REDIRECT, client_id: 'nope', client_secret: 'x' }), {
      ok: false,
      error: 'invalid_client_id',
    });
    assert.deepEqual(await exchange(emu, { code, redirect_uri: REDIRECT, client_id: APP.clientId }), {
      ok: false,
      error: 'bad_client_secret',
    });
    assert.deepEqual(await exchange(emu, { code, redirect_uri: REDIRECT, ...credentials(), client_secret: 'wrong' }), {
      ok: false,
      error: 'bad_client_secret',
    });
    assert.equal((await exchange(emu, { code, redirect_uri: REDIRECT, ...credentials() })).ok, true);
  });

  test('answers invalid_code for a reused, unknown, missing, expired or foreign code', async (t) => {
    const emu = await startEmulator(t);
    const code = await issueCode(emu);
    assert.equal((await exchange(emu, { code, redirect_uri: REDIRECT, ...credentials() })).ok, true);
    const invalid = { ok: false, error: 'invalid_code' };
    assert.deepEqual(await exchange(emu, { code, redirect_uri: REDIRECT, ...credentials() }), invalid);
    assert.deepEqual(await exchange(emu, { code: '123.456.abc', redirect_uri: REDIRECT, ...credentials() }), invalid);
    assert.deepEqual(await exchange(emu, { redirect_uri: REDIRECT, ...credentials() }), invalid);

    const late = await issueCode(emu);
    emu.clock.now += CODE_TTL_MS + 1;
    assert.deepEqual(await exchange(emu, { code: late, redirect_uri: REDIRECT, ...credentials() }), invalid);

    const foreign = await issueCode(emu);
    assert.deepEqual(await exchange(emu, { code: foreign, redirect_uri: REDIRECT, ...credentials(OTHER) }), invalid);
    assert.deepEqual(
      await exchange(emu, { code: foreign, redirect_uri: REDIRECT, ...credentials() }),
      invalid,
      'the failed attempt consumed it',
    );

    const fresh = await issueCode(emu);
    emu.clock.now += CODE_TTL_MS - 1000;
    assert.equal(
      (await exchange(emu, { code: fresh, redirect_uri: REDIRECT, ...credentials() })).ok,
      true,
      'still valid just before 10 minutes',
    );
  });

  test('answers bad_redirect_uri when redirect_uri differs from the authorize one, and consumes the code', async (t) => {
    const emu = await startEmulator(t);
    const code = await issueCode(emu);
    assert.deepEqual(
      await exchange(emu, { code, redirect_uri: 'http://localhost:9999/slack/callback', ...credentials() }),
      { ok: false, error: 'bad_redirect_uri' },
    );
    assert.deepEqual(await exchange(emu, { code, redirect_uri: REDIRECT, ...credentials() }), {
      ok: false,
      error: 'invalid_code',
    });
    const missing = await issueCode(emu);
    assert.deepEqual(await exchange(emu, { code: missing, ...credentials() }), {
      ok: false,
      error: 'bad_redirect_uri',
    });
  });

  test('uses the first configured Redirect URL when none was sent, and then refuses one at exchange', async (t) => {
    const emu = await startEmulator(t);
    const res = await consent(emu, { app: CONFIGURED, redirectUri: '' });
    assert.equal(res.status, 302);
    const location = new URL(res.headers.get('location')!);
    assert.equal(`${location.origin}${location.pathname}`, 'http://localhost:9999/slack');
    const code = location.searchParams.get('code')!;
    assert.deepEqual(
      await exchange(emu, { code, redirect_uri: 'http://localhost:9999/slack', ...credentials(CONFIGURED) }),
      { ok: false, error: 'bad_redirect_uri' },
    );
    const second = await issueCode(emu, { app: CONFIGURED, redirectUri: '' });
    assert.equal((await exchange(emu, { code: second, ...credentials(CONFIGURED) })).ok, true);
    // A subdirectory of a configured Redirect URL is allowed, like on Slack.
    assert.equal(
      (await consent(emu, { app: CONFIGURED, redirectUri: 'http://localhost:9999/slack/sub/dir' })).status,
      302,
    );
  });

  test('returns no incoming_webhook when the incoming-webhook scope was not requested', async (t) => {
    const emu = await startEmulator(t);
    const body = await install(emu, { scope: 'chat:write', team: 'T0GLOBEX01' });
    assert.equal(body.scope, 'chat:write');
    assert.equal('incoming_webhook' in body, false);
    assert.match(body.access_token, /^xoxb-/);
    assert.deepEqual(emu.emulator.webhooks(), []);
  });

  test('two installs into one workspace give two webhooks that both work, with the same bot token', async (t) => {
    const emu = await startEmulator(t);
    const first = await install(emu, { channel: 'C0ACME0002' });
    const second = await install(emu, { channel: 'C0ACME0003', scope: 'incoming-webhook,chat:write' });
    assert.notEqual(first.incoming_webhook.url, second.incoming_webhook.url);
    assert.notEqual(first.incoming_webhook.configuration_url, second.incoming_webhook.configuration_url);
    assert.equal(first.access_token, second.access_token);
    assert.equal(first.bot_user_id, second.bot_user_id);
    assert.equal(second.scope, 'incoming-webhook,chat:write');
    await expectPlain(await postJson(first.incoming_webhook.url, '{"text":"one"}'), 200, 'ok');
    await expectPlain(await postJson(second.incoming_webhook.url, '{"text":"two"}'), 200, 'ok');
    assert.deepEqual(
      emu.emulator.messages().map((m) => [m.channelId, m.text]),
      [
        ['C0ACME0002', 'one'],
        ['C0ACME0003', 'two'],
      ],
    );
    assert.deepEqual(
      emu.emulator.messages('C0ACME0003').map((m) => m.text),
      ['two'],
    );
    const other = await install(emu, { app: OTHER });
    assert.notEqual(other.access_token, first.access_token, 'bot tokens are per app');
  });
});
