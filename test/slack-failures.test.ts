import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { Fault } from '../src/emulator/faults.js';
import { loggerOptions } from '../src/logger.js';
import { Browser, install, startApp, startEmulator, webhookUrlFrom } from './helpers.js';

async function withFault(t: Parameters<typeof startApp>[0], fault: Fault, env: Record<string, string> = {}) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const emu = await startEmulator(t);
  const { app } = await startApp(
    t,
    { LOG_LEVEL: 'info', ...env },
    { emu, logger: { logger: { ...loggerOptions('info'), stream } } },
  );
  emu.emulator.failNext('oauth.v2.access', fault);
  const result = await install(new Browser(), app.installUrl);
  return { ...result, app, logs: lines.join('') };
}

async function assertUnreachablePage(r: {
  res: Response;
  html: string;
  app: { store: { installations: { count(): Promise<number> } } };
}) {
  assert.equal(r.res.status, 502, r.html);
  assert.match(r.html, /Slack could not be reached/);
  assert.match(r.html, /id="retry"/);
  assert.equal(await r.app.store.installations.count(), 0, 'nothing stored');
}

test('a 429 whose Retry-After fits in the timeout is retried once, and the install completes', async (t) => {
  const r = await withFault(t, { kind: 'status', status: 429, retryAfter: 1 });
  assert.equal(r.res.status, 200, r.html);
  assert.ok(webhookUrlFrom(r.html));
  assert.equal(await r.app.store.installations.count(), 1);
});

test('a 429 whose Retry-After does not fit in SLACK_TIMEOUT_MS ends on the could-not-be-reached page at once', async (t) => {
  // A timeout long enough that Slack's own answer always arrives in it, however loaded the machine.
  const r = await withFault(t, { kind: 'status', status: 429, retryAfter: 300 }, { SLACK_TIMEOUT_MS: '60000' });
  await assertUnreachablePage(r);
  // It gave up at once on the 429 rather than waiting into the timeout.
  assert.match(r.logs, /rate limited, Retry-After 300s/);
});

test('two 429s in a row are not retried twice', async (t) => {
  const emu = await startEmulator(t);
  const { app } = await startApp(t, {}, { emu });
  emu.emulator.failNext('oauth.v2.access', { kind: 'status', status: 429, retryAfter: 1 }, 2);
  await assertUnreachablePage({ ...(await install(new Browser(), app.installUrl)), app });
});

for (const [name, fault] of [
  ['a 500 answer', { kind: 'status', status: 500 }],
  ['a 503 answer', { kind: 'status', status: 503 }],
  ['an answer that is not JSON', { kind: 'malformed' }],
  ['a connection reset', { kind: 'reset' }],
] as Array<[string, Fault]>) {
  test(`${name} from oauth.v2.access ends on the could-not-be-reached page, with the reason in the log`, async (t) => {
    const r = await withFault(t, fault);
    await assertUnreachablePage(r);
    assert.match(r.logs, /"reason":"(unreachable|malformed)/);
  });
}

test('Slack not answering within SLACK_TIMEOUT_MS ends on the could-not-be-reached page in time', async (t) => {
  const r = await withFault(t, { kind: 'hang' }, { SLACK_TIMEOUT_MS: '700' });
  await assertUnreachablePage(r);
  assert.match(r.logs, /timed out after 700 ms/);
});

test("the error codes written out to keep @slack/web-api out of start-up are the SDK's own", async () => {
  const { ErrorCode } = await import('@slack/web-api');
  const { ErrorCode: ours } = await import('../src/slack/oauth-access.js');
  for (const [name, value] of Object.entries(ours))
    assert.equal(ErrorCode[name as keyof typeof ErrorCode], value, name);
});
