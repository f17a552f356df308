import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import { EventDeliveryError } from '../src/emulator/events.js';
import emulatorPlugin from '../src/emulator/plugin.js';
import { signSlackRequest } from '../src/emulator/signing.js';
import {
  CODE_TTL_MS,
  EmulatorError,
  SlackEmulator,
  type EmulatorApp,
  type WebhookError,
} from '../src/emulator/state.js';
import { viewsDir } from '../src/paths.js';

const SIGNING_SECRET = 'test-signing-secret-0123456789ab';
const APP: EmulatorApp = {
  clientId: '1111.2222',
  clientSecret: 'app-secret',
  appId: 'A0TEST0001',
  name: 'Webhook Installer',
  signingSecret: SIGNING_SECRET,
  verificationToken: 'vErIfIcAtIoNtOkEn',
};
const OTHER: EmulatorApp = {
  clientId: '3333.4444',
  clientSecret: 'other-secret',
  appId: 'A0OTHER001',
  name: 'Other App',
};
const CONFIGURED: EmulatorApp = {
  clientId: '5555.6666',
  clientSecret: 'configured-secret',
  appId: 'A0CONF0001',
  name: 'Configured',
  redirectUrls: ['http://localhost:9999/slack'],
};
const REDIRECT = 'http://localhost:9999/slack/callback?from=test';

interface Emu {
  emulator: SlackEmulator;
  server: FastifyInstance;
  /** http://127.0.0.1:PORT/_emulator */
  base: string;
  clock: { now: number };
}

/** A standalone emulator on loopback, closed when the test ends. */
async function startEmulator(t: TestContext, serverOptions: FastifyServerOptions = {}): Promise<Emu> {
  const clock = { now: Date.now() };
  const emulator = new SlackEmulator({
    apps: [APP, OTHER, CONFIGURED],
    publicUrl: 'http://unset.invalid',
    now: () => clock.now,
  });
  const server = Fastify(serverOptions);
  await server.register(emulatorPlugin, { emulator, prefix: '/_emulator' });
  const address = await server.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => server.close());
  // A trailing slash is trimmed, so webhook URLs never get a double slash.
  emulator.publicUrl = `${address}/_emulator/`;
  assert.equal(emulator.publicUrl, `${address}/_emulator`);
  return { emulator, server, base: emulator.publicUrl, clock };
}

function authorizeUrl(emu: Emu, params: Record<string, string>): string {
  return `${emu.base}/oauth/v2/authorize?${new URLSearchParams(params).toString()}`;
}

function postForm(
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

interface ConsentOptions {
  app?: EmulatorApp;
  scope?: string;
  team?: string;
  channel?: string;
  newChannel?: string;
  state?: string;
  redirectUri?: string;
  action?: string;
}

/** Submits the consent form the way the page's Allow/Cancel buttons do. */
function consent(emu: Emu, options: ConsentOptions = {}): Promise<Response> {
  const fields: Record<string, string> = {
    client_id: (options.app ?? APP).clientId,
    scope: options.scope ?? 'incoming-webhook',
    team: options.team ?? 'T0ACME0001',
    channel: options.channel ?? 'C0ACME0002',
    action: options.action ?? 'allow',
  };
  if (options.redirectUri !== '') fields.redirect_uri = options.redirectUri ?? REDIRECT;
  if (options.state !== '') fields.state = options.state ?? 'st4te';
  if (options.newChannel !== undefined) fields.new_channel = options.newChannel;
  return postForm(`${emu.base}/oauth/v2/authorize`, fields);
}

async function issueCode(emu: Emu, options: ConsentOptions = {}): Promise<string> {
  const res = await consent(emu, options);
  assert.equal(res.status, 302, await res.text());
  const code = new URL(res.headers.get('location')!).searchParams.get('code');
  assert.ok(code);
  return code;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Slack answers are asserted field by field
type Json = Record<string, any>;

async function exchange(emu: Emu, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Json> {
  const res = await postForm(`${emu.base}/api/oauth.v2.access`, fields, headers);
  assert.equal(res.status, 200);
  return (await res.json()) as Json;
}

function credentials(app: EmulatorApp = APP): Record<string, string> {
  return { client_id: app.clientId, client_secret: app.clientSecret };
}

async function install(emu: Emu, options: ConsentOptions = {}): Promise<Json> {
  const code = await issueCode(emu, options);
  const redirect = options.redirectUri ?? REDIRECT;
  const body = await exchange(emu, {
    code,
    ...credentials(options.app),
    ...(redirect ? { redirect_uri: redirect } : {}),
  });
  assert.equal(body.ok, true, JSON.stringify(body));
  return body;
}

function postJson(url: string, body: string, contentType = 'application/json'): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
}

async function expectPlain(res: Response, status: number, body: string): Promise<void> {
  assert.equal(res.status, status);
  assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(await res.text(), body);
}

describe('consent page GET /oauth/v2/authorize', () => {
  test('rejects a missing or unknown client_id, a missing scope and a missing or unsafe redirect_uri with 400 pages', async (t) => {
    const emu = await startEmulator(t);
    const cases: Array<[Record<string, string>, string]> = [
      [{ client_id: 'nope', scope: 'incoming-webhook', redirect_uri: REDIRECT }, 'invalid_client_id'],
      [{ scope: 'incoming-webhook', redirect_uri: REDIRECT }, 'invalid_client_id'],
      [{ client_id: APP.clientId, redirect_uri: REDIRECT }, 'missing_scope'],
      [{ client_id: APP.clientId, scope: 'incoming webhook!', redirect_uri: REDIRECT }, 'invalid_scope'],
      [{ client_id: APP.clientId, scope: 'incoming-webhook' }, 'missing_redirect_uri'],
      [{ client_id: APP.clientId, scope: 'incoming-webhook', redirect_uri: 'javascript:alert(1)' }, 'bad_redirect_uri'],
      [
        { client_id: APP.clientId, scope: 'incoming-webhook', redirect_uri: 'http://localhost/cb#frag' },
        'bad_redirect_uri',
      ],
      [
        { client_id: CONFIGURED.clientId, scope: 'incoming-webhook', redirect_uri: 'http://localhost:9999/other' },
        'bad_redirect_uri',
      ],
    ];
    for (const [params, code] of cases) {
      const res = await fetch(authorizeUrl(emu, params));
      const html = await res.text();
      assert.equal(res.status, 400, code);
      assert.match(html, new RegExp(`id="error-code">${code}<`));
      assert.match(html, /Slack emulator — not the real Slack/);
    }
    const unknown = await (await fetch(authorizeUrl(emu, { scope: 'x', redirect_uri: REDIRECT }))).text();
    assert.match(unknown, /invalid client_id/);
  });

  test('without a team shows a workspace picker whose links add team=T… and drop unknown params', async (t) => {
    const emu = await startEmulator(t);
    const res = await fetch(
      authorizeUrl(emu, {
        client_id: APP.clientId,
        scope: 'incoming-webhook',
        redirect_uri: REDIRECT,
        state: 's1',
        granular_bot_scope: '1',
      }),
    );
    assert.equal(res.status, 200);
    const html = await res.text();
    const links = [...html.matchAll(/<a href="([^"]+)" data-team="(T[A-Z0-9]+)">/g)];
    assert.deepEqual(
      links.map((m) => m[2]),
      ['T0ACME0001', 'T0GLOBEX01', 'T0SCRIPT01'],
    );
    const query = new URLSearchParams(links[0]![1]!.replaceAll('&amp;', '&').slice(1));
    assert.equal(query.get('team'), 'T0ACME0001');
    assert.equal(query.get('redirect_uri'), REDIRECT);
    assert.equal(query.get('state'), 's1');
    assert.equal(query.get('granular_bot_scope'), null);
    // Workspace names are escaped, never raw markup.
    assert.ok(!html.includes('<script>'));
    assert.match(html, /&lt;script&gt;alert\(&quot;ws&quot;\)&lt;\/script&gt; &amp; Co/);
    const unknownTeam = await (
      await fetch(
        authorizeUrl(emu, {
          client_id: APP.clientId,
          scope: 'incoming-webhook',
          redirect_uri: REDIRECT,
          team: 'T0NOPE0001',
        }),
      )
    ).text();
    assert.match(unknownTeam, /id="unknown-team"/);
    assert.match(unknownTeam, /data-team="T0ACME0001"/);
  });

  test('with a known team shows the channel step carrying the original params, without scripts', async (t) => {
    const emu = await startEmulator(t);
    const res = await fetch(
      authorizeUrl(emu, {
        client_id: APP.clientId,
        scope: 'incoming-webhook',
        redirect_uri: REDIRECT,
        state: 'a"b<c',
        team: 'T0GLOBEX01',
      }),
    );
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    const html = await res.text();
    assert.match(html, /<form method="post"/);
    assert.match(html, /<input type="hidden" name="state" value="a&quot;b&lt;c">/);
    assert.match(
      html,
      /<input type="hidden" name="redirect_uri" value="http:\/\/localhost:9999\/slack\/callback\?from=test">/,
    );
    assert.match(html, /<input type="hidden" name="team" value="T0GLOBEX01">/);
    assert.match(html, /<select name="channel" id="channel">/);
    assert.deepEqual(
      [...html.matchAll(/<option value="(C[A-Z0-9]+)"/g)].map((m) => m[1]),
      ['C0GLOBEX01', 'C0GLOBEX02', 'C0GLOBEX03'],
    );
    assert.match(html, /id="new_channel"/);
    assert.match(html, /<button type="submit" name="action" value="allow" id="allow">Allow<\/button>/);
    assert.match(html, /<button type="submit" name="action" value="cancel" id="cancel">Cancel<\/button>/);
    assert.ok(!/<script/i.test(html));
  });

  test('shows no channel picker when incoming-webhook is not requested', async (t) => {
    const emu = await startEmulator(t);
    const html = await (
      await fetch(
        authorizeUrl(emu, { client_id: APP.clientId, scope: 'chat:write', redirect_uri: REDIRECT, team: 'T0ACME0001' }),
      )
    ).text();
    assert.match(html, /id="allow"/);
    assert.ok(!html.includes('id="channel"'));
  });
});

describe('consent page POST /oauth/v2/authorize', () => {
  test('Allow redirects to redirect_uri with code and state, keeping its own query', async (t) => {
    const emu = await startEmulator(t);
    const res = await consent(emu, { state: 'xyz 1' });
    assert.equal(res.status, 302);
    const location = new URL(res.headers.get('location')!);
    assert.equal(`${location.origin}${location.pathname}`, 'http://localhost:9999/slack/callback');
    assert.equal(location.searchParams.get('from'), 'test');
    assert.equal(location.searchParams.get('state'), 'xyz 1');
    assert.match(location.searchParams.get('code') ?? '', /^\d+\.\d+\.[0-9a-f]{64}$/);
    const other = new URL((await consent(emu)).headers.get('location')!).searchParams.get('code');
    assert.notEqual(other, location.searchParams.get('code'));
  });

  test('Cancel redirects with error=access_denied, and state only when one was sent', async (t) => {
    const emu = await startEmulator(t);
    const withState = new URL((await consent(emu, { action: 'cancel', state: 's-1' })).headers.get('location')!);
    assert.equal(withState.searchParams.get('error'), 'access_denied');
    assert.equal(withState.searchParams.get('state'), 's-1');
    assert.equal(withState.searchParams.get('from'), 'test');
    assert.ok(withState.searchParams.get('error_description'));
    assert.equal(withState.searchParams.get('code'), null);
    const withoutState = new URL((await consent(emu, { action: 'cancel', state: '' })).headers.get('location')!);
    assert.equal(withoutState.searchParams.get('error'), 'access_denied');
    assert.equal(withoutState.searchParams.has('state'), false);
  });

  test('rejects bad channel names, foreign channels, unknown teams and missing actions', async (t) => {
    const emu = await startEmulator(t);
    const cases: Array<[ConsentOptions, string]> = [
      [{ newChannel: 'Bad Name' }, 'invalid_name'],
      [{ newChannel: 'UPPER' }, 'invalid_name'],
      [{ newChannel: '#deploys' }, 'invalid_name'],
      [{ newChannel: 'a'.repeat(81) }, 'invalid_name'],
      [{ channel: 'C0GLOBEX01' }, 'invalid_channel'],
      [{ team: 'T0NOPE0001' }, 'invalid_team'],
      [{ action: 'maybe' }, 'invalid_action'],
      [{ app: { ...APP, clientId: 'nope' } }, 'invalid_client_id'],
    ];
    for (const [options, code] of cases) {
      const res = await consent(emu, options);
      assert.equal(res.status, 400, code);
      assert.match(await res.text(), new RegExp(`id="error-code">${code}<`));
    }
    assert.equal((await consent(emu, { newChannel: 'a'.repeat(80) })).status, 302);
    const json = await postJson(`${emu.base}/oauth/v2/authorize`, '{}');
    assert.equal(json.status, 400);
  });

  test('a new channel typed at consent wins over the select and is created on exchange', async (t) => {
    const emu = await startEmulator(t);
    const body = await install(emu, { channel: 'C0ACME0001', newChannel: 'ops-alerts_2' });
    assert.equal(body.incoming_webhook.channel, '#ops-alerts_2');
    assert.match(body.incoming_webhook.channel_id, /^C[A-Z0-9]+$/);
    const acme = emu.emulator.workspaces().find((ws) => ws.id === 'T0ACME0001')!;
    assert.deepEqual(
      acme.channels.find((c) => c.name === 'ops-alerts_2'),
      { id: body.incoming_webhook.channel_id, name: 'ops-alerts_2' },
    );
  });
});

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

describe('auth.test and other Web API methods', () => {
  test('auth.test answers for a bot token from the Bearer header or the token field', async (t) => {
    const emu = await startEmulator(t);
    const installed = await install(emu, { team: 'T0GLOBEX01', channel: 'C0GLOBEX01' });
    const res = await fetch(`${emu.base}/api/auth.test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${installed.access_token}` },
    });
    const body = (await res.json()) as Json;
    assert.equal(body.ok, true);
    assert.equal(body.team, 'Globex');
    assert.equal(body.team_id, 'T0GLOBEX01');
    assert.equal(body.user_id, installed.bot_user_id);
    assert.match(body.bot_id, /^B[A-Z0-9]+$/);
    assert.equal(body.url, `${emu.base}/`);
    assert.equal(res.headers.get('x-oauth-scopes'), 'incoming-webhook');
    const viaField = await exchangeLike(emu, 'auth.test', { token: installed.access_token });
    assert.equal(viaField.bot_id, body.bot_id);
    assert.deepEqual(await exchangeLike(emu, 'auth.test', {}), { ok: false, error: 'not_authed' });
    assert.deepEqual(await exchangeLike(emu, 'auth.test', { token: 'xoxb-1-2-nope' }), {
      ok: false,
      error: 'invalid_auth',
    });
  });

  test('unknown methods, wrong HTTP methods and unreadable bodies get Slack-style answers, never a 500', async (t) => {
    const emu = await startEmulator(t);
    assert.deepEqual(await exchangeLike(emu, 'chat.postMessage', {}), {
      ok: false,
      error: 'unknown_method',
      req_method: 'chat.postMessage',
    });
    const put = await fetch(`${emu.base}/api/oauth.v2.access`, { method: 'PUT' });
    assert.equal(put.status, 405);
    assert.deepEqual(await (await postJson(`${emu.base}/api/oauth.v2.access`, '{"code":')).json(), {
      ok: false,
      error: 'invalid_json',
    });
    assert.deepEqual(await (await postJson(`${emu.base}/api/oauth.v2.access`, '[]')).json(), {
      ok: false,
      error: 'json_not_object',
    });
    assert.deepEqual(await (await postJson(`${emu.base}/api/oauth.v2.access`, 'x', 'text/csv')).json(), {
      ok: false,
      error: 'invalid_post_type',
    });
    const malformedType = await postJson(`${emu.base}/api/oauth.v2.access`, 'x', 'nonsense/');
    assert.equal(malformedType.status, 415);
    assert.equal(malformedType.headers.get('content-type'), 'text/plain; charset=utf-8');
    const huge = await postJson(`${emu.base}/api/oauth.v2.access`, JSON.stringify({ code: 'x'.repeat(300_000) }));
    assert.equal(huge.status, 413);
    assert.ok(!(await huge.text()).includes(' at '), 'no stack trace');
    const missing = await fetch(`${emu.base}/no/such/page`);
    assert.equal(missing.status, 404);
  });
});

/** POSTs form fields to a Web API method and returns the parsed JSON. */
async function exchangeLike(emu: Emu, method: string, fields: Record<string, string>): Promise<Json> {
  const res = await postForm(`${emu.base}/api/${method}`, fields);
  assert.equal(res.status, 200);
  return (await res.json()) as Json;
}

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

describe('encapsulation', () => {
  test('the plugin keeps its view engine, parsers and handlers to itself', async (t) => {
    const emulator = new SlackEmulator({ apps: [APP], publicUrl: 'http://localhost/_emulator' });
    const server = Fastify();
    t.after(() => server.close());
    // The main app may register its own @fastify/view; the emulator must not clash with it.
    await server.register(fastifyView, { engine: { eta: new Eta() }, root: viewsDir });
    server.post('/echo', async (request) => ({ body: request.body }));
    await server.register(emulatorPlugin, { emulator, prefix: '/_emulator' });
    await server.ready();
    assert.equal(server.hasReplyDecorator('emulatorView'), false);
    const echo = await server.inject({ method: 'POST', url: '/echo', payload: { a: 1 } });
    assert.deepEqual(echo.json(), { body: { a: 1 } });
    const badJson = await server.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{',
    });
    assert.equal(badJson.statusCode, 400);
    assert.equal(
      badJson.headers['content-type'],
      'application/json; charset=utf-8',
      'parent keeps its own error handler',
    );
    assert.equal((await server.inject({ url: '/_emulator/' })).statusCode, 200);
  });
});

const CSP_BASE = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'";
const CSP_TAIL = "; base-uri 'none'; frame-ancestors 'none'";

describe('content security policy and stylesheet', () => {
  test('pages allow no inline style or script, link the stylesheet, and the consent form may redirect to the app', async (t) => {
    const emu = await startEmulator(t);
    const res = await fetch(
      authorizeUrl(emu, {
        client_id: APP.clientId,
        scope: 'incoming-webhook',
        redirect_uri: REDIRECT,
        team: 'T0ACME0001',
      }),
    );
    const csp = res.headers.get('content-security-policy') ?? '';
    // Chromium checks form-action on the redirect after the submit too, so the redirect_uri's origin is listed.
    assert.equal(csp, `${CSP_BASE} http://localhost:9999${CSP_TAIL}`);
    assert.ok(!csp.includes('unsafe-inline'));
    const html = await res.text();
    assert.ok(!/<style|style=/i.test(html), 'no inline style');
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(html)?.[1];
    assert.equal(href, '/_emulator/assets/emulator.css');

    const css = await fetch(new URL(href, res.url));
    assert.equal(css.status, 200);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    assert.equal(css.headers.get('cache-control'), 'public, max-age=3600');
    assert.match(await css.text(), /\.banner \{/);

    // Pages without a form, and the app's configured Redirect URL when none is sent.
    for (const url of [
      emu.base,
      `${emu.base}/services/B0NOPE0001`,
      authorizeUrl(emu, { client_id: APP.clientId, scope: 'x', redirect_uri: REDIRECT }),
    ]) {
      const page = await fetch(url);
      assert.equal(page.headers.get('content-security-policy'), `${CSP_BASE}${CSP_TAIL}`, url);
      assert.match(await page.text(), /href="\/_emulator\/assets\/emulator\.css"/);
    }
    const configured = await fetch(
      authorizeUrl(emu, { client_id: CONFIGURED.clientId, scope: 'incoming-webhook', team: 'T0ACME0001' }),
    );
    assert.equal(configured.headers.get('content-security-policy'), `${CSP_BASE} http://localhost:9999${CSP_TAIL}`);
  });

  test("replaces a parent's helmet policy and follows the prefix it is mounted under", async (t) => {
    const emulator = new SlackEmulator({ apps: [APP], publicUrl: 'http://localhost/slack-emu' });
    const server = Fastify();
    t.after(() => server.close());
    // A parent app's policy, as the main app's security plugin sets it on every answer.
    server.addHook('onRequest', async (_request, reply) => {
      reply.header('content-security-policy', "default-src 'self'; form-action 'self'");
    });
    server.get('/', async () => 'main app');
    await server.register(emulatorPlugin, { emulator, prefix: '/slack-emu' });
    const main = await server.inject({ url: '/' });
    assert.match(String(main.headers['content-security-policy']), /form-action 'self'(;|$)/);
    const query = new URLSearchParams({
      client_id: APP.clientId,
      scope: 'incoming-webhook',
      redirect_uri: 'https://app.example/cb',
      team: 'T0ACME0001',
    });
    const consentPage = await server.inject({ url: `/slack-emu/oauth/v2/authorize?${query.toString()}` });
    assert.equal(consentPage.headers['content-security-policy'], `${CSP_BASE} https://app.example${CSP_TAIL}`);
    assert.match(consentPage.body, /<link rel="stylesheet" href="\/slack-emu\/assets\/emulator\.css">/);
    const css = await server.inject({ url: '/slack-emu/assets/emulator.css' });
    assert.equal(css.statusCode, 200);
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
  });
});

describe('fault injection', () => {
  // After a client abort, fetch opens a spare connection that sends nothing; Node's server.close() waits for it
  // until a keep-alive timeout (seconds), so tests that abort close every connection at the end.
  const ABORTING = { forceCloseConnections: true };

  async function exchangeRes(emu: Emu, code: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${emu.base}/api/oauth.v2.access`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ code, redirect_uri: REDIRECT, ...credentials() }).toString(),
      ...init,
    });
  }

  /** Waits until the emulator has taken every queued fault, i.e. the faulted request has reached it. */
  async function faultsTaken(emu: Emu): Promise<void> {
    for (let i = 0; i < 200 && emu.emulator.pendingFaults().length > 0; i++) await sleep(10);
    assert.deepEqual(emu.emulator.pendingFaults(), []);
  }

  test('a 429 answers ratelimited JSON with Retry-After and leaves the code usable', async (t) => {
    const emu = await startEmulator(t);
    const code = await issueCode(emu);
    emu.emulator.failNext('oauth.v2.access', { kind: 'status', status: 429 });
    const limited = await exchangeRes(emu, code);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '1');
    assert.equal(limited.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await limited.json(), { ok: false, error: 'ratelimited' });
    emu.emulator.failNext('oauth.v2.access', { kind: 'status', status: 429, retryAfter: 30 });
    assert.equal((await exchangeRes(emu, code)).headers.get('retry-after'), '30');
    assert.equal(((await (await exchangeRes(emu, code)).json()) as Json).ok, true, 'the code was not consumed');
    assert.equal(emu.emulator.webhooks().length, 1);
  });

  test('5xx faults answer an HTML error page (or the given body), `times` in a row, and leave the code usable', async (t) => {
    const emu = await startEmulator(t);
    const code = await issueCode(emu);
    emu.emulator.failNext('oauth.v2.access', { kind: 'status', status: 503 }, 2);
    emu.emulator.failNext('oauth.v2.access', {
      kind: 'status',
      status: 500,
      body: '{"ok":false,"error":"internal_error"}',
    });
    for (let i = 0; i < 2; i++) {
      const res = await exchangeRes(emu, code);
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.match(await res.text(), /<h1>503 Service Unavailable<\/h1>/);
      assert.equal(res.headers.get('retry-after'), null);
    }
    const custom = await exchangeRes(emu, code);
    assert.equal(custom.status, 500);
    assert.deepEqual(await custom.json(), { ok: false, error: 'internal_error' });
    assert.equal(((await (await exchangeRes(emu, code)).json()) as Json).ok, true);
  });

  test('malformed answers 200 application/json that is not JSON, and leaves the code usable', async (t) => {
    const emu = await startEmulator(t);
    const code = await issueCode(emu);
    emu.emulator.failNext('oauth.v2.access', { kind: 'malformed' });
    const res = await exchangeRes(emu, code);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    await assert.rejects(res.json(), SyntaxError);
    assert.equal(((await (await exchangeRes(emu, code)).json()) as Json).ok, true);
  });

  test('delay answers normally later, and consumes the code even when the client gave up waiting', async (t) => {
    const emu = await startEmulator(t, ABORTING);
    const code = await issueCode(emu);
    emu.emulator.failNext('oauth.v2.access', { kind: 'delay', ms: 200 });
    const started = performance.now();
    const res = await exchangeRes(emu, code);
    assert.ok(performance.now() - started >= 190, 'waited');
    assert.equal(((await res.json()) as Json).ok, true);

    const late = await issueCode(emu, { channel: 'C0ACME0003' });
    emu.emulator.failNext('oauth.v2.access', { kind: 'delay', ms: 300 });
    await assert.rejects(exchangeRes(emu, late, { signal: AbortSignal.timeout(50) }), { name: 'TimeoutError' });
    for (let i = 0; i < 100 && emu.emulator.webhooks().length < 2; i++) await sleep(20);
    assert.deepEqual(
      emu.emulator.webhooks().map((w) => w.channelId),
      ['C0ACME0002', 'C0ACME0003'],
      'Slack still installed',
    );
    assert.deepEqual(await (await exchangeRes(emu, late)).json(), { ok: false, error: 'invalid_code' });
  });

  test('hang never answers, so the client times out; the next request is normal', async (t) => {
    const emu = await startEmulator(t, ABORTING);
    const { access_token: token } = await install(emu);
    emu.emulator.failNext('auth.test', { kind: 'hang' });
    const authTest = (signal?: AbortSignal): Promise<Response> =>
      fetch(`${emu.base}/api/auth.test`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, signal });
    const started = performance.now();
    await assert.rejects(authTest(AbortSignal.timeout(300)), { name: 'TimeoutError' });
    assert.ok(performance.now() - started >= 290);
    assert.equal(((await (await authTest()).json()) as Json).ok, true);
  });

  test(
    'server.close() returns promptly with a hung request and a long delay in flight',
    { timeout: 5000 },
    async (t) => {
      // Default close options on purpose: only the emulator's own preClose hook can end these requests.
      const emu = await startEmulator(t);
      emu.emulator.failNext('auth.test', { kind: 'hang' });
      const hung = fetch(`${emu.base}/api/auth.test`, { method: 'POST' });
      await faultsTaken(emu);
      emu.emulator.failNext('auth.test', { kind: 'delay', ms: 60_000 });
      const delayed = fetch(`${emu.base}/api/auth.test`, { method: 'POST' });
      await faultsTaken(emu);
      const started = performance.now();
      await emu.server.close();
      assert.ok(performance.now() - started < 1000, `close took ${performance.now() - started} ms`);
      await assert.rejects(hung, TypeError);
      // The delayed request is answered at once on shutdown rather than dropped.
      assert.deepEqual(await (await delayed).json(), { ok: false, error: 'not_authed' });
    },
  );

  test('reset drops the connection without an answer; webhook faults apply to POST /services/…', async (t) => {
    const emu = await startEmulator(t);
    const { incoming_webhook: hook } = await install(emu);
    emu.emulator.failNext('webhook', { kind: 'reset' });
    emu.emulator.failNext('webhook', { kind: 'status', status: 429, retryAfter: 2 });
    await assert.rejects(postJson(hook.url, '{"text":"lost"}'), TypeError);
    const limited = await postJson(hook.url, '{"text":"limited"}');
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '2');
    await expectPlain(await postJson(hook.url, '{"text":"delivered"}'), 200, 'ok');
    assert.deepEqual(
      emu.emulator.messages().map((m) => m.text),
      ['delivered'],
    );

    emu.emulator.failNext('oauth.v2.access', { kind: 'reset' });
    const code = await issueCode(emu);
    await assert.rejects(exchangeRes(emu, code), TypeError);
    assert.equal(((await (await exchangeRes(emu, code)).json()) as Json).ok, true, 'a reset does not consume the code');
  });

  test('faults play in order per method, clearFaults drops them, and failNext refuses invalid faults', async (t) => {
    const emu = await startEmulator(t);
    const { incoming_webhook: hook } = await install(emu);
    emu.emulator.failNext('webhook', { kind: 'status', status: 500 });
    emu.emulator.failNext('webhook', { kind: 'malformed' });
    emu.emulator.failNext('auth.test', { kind: 'hang' });
    assert.equal((await postJson(hook.url, '{"text":"a"}')).status, 500);
    assert.equal(await (await postJson(hook.url, '{"text":"b"}')).text(), '<html>oops');
    assert.deepEqual(emu.emulator.pendingFaults(), [{ method: 'auth.test', fault: { kind: 'hang' }, times: 1 }]);
    emu.emulator.clearFaults();
    assert.deepEqual(emu.emulator.pendingFaults(), []);
    assert.deepEqual(await exchangeLike(emu, 'auth.test', {}), { ok: false, error: 'not_authed' });
    await expectPlain(await postJson(hook.url, '{"text":"c"}'), 200, 'ok');

    assert.throws(() => emu.emulator.failNext('webhook', { kind: 'status', status: 99 }), TypeError);
    assert.throws(() => emu.emulator.failNext('webhook', { kind: 'delay', ms: -1 }), TypeError);
    assert.throws(() => emu.emulator.failNext('webhook', { kind: 'hang' }, 0), TypeError);
    assert.throws(() => emu.emulator.failNext('nope' as 'webhook', { kind: 'hang' }), TypeError);
    assert.deepEqual(emu.emulator.pendingFaults(), []);
  });

  test('POST and DELETE /control/faults queue and clear faults over HTTP, validating strictly', async (t) => {
    const emu = await startEmulator(t);
    const control = `${emu.base}/control/faults`;
    const queued = await postJson(
      control,
      JSON.stringify({ method: 'oauth.v2.access', fault: { kind: 'status', status: 503, retryAfter: 5 }, times: 2 }),
    );
    assert.equal(queued.status, 204);
    assert.equal(
      (await postJson(control, JSON.stringify({ method: 'webhook', fault: { kind: 'delay', ms: 10 } }))).status,
      204,
    );
    assert.deepEqual(emu.emulator.pendingFaults(), [
      { method: 'oauth.v2.access', fault: { kind: 'status', status: 503, retryAfter: 5 }, times: 2 },
      { method: 'webhook', fault: { kind: 'delay', ms: 10 }, times: 1 },
    ]);
    const code = await issueCode(emu);
    const res = await exchangeRes(emu, code);
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '5');

    const cleared = await fetch(control, { method: 'DELETE' });
    assert.equal(cleared.status, 204);
    assert.deepEqual(emu.emulator.pendingFaults(), []);
    assert.equal(((await (await exchangeRes(emu, code)).json()) as Json).ok, true);

    const bad: Array<[string, string?]> = [
      ['{"method":"auth.test","fault":{"kind":"hang"}}', 'text/plain'],
      ['{"method":"auth.test","fault":{"kind":"hang"}'],
      ['[]'],
      ['null'],
      ['{"method":"chat.postMessage","fault":{"kind":"hang"}}'],
      ['{"method":"auth.test"}'],
      ['{"method":"auth.test","fault":{"kind":"explode"}}'],
      ['{"method":"auth.test","fault":{"kind":"hang","ms":5}}'],
      ['{"method":"auth.test","fault":{"kind":"hang"},"extra":1}'],
      ['{"method":"auth.test","fault":{"kind":"hang"},"times":0}'],
      ['{"method":"auth.test","fault":{"kind":"hang"},"times":1.5}'],
      ['{"method":"auth.test","fault":{"kind":"hang"},"times":"2"}'],
      ['{"method":"auth.test","fault":{"kind":"status","status":"429"}}'],
      ['{"method":"auth.test","fault":{"kind":"status","status":600}}'],
      ['{"method":"auth.test","fault":{"kind":"status","status":500,"body":5}}'],
      ['{"method":"auth.test","fault":{"kind":"status","status":429,"retryAfter":-1}}'],
      ['{"method":"auth.test","fault":{"kind":"delay"}}'],
      ['{"method":"auth.test","fault":{"kind":"delay","ms":1e9}}'],
    ];
    for (const [body, type] of bad) {
      const answer = await postJson(control, body, type);
      assert.equal(answer.status, 400, body);
      assert.equal(answer.headers.get('content-type'), 'application/json; charset=utf-8');
      const json = (await answer.json()) as Json;
      assert.equal(json.error, 'invalid_fault', body);
      assert.equal(typeof json.message, 'string');
    }
    assert.deepEqual(emu.emulator.pendingFaults(), []);
  });
});

interface Received {
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  json: Json;
}

/** A stand-in for the app's POST /slack/events: keeps the raw body and headers, echoes url_verification challenges. */
async function startReceiver(t: TestContext, status = 200): Promise<{ url: string; received: Received[] }> {
  const server = Fastify();
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  const received: Received[] = [];
  server.post('/slack/events', async (request, reply) => {
    const raw = request.body as string;
    const json = JSON.parse(raw) as Json;
    received.push({ headers: { ...request.headers }, raw, json });
    if (json.type === 'url_verification') return reply.type('text/plain').send(json.challenge);
    return reply.code(status).send('');
  });
  const address = await server.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => server.close());
  return { url: `${address}/slack/events`, received };
}

/** Slack's check, written out with node:crypto rather than through the emulator's own signing code. */
function signatureValid(secret: string, received: Received): boolean {
  const timestamp = received.headers['x-slack-request-timestamp'];
  const signature = received.headers['x-slack-signature'];
  const expected = `v0=${createHmac('sha256', secret)
    .update(`v0:${String(timestamp)}:${received.raw}`)
    .digest('hex')}`;
  return (
    typeof signature === 'string' &&
    signature.length === expected.length &&
    timingSafeEqual(Buffer.from(signature), Buffer.from(expected))
  );
}

function authTestWith(emu: Emu, token: string): Promise<Json> {
  return exchangeLike(emu, 'auth.test', { token });
}

describe('events: request signing and delivery', () => {
  test("signSlackRequest matches Slack's official test vector", () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const expected = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
    assert.equal(signSlackRequest('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, body), expected);
    assert.equal(signSlackRequest('8f742231b10e8888abcd99yyyzzz85a5', '1531420618', Buffer.from(body)), expected);
  });

  test('sendEvent POSTs the exact JSON, signed with the app secret and timestamp, to the events URL', async (t) => {
    const emu = await startEmulator(t);
    const receiver = await startReceiver(t);
    emu.emulator.setEventsUrl(APP.appId, receiver.url);
    emu.clock.now = 1_700_000_000_500;
    const envelope = emu.emulator.eventCallback('T0ACME0001', APP.appId, { type: 'app_uninstalled' });
    assert.deepEqual(await emu.emulator.sendEvent(APP.appId, envelope), { status: 200, body: '' });

    const [got] = receiver.received;
    assert.ok(got);
    assert.equal(got.raw, JSON.stringify(envelope));
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['x-slack-request-timestamp'], '1700000000');
    assert.match(String(got.headers['x-slack-signature']), /^v0=[0-9a-f]{64}$/);
    assert.ok(signatureValid(SIGNING_SECRET, got));
    assert.equal(got.headers['x-slack-retry-num'], undefined);
    const { event_id: eventId, ...rest } = got.json;
    assert.match(eventId, /^Ev[A-Z0-9]{10}$/);
    assert.deepEqual(rest, {
      token: 'vErIfIcAtIoNtOkEn',
      team_id: 'T0ACME0001',
      api_app_id: APP.appId,
      event: { type: 'app_uninstalled' },
      type: 'event_callback',
      event_time: 1_700_000_000,
    });
    assert.deepEqual(Object.keys(got.json), [
      'token',
      'team_id',
      'api_app_id',
      'event',
      'type',
      'event_id',
      'event_time',
    ]);
  });

  test('sendEvent can forge a timestamp or a secret, and envelopes can be Enterprise Grid ones', async (t) => {
    const emu = await startEmulator(t);
    const receiver = await startReceiver(t);
    emu.emulator.setEventsUrl(APP.clientId, receiver.url);
    const grid = emu.emulator.eventCallback(
      'T0ACME0001',
      APP.appId,
      { type: 'app_uninstalled' },
      { enterpriseId: 'E0GRID0001', isEnterpriseInstall: true },
    );
    assert.equal(grid.enterprise_id, 'E0GRID0001');
    assert.equal(grid.is_enterprise_install, true);
    await emu.emulator.sendEvent(APP.appId, grid, { timestamp: 1531420618, signingSecret: 'not-the-secret' });
    const [got] = receiver.received;
    assert.equal(got!.headers['x-slack-request-timestamp'], '1531420618');
    assert.equal(signatureValid(SIGNING_SECRET, got!), false);
    assert.ok(signatureValid('not-the-secret', got!));
    assert.equal(emu.emulator.eventCallback('T0ACME0001', APP.appId, { type: 'x' }).enterprise_id, undefined);
  });

  test('url_verification carries the app token and a challenge the app echoes', async (t) => {
    const emu = await startEmulator(t);
    const receiver = await startReceiver(t);
    emu.emulator.setEventsUrl(APP.appId, receiver.url);
    const challenge = emu.emulator.urlVerification(APP.appId);
    assert.equal(challenge.type, 'url_verification');
    assert.equal(challenge.token, 'vErIfIcAtIoNtOkEn');
    assert.match(challenge.challenge, /^[A-Za-z0-9]{52}$/);
    assert.deepEqual(await emu.emulator.sendEvent(APP.appId, challenge), { status: 200, body: challenge.challenge });
    assert.deepEqual(emu.emulator.urlVerification(APP.appId, 'fixed'), {
      token: 'vErIfIcAtIoNtOkEn',
      challenge: 'fixed',
      type: 'url_verification',
    });
    assert.ok(signatureValid(SIGNING_SECRET, receiver.received[0]!));
  });

  test('apps take signingSecret and eventsUrl in the constructor (as demo mode does); bad ones and unknown apps are refused', async (t) => {
    const receiver = await startReceiver(t);
    const emulator = new SlackEmulator({
      apps: [{ ...OTHER, signingSecret: 'demo-secret', eventsUrl: receiver.url }],
      publicUrl: 'http://localhost/_emulator',
    });
    assert.equal((await emulator.sendEvent(OTHER.appId, emulator.urlVerification(OTHER.appId, 'c'))).body, 'c');
    assert.ok(signatureValid('demo-secret', receiver.received[0]!));
    // Without one, an app gets a random secret shaped like Slack's.
    assert.match(
      new SlackEmulator({ apps: [OTHER], publicUrl: 'http://x' }).app(OTHER.clientId)!.signingSecret,
      /^[0-9a-f]{32}$/,
    );

    assert.throws(
      () => new SlackEmulator({ apps: [{ ...OTHER, eventsUrl: 'ftp://x/events' }], publicUrl: 'http://x' }),
      TypeError,
    );
    assert.throws(() => new SlackEmulator({ apps: [{ ...OTHER, signingSecret: '' }], publicUrl: 'http://x' }));
    assert.throws(
      () => new SlackEmulator({ apps: [OTHER, { ...APP, appId: OTHER.appId }], publicUrl: 'http://x' }),
      /duplicate emulator app id/,
    );
    assert.throws(() => emulator.setEventsUrl(OTHER.appId, 'not a url'), TypeError);
    assert.throws(() => emulator.setEventsUrl('A0NOPE0001', receiver.url), {
      name: 'EmulatorError',
      code: 'unknown_app',
    });
    await assert.rejects(emulator.sendEvent('A0NOPE0001', {}), { code: 'unknown_app' });
    emulator.setEventsUrl(OTHER.appId, undefined);
    await assert.rejects(
      emulator.sendEvent(OTHER.appId, {}),
      (error) => error instanceof EmulatorError && error.code === 'no_events_url',
    );
  });

  test('sendEvent rejects with connection_failed when nothing listens at the events URL', async (t) => {
    const emu = await startEmulator(t);
    const gone = Fastify();
    const address = await gone.listen({ port: 0, host: '127.0.0.1' });
    await gone.close();
    emu.emulator.setEventsUrl(APP.appId, `${address}/slack/events`);
    await assert.rejects(
      emu.emulator.sendEvent(APP.appId, {}),
      (error) => error instanceof EventDeliveryError && error.reason === 'connection_failed',
    );
  });
});

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
        authorizeUrl(emu, {
          client_id: APP.clientId,
          scope: 'incoming-webhook',
          redirect_uri: REDIRECT,
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
