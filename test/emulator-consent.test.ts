// The emulator's consent page, GET and POST /oauth/v2/authorize.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  APP,
  CONFIGURED,
  REDIRECT,
  startEmulator,
  authorizeUrl,
  appAuthorizeUrl,
  type ConsentOptions,
  consent,
  install,
  postJson,
} from './support/emulator.js';

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
      appAuthorizeUrl(emu, {
        state: 's1',
        granular_bot_scope: '1',
      }),
    );
    assert.equal(res.status, 200);
    const html = await res.text();
    const links = [...html.matchAll(/<a href="([^"]+)" data-team="(T[A-Z0-9]+)">/g)];
    assert.deepEqual(
      links.map((m) => m[2]),
      ['T0ACME0001', 'T0GLOBEX01', 'T0NORTHW01', 'T0INITECH1', 'T0SCRIPT01'],
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
        appAuthorizeUrl(emu, {
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
      appAuthorizeUrl(emu, {
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
