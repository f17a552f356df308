// cli verify and verifyInstallations: dead webhooks found and revoked.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { verifyInstallations, type Output } from '../src/cli/verify.js';
import type { WebhookCheck } from '../src/slack/webhooks.js';
import { Browser, freePort, install, startApp, tempDir, webhookUrlFrom } from './helpers.js';
import { cliAsync, installation } from './support/cli.js';

/** An Output that keeps what is written. */
function sink(isTTY: boolean): Output & { text: string } {
  const out = {
    text: '',
    isTTY,
    write(s: string) {
      out.text += s;
      return true;
    },
  };
  return out;
}

test('verifyInstallations: a few checks at a time, dead ones revoked, progress only on a terminal', async () => {
  const outcomes: Record<string, WebhookCheck> = {
    u1: { outcome: 'live' },
    u2: { outcome: 'dead', reason: 'no_service' },
    u3: { outcome: 'unknown', detail: 'HTTP 503' },
    u4: { outcome: 'dead', reason: 'channel_is_archived' },
    u5: { outcome: 'live' },
    u6: { outcome: 'live' },
    u7: { outcome: 'live' },
  };
  const targets = Object.keys(outcomes).map((url, i) => ({ id: i + 1, webhookUrl: url }));
  for (const tty of [true, false]) {
    let inFlight = 0;
    let most = 0;
    const revoked: Array<[number, string]> = [];
    const out = sink(false);
    const progress = sink(tty);
    const summary = await verifyInstallations(targets, {
      check: async (url) => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5 + (url.charCodeAt(1) % 3) * 5));
        inFlight -= 1;
        if (url === 'u6') throw new Error('boom');
        return outcomes[url]!;
      },
      revoke: async (id, reason) => {
        revoked.push([id, reason]);
        return id !== 4; // #4 was revoked meanwhile, by the server
      },
      concurrency: 3,
      out,
      progress,
    });
    assert.equal(most, 3, 'three checks at a time, no more');
    assert.deepEqual(summary, { checked: 7, live: 3, dead: 2, unknown: 2 });
    assert.deepEqual(revoked.sort(), [
      [2, 'webhook dead: no_service'],
      [4, 'webhook dead: channel_is_archived'],
    ]);
    assert.deepEqual(out.text.split('\n').filter(Boolean).sort(), [
      '#2 dead (no_service): revoked',
      '#3 unknown (HTTP 503): left as it is',
      '#4 dead (channel_is_archived): revoked already',
      '#6 unknown (boom): left as it is',
    ]);
    if (tty) {
      assert.ok(progress.text.startsWith('\r[0/7] checking…'), JSON.stringify(progress.text));
      assert.ok(progress.text.includes('\r[7/7] checking…'));
      assert.ok(progress.text.endsWith('\r\u001b[K'), 'the progress line is cleared at the end');
    } else {
      assert.equal(progress.text, '', 'no progress when not on a terminal');
    }
  }
});

test('cli verify: the dead webhook is revoked, the unknown and the live ones are left, nothing is posted, exit 1', async (t) => {
  const key = randomBytes(32).toString('base64');
  const { app, emu, config } = await startApp(t, { ENCRYPTION_KEY: key });
  const urls: string[] = [];
  for (let i = 0; i < 3; i++) {
    const { res, html } = await install(new Browser(), app.installUrl);
    assert.equal(res.status, 200, html);
    urls.push(webhookUrlFrom(html));
  }
  const ids = (await app.store.installations.list()).map((r) => r.id);
  assert.equal(ids.length, 3);
  assert.ok(emu.emulator.killWebhook(urls[1]!));
  const posted = emu.emulator.messages().length;
  const env = { DATABASE_PATH: config.databasePath, ENCRYPTION_KEY: key };
  const dir = tempDir(t);

  // One at a time, so that the 503 (which "Slack" answers to the next webhook request, whatever the URL) is the first's.
  emu.emulator.failNext('webhook', { kind: 'status', status: 503 });
  const run = await cliAsync(dir, ['verify', '--all', '--concurrency', '1'], env);
  assert.equal(run.code, 1, `an unknown answer makes it fail: ${run.stderr}`);
  assert.deepEqual(emu.emulator.pendingFaults(), [], 'the 503 was played to verify');
  assert.deepEqual(run.stdout.split('\n'), [
    `#${ids[0]} unknown (HTTP 503): left as it is`,
    `#${ids[1]} dead (no_service): revoked`,
    'checked 3: 1 live, 1 dead (revoked), 1 unknown',
    '',
  ]);
  assert.ok(
    !run.stderr.includes('\r') && !run.stderr.includes('checking'),
    'no progress when stderr is not a terminal',
  );
  for (const url of urls)
    assert.ok(!run.stdout.includes(url) && !run.stderr.includes(url), 'no webhook URL in the report');

  // Read back through the running server's own store.
  const [unknown, dead, live] = await Promise.all(ids.map(async (id) => (await app.store.installations.get(id))!));
  assert.equal(dead!.revokedReason, 'webhook dead: no_service');
  assert.ok(dead!.revokedAt !== null);
  assert.equal(unknown!.revokedAt, null, 'unknown: left as it is');
  assert.equal(live!.revokedAt, null, 'live: left as it is');
  assert.equal(emu.emulator.messages().length, posted, 'verify posted nothing into any channel');

  // Default concurrency; only active installations are checked, and now every one answers.
  const again = await cliAsync(dir, ['verify', '--all'], env);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, 'checked 2: 2 live, 0 dead (revoked), 0 unknown\n');

  const one = await cliAsync(dir, ['verify', String(ids[2])], env);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(one.stdout, 'checked 1: 1 live, 0 dead (revoked), 0 unknown\n');

  // A webhook that does not answer in SLACK_TIMEOUT_MS is unknown, not dead.
  emu.emulator.failNext('webhook', { kind: 'hang' });
  const hung = await cliAsync(dir, ['verify', String(ids[0])], { ...env, SLACK_TIMEOUT_MS: '300' });
  assert.equal(hung.code, 1);
  assert.match(hung.stdout, new RegExp(`^#${ids[0]} unknown \\(timed out after 300 ms\\): left as it is$`, 'm'));
  assert.equal((await app.store.installations.get(ids[0]!))!.revokedAt, null);

  const revoked = await cliAsync(dir, ['verify', String(ids[1])], env);
  assert.equal(revoked.code, 1);
  assert.match(revoked.stderr, /is revoked .*webhook dead: no_service.*only active installations are checked/);
  const missing = await cliAsync(dir, ['verify', '999'], env);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'no installation 999\n');
  for (const bad of [
    [],
    ['1', '--all'],
    ['1', '2'],
    ['--all', '--concurrency', '0'],
    ['--all', '--concurrency', 'many'],
    ['x'],
  ]) {
    const run = await cliAsync(dir, ['verify', ...bad], env);
    assert.equal(run.code, 2, `verify ${bad.join(' ')}: ${run.stderr}`);
  }
  assert.equal(emu.emulator.messages().length, posted, 'still nothing posted');
});

test('cli verify --all, in parallel: each result goes to its own installation', async (t) => {
  const key = randomBytes(32).toString('base64');
  const { app, emu, config } = await startApp(t, { ENCRYPTION_KEY: key });
  const urls: string[] = [];
  for (let i = 0; i < 8; i++) urls.push(webhookUrlFrom((await install(new Browser(), app.installUrl)).html));
  // One whose host refuses connections: no answer, so unknown.
  const refused = `http://127.0.0.1:${await freePort()}/services/T0ACME0001/B0REFUSED/secret`;
  const refusedId = await app.store.installations.insert(installation({ team: 'T0ACME0001', url: refused }));
  const byUrl = new Map((await app.store.installations.list()).map((r) => [r.webhookUrl, r.id]));
  const killed = [urls[0]!, urls[3]!, urls[7]!];
  for (const url of killed) assert.ok(emu.emulator.killWebhook(url));
  const posted = emu.emulator.messages().length;

  const run = await cliAsync(tempDir(t), ['verify', '--all'], {
    DATABASE_PATH: config.databasePath,
    ENCRYPTION_KEY: key,
  });
  assert.equal(run.code, 1, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  assert.equal(lines.at(-1), 'checked 9: 5 live, 3 dead (revoked), 1 unknown');
  assert.deepEqual(
    lines.slice(0, -1).sort(),
    [
      ...killed.map((url) => `#${byUrl.get(url)} dead (no_service): revoked`),
      `#${refusedId} unknown (ECONNREFUSED): left as it is`,
    ].sort(),
  );
  for (const record of await app.store.installations.list()) {
    const dead = killed.includes(record.webhookUrl);
    assert.equal(record.revokedReason, dead ? 'webhook dead: no_service' : null, `#${record.id}`);
  }
  assert.equal(emu.emulator.messages().length, posted, 'nothing posted');
});
