// `verify --all` at scale: bounded concurrency over a paged source, Slack's 429 waited out (never "dead"), a run
// that stops says where to resume, and --after resumes there. Waits are injected or taken from the emulator's
// Retry-After: nothing is judged by time.
import type { Installation } from '@slack/oauth';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { verifyAll, type VerifyTarget } from '../src/cli/verify.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { checkWebhook, retryAfterMs, type WebhookCheck } from '../src/slack/webhooks.js';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { ACME, startEmulator, TEST_APP, tempDir } from './helpers.js';

const CLI = join(process.cwd(), 'dist', 'src', 'cli.js');

function sink(isTTY = false) {
  const out = { text: '', isTTY, write: (s: string) => ((out.text += s), true) };
  return out;
}

async function* paged(count: number): AsyncGenerator<VerifyTarget> {
  for (let id = 1; id <= count; id++) yield { id, webhookUrl: `u${id}` };
}

test('verifyAll: at most N checks at a time over a paged source; a 429 is waited out for its Retry-After, then retried', async () => {
  let inFlight = 0;
  let most = 0;
  const tries = new Map<string, number>();
  const waits: number[] = [];
  let clock = 1_000_000;
  const out = sink();
  const run = await verifyAll(paged(40), {
    check: async (url) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      const n = (tries.get(url) ?? 0) + 1;
      tries.set(url, n);
      // u7 is rate-limited twice (Retry-After: 2 s, then none), u9 once (1.5 s); everything is live.
      if (url === 'u7' && n <= 2) return { outcome: 'limited', retryAfterMs: n === 1 ? 2000 : undefined };
      if (url === 'u9' && n === 1) return { outcome: 'limited', retryAfterMs: 1500 };
      return { outcome: 'live' };
    },
    revoke: () => assert.fail('nothing is dead'),
    concurrency: 8,
    out,
    progress: sink(),
    // A clock that moves only when verify waits.
    now: () => clock,
    wait: async (ms) => {
      waits.push(ms);
      const until = clock + ms;
      await new Promise((resolve) => setImmediate(resolve));
      clock = Math.max(clock, until);
    },
  });
  assert.equal(most, 8, 'eight at a time, no more');
  assert.deepEqual(run.summary, { checked: 40, live: 40, dead: 0, unknown: 0 });
  assert.equal(run.rateLimited, 3);
  assert.equal(tries.get('u7'), 3);
  assert.equal(tries.get('u9'), 2);
  assert.equal(run.doneThrough, 40);
  assert.equal(run.stopped, undefined);
  assert.equal(out.text, '', 'a rate limit is not reported as a problem of the webhook');
  // u7 waited 2 s (its Retry-After), then 1 s (no Retry-After: the first fallback), one after the other; u9's
  // 1.5 s overlaps them or follows. Every check holds off meanwhile, so no wait is shorter than what is left.
  const waited = clock - 1_000_000;
  assert.ok(waited >= 3000 && waited <= 4500, `waited ${waited} ms: ${waits.join(', ')}`);
});

test('verifyAll: Slack answering nothing but 429 stops the run, resumable; no webhook is called unknown or dead', async () => {
  const out = sink();
  let clock = 0;
  const run = await verifyAll(paged(20), {
    check: async (url) => (url === 'u1' ? { outcome: 'live' } : { outcome: 'limited', retryAfterMs: 1000 }),
    revoke: () => assert.fail('a 429 never revokes'),
    concurrency: 2,
    out,
    progress: sink(),
    maxPauses: 3,
    now: () => clock,
    wait: async (ms) => {
      const until = clock + ms;
      await new Promise((resolve) => setImmediate(resolve));
      clock = Math.max(clock, until);
    },
  });
  assert.equal(run.stopped, 'Slack kept answering 429 through 3 pauses');
  assert.deepEqual(run.summary, { checked: 1, live: 1, dead: 0, unknown: 0 });
  assert.equal(run.doneThrough, 1, 'resume after #1');
  assert.equal(out.text, '');
  assert.equal(clock, 3000, 'three pauses of the Retry-After, each shared by both checks under way');
});

test('verifyAll: a Retry-After too long, or an interrupt, stops the run; doneThrough is where to resume', async () => {
  const checked: number[] = [];
  const long = await verifyAll(paged(30), {
    check: async (url) => {
      checked.push(Number(url.slice(1)));
      return url === 'u12' ? { outcome: 'limited', retryAfterMs: 3_600_000 } : { outcome: 'live' };
    },
    revoke: () => false,
    concurrency: 1,
    out: sink(),
    progress: sink(),
  });
  assert.match(long.stopped ?? '', /Slack asked to wait 3600 s/);
  assert.equal(long.doneThrough, 11, 'everything before #12 was checked');
  assert.deepEqual(long.summary, { checked: 11, live: 11, dead: 0, unknown: 0 });

  const abort = new AbortController();
  const started: number[] = [];
  const interrupted = await verifyAll(paged(100), {
    check: async (url) => {
      const id = Number(url.slice(1));
      started.push(id);
      if (id === 20) abort.abort(); // Ctrl-C while #20 is checked
      await new Promise((resolve) => setImmediate(resolve));
      return { outcome: 'live' } satisfies WebhookCheck;
    },
    revoke: () => false,
    concurrency: 4,
    out: sink(),
    progress: sink(),
    signal: abort.signal,
  });
  assert.equal(interrupted.stopped, 'interrupted');
  assert.ok(Math.max(...started) <= 23, 'no check starts after the interrupt');
  assert.equal(interrupted.summary.checked, started.length, 'those under way finished');
  assert.equal(interrupted.doneThrough, Math.max(...started), 'all taken ones finished, so resume after the last');
});

test('verifyAll on a terminal: one progress line with the counts, rewritten in place and cleared at the end', async () => {
  const progress = sink(true);
  await verifyAll(paged(3), {
    check: async () => ({ outcome: 'live' }),
    revoke: () => false,
    concurrency: 2,
    out: sink(),
    progress,
    total: 3,
  });
  assert.ok(progress.text.startsWith('\r[0/3] checking… 0 live, 0 dead, 0 unknown\u001b[K'), progress.text);
  assert.ok(progress.text.includes('\r[3/3] checking… 3 live, 0 dead, 0 unknown\u001b[K'));
  assert.ok(progress.text.endsWith('\r\u001b[K'));
  assert.ok(!progress.text.includes('\n'), 'one line, never scrolled');
});

test('checkWebhook: 429 is "limited" with Retry-After in seconds or as a date, whatever the body', () => {
  assert.equal(retryAfterMs('7'), 7000);
  assert.equal(retryAfterMs(null), undefined);
  assert.equal(retryAfterMs('soon'), undefined);
  const now = Date.parse('2026-01-31T12:00:00Z');
  assert.equal(retryAfterMs('Sat, 31 Jan 2026 12:00:30 GMT', now), 30_000);
  assert.equal(retryAfterMs('Sat, 31 Jan 2026 11:00:00 GMT', now), 0);
});

function installation(url: string, channel: string): Installation {
  return {
    team: { id: ACME, name: 'Acme' },
    enterprise: undefined,
    isEnterpriseInstall: false,
    user: { id: 'U1', token: undefined, scopes: undefined },
    bot: undefined,
    incomingWebhook: { url, channel: `#${channel}`, channelId: channel },
    appId: TEST_APP.appId,
  };
}

function cliAsync(cwd: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('cli verify --all against the emulator: 429s with Retry-After are waited out and nothing is revoked; --after resumes', async (t) => {
  const emu = await startEmulator(t);
  // Real webhooks of the emulator, made by its own install step, stored through the store as the server does.
  const urls = ['C0ACME0001', 'C0ACME0002', 'C0ACME0003', 'C0ACME0004'].map((channel) => {
    const grant = { clientId: TEST_APP.clientId, redirectUri: undefined, teamId: ACME, scopes: ['incoming-webhook'] };
    const code = emu.emulator.issueCode({ ...grant, channel: { id: channel }, userId: 'U0ACME0001' });
    const done = emu.emulator.install(emu.emulator.takeCode(code)!, TEST_APP);
    assert.ok('webhook' in done && done.webhook !== undefined);
    return done.webhook.url;
  });
  const dir = tempDir(t);
  const key = randomBytes(32);
  const databasePath = join(dir, 'db.sqlite');
  const store = await SqliteStore.open(databasePath, new SecretBox(key));
  const ids: number[] = [];
  for (const [i, url] of urls.entries()) ids.push(await store.installations.insert(installation(url, `C${i}`)));
  await store.close();
  const env = { DATABASE_PATH: databasePath, ENCRYPTION_KEY: key.toString('base64'), SLACK_TIMEOUT_MS: '5000' };

  // Slack answers the next two webhook requests 429 with Retry-After: 1.
  emu.emulator.failNext('webhook', { kind: 'status', status: 429, retryAfter: 1 }, 2);
  const run = await cliAsync(dir, ['verify', '--all', '--concurrency', '2'], env);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    run.stdout,
    'checked 4: 4 live, 0 dead (revoked), 0 unknown; 2 rate-limited answer(s) waited out and retried\n',
  );
  assert.deepEqual(emu.emulator.pendingFaults(), [], 'both 429s were played to verify');

  const reopened = await SqliteStore.open(databasePath, new SecretBox(key));
  t.after(() => reopened.close());
  assert.equal(await reopened.installations.count({ revoked: true }), 0, 'a 429 never revokes');

  assert.ok(emu.emulator.killWebhook(urls[0]!));
  assert.ok(emu.emulator.killWebhook(urls[3]!));
  const resumed = await cliAsync(dir, ['verify', '--all', '--after', String(ids[1])], env);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(
    resumed.stdout,
    `#${ids[3]} dead (no_service): revoked\nchecked 2: 1 live, 1 dead (revoked), 0 unknown\n`,
    'only the installations after --after are checked',
  );
  assert.equal((await reopened.installations.get(ids[0]!))!.revokedAt, null, 'before --after: not checked');

  const bad = await cliAsync(dir, ['verify', String(ids[1]), '--after', '1'], env);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--after goes with --all/);
});

test('checkWebhook against the emulator: its 429 is "limited" with its Retry-After', async (t) => {
  const emu = await startEmulator(t);
  emu.emulator.failNext('webhook', { kind: 'status', status: 429, retryAfter: 3 });
  assert.deepEqual(await checkWebhook(`${emu.url}/services/${ACME}/B1/x`, 5000), {
    outcome: 'limited',
    retryAfterMs: 3000,
  });
});
