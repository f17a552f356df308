import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Browser, install, startServerProcess, webhookUrlFrom } from './helpers.js';

test('npm start without Slack credentials gives a working install flow against the built-in emulator', async (t) => {
  const server = await startServerProcess(t, { LOG_LEVEL: 'info' });
  assert.match(server.output(), /DEMO MODE/);
  assert.match(server.installUrl, /^http:\/\/localhost:\d+\/slack\/install\/[A-Za-z0-9_-]{32,}$/);

  const browser = new Browser();
  const { res, html, callback } = await install(browser, server.installUrl);
  assert.equal(res.status, 200, html);
  assert.match(html, /id="demo-banner"/);
  const webhookUrl = webhookUrlFrom(html);
  assert.ok(webhookUrl.startsWith(`${server.url}/_emulator/services/`));
  const post = await fetch(webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"text":"demo says hi"}',
  });
  assert.equal(await post.text(), 'ok');
  const emulatorPage = await (await fetch(`${server.url}/_emulator`)).text();
  assert.match(emulatorPage, /demo says hi/);

  assert.equal(await server.stop('SIGTERM'), 0, 'SIGTERM ends the process cleanly');
  // Apart from the one banner, no log line carries the install secret, the webhook, the code or the state.
  const logs = server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'));
  assert.ok(logs.length > 3);
  const callbackUrl = new URL(callback);
  const secrets = [
    server.installUrl.split('/').pop()!,
    webhookUrl,
    webhookUrl.split('/').pop()!,
    callbackUrl.searchParams.get('code')!,
    callbackUrl.searchParams.get('state')!,
  ];
  for (const line of logs)
    for (const secret of secrets) assert.ok(!line.includes(secret), `log line leaks a secret: ${line}`);
});

test('in production, missing Slack credentials stop the server with a message naming them', () => {
  const run = spawnSync(process.execPath, [join(process.cwd(), 'dist', 'server.js')], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are required/);
});
