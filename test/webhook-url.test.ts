// A webhook URL from Slack's answer is stored and shown only if it is https on Slack's webhook hosts (or an origin
// the operator named) with a /services/… path of URL-safe characters; snippets quote it for their language.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { loggerOptions } from '../src/logger.js';
import { shellQuoted, tomlQuoted, webhookUrlProblem } from '../src/slack/webhook-url.js';
import { Browser, decodeEntities, install, startApp, startEmulator } from './helpers.js';

const SLACK_BASES = ['https://hooks.slack.com', 'https://hooks.slack-gov.com'];
const GOOD = 'https://hooks.slack.com/services/T9TK3CUKW/BXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX';

/**
 * oauth.v2.access's answer for a workspace install with incoming-webhook: the v2 example of
 * https://docs.slack.dev/reference/methods/oauth.v2.access with the `incoming_webhook` object of "Grab incoming
 * webhook URL from the OAuth Response" (https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks,
 * its `url` with the `/services/` that page's example leaves out), as quoted in Slack's docs; `url` is the test's.
 */
function oauthAnswer(url: string): string {
  return JSON.stringify({
    ok: true,
    app_id: 'A0KRD7HC3',
    authed_user: { id: 'U1234' },
    scope: 'incoming-webhook',
    token_type: 'bot',
    access_token: 'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy',
    bot_user_id: 'U0KRQLJ9H',
    team: { id: 'T9TK3CUKW', name: 'Slack Softball Team' },
    enterprise: null,
    is_enterprise_install: false,
    incoming_webhook: {
      channel: '#channel-it-will-post-to',
      channel_id: 'C05002EAE',
      configuration_url: 'https://workspacename.slack.com/services/BXXXXX',
      url,
    },
  });
}

test('webhookUrlProblem accepts Slack’s webhook URLs and refuses every other shape, naming no part of the URL', () => {
  for (const ok of [GOOD, 'https://hooks.slack-gov.com/services/T1/B2/abc_DEF-123'])
    assert.equal(webhookUrlProblem(ok, SLACK_BASES), undefined, ok);
  const refused = [
    "https://hooks.slack.com/services/T1/B2/abc'$(touch /tmp/x)'",
    'https://hooks.slack.com/services/T1/B2/abc%27%24(x)',
    'https://hooks.slack.com/services/T1/B2/a b',
    'http://hooks.slack.com/services/T1/B2/abc',
    'https://hooks.slack.com.evil.example/services/T1/B2/abc',
    'https://evil.example/services/T1/B2/abc',
    'https://user:pw@hooks.slack.com/services/T1/B2/abc',
    'https://hooks.slack.com/services/T1/B2/abc?x=1',
    'https://hooks.slack.com/services/T1/B2/abc#x',
    'https://hooks.slack.com/services/T1//abc',
    'https://hooks.slack.com/services/',
    'https://hooks.slack.com/other/T1/B2/abc',
    'https://HOOKS.slack.com/services/T1/B2/abc',
    'https://hooks.slack.com:443/services/T1/B2/abc',
    'https://hooks.slack.com\\services\\T1\\B2\\abc',
    ' https://hooks.slack.com/services/T1/B2/abc',
    'javascript:alert(1)//hooks.slack.com/services/T1',
    'not a url',
  ];
  for (const bad of refused) {
    const problem = webhookUrlProblem(bad, SLACK_BASES);
    assert.ok(problem !== undefined, bad);
    assert.ok(!problem.includes('T1') && !problem.includes('abc'), `the reason names no part of ${bad}: ${problem}`);
  }
  assert.equal(
    webhookUrlProblem('http://127.0.0.1:9/_emulator/services/T1/B2/x', ['http://127.0.0.1:9/_emulator']),
    undefined,
  );
});

test('SLACK_WEBHOOK_ORIGINS adds origins (http only there); demo mode adds the emulator’s', () => {
  const creds = { SLACK_CLIENT_ID: '1.2', SLACK_CLIENT_SECRET: 's' };
  assert.deepEqual(loadConfig(creds).slack.webhookBases, SLACK_BASES);
  assert.deepEqual(
    loadConfig({ ...creds, SLACK_WEBHOOK_ORIGINS: 'http://10.0.0.5:8080, https://slack-proxy.example.com/hooks/' })
      .slack.webhookBases,
    [...SLACK_BASES, 'http://10.0.0.5:8080', 'https://slack-proxy.example.com/hooks'],
  );
  assert.deepEqual(loadConfig({ PORT: '4000' }).slack.webhookBases, [
    ...SLACK_BASES,
    'http://localhost:4000/_emulator',
  ]);
  assert.throws(() => loadConfig({ ...creds, SLACK_WEBHOOK_ORIGINS: 'ftp://x' }), /SLACK_WEBHOOK_ORIGINS/);
  assert.throws(() => loadConfig({ ...creds, SLACK_WEBHOOK_ORIGINS: 'https://x/?a=1' }), /SLACK_WEBHOOK_ORIGINS/);
});

test('an answer with a hostile webhook URL ends on the 502 page, stores nothing, logs why without the URL', async (t) => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const emu = await startEmulator(t);
  const { app } = await startApp(
    t,
    { LOG_LEVEL: 'info' },
    { emu, logger: { logger: { ...loggerOptions('info'), stream } } },
  );
  const hostile = [
    "https://hooks.slack.com/services/T9TK3CUKW/BXXXXX/abc'$(touch /tmp/x)'",
    "https://hooks.slack.com/services/T9TK3CUKW/BXXXXX/abc'$(touch${IFS}/tmp/x)'",
    'https://evil.example/services/T9TK3CUKW/BXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX',
    'http://hooks.slack.com/services/T9TK3CUKW/BXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX',
    'https://hooks.slack.com/services/T9TK3CUKW/BXXXXX/XXXX?then=evil',
  ];
  for (const url of hostile) {
    emu.emulator.failNext('oauth.v2.access', { kind: 'status', status: 200, body: oauthAnswer(url) });
    const { res, html } = await install(new Browser(), app.installUrl);
    assert.equal(res.status, 502, url);
    assert.match(html, /Unexpected answer from Slack/, url);
    assert.match(html, /nothing was stored/, url);
    assert.ok(!html.includes('touch') && !html.includes('evil.example'), url);
  }
  assert.equal(await app.store.installations.count(), 0, 'nothing stored');
  const log = lines.join('');
  assert.equal((log.match(/"reason":"malformed: webhook URL /g) ?? []).length, hostile.length, log);
  assert.ok(!log.includes('touch') && !log.includes('evil.example') && !log.includes('XXXXXXXX'), log);

  // Slack's own host is accepted, and its URL appears quoted for each snippet's language.
  emu.emulator.failNext('oauth.v2.access', { kind: 'status', status: 200, body: oauthAnswer(GOOD) });
  const { res, html } = await install(new Browser(), app.installUrl);
  assert.equal(res.status, 200, html);
  assert.equal(await app.store.installations.count(), 1);
  const text = decodeEntities(html);
  assert.ok(text.includes(`export SLACK_WEBHOOK_URL='${GOOD}'`), text);
  assert.ok(text.includes(`SLACK_WEBHOOK_URL = "${GOOD}"`));
  assert.ok(text.includes(`"}' '${GOOD}'</pre>`));
});

test('the snippets’ quoting holds for any value: a shell reads back exactly the value', () => {
  const nasty = `a'b"c$(touch /tmp/x)\`x\`\\n\n;|&`;
  const shell = spawnSync('/bin/sh', ['-c', `printf %s ${shellQuoted(nasty)}`], { encoding: 'utf8' });
  assert.equal(shell.stdout, nasty);
  assert.equal(tomlQuoted('a"b\\c\u0001'), '"a\\"b\\\\c\\u0001"');
  assert.equal(JSON.parse(tomlQuoted('a"b\\c')), 'a"b\\c', 'for these characters TOML and JSON strings agree');
});
