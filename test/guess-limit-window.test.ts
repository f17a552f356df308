// The limit on guessing, pinned at its edges with a mocked clock (node:test's Date mock, which the limiter reads
// too): RATE_LIMIT_FAILURES failures per RATE_LIMIT_WINDOW_MS, counted per address from the first failure.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import Fastify from 'fastify';
import { loggerOptions } from '../src/logger.js';
import guessLimit from '../src/plugins/guess-limit.js';
import { startApp, testConfig } from './helpers.js';

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const WINDOW_MS = 60_000;

/** The server with a limit of 3 failures a minute, the clock stopped at a round time; ticks move it. */
async function limited(t: TestContext, logger?: NonNullable<Parameters<typeof startApp>[2]>['logger']) {
  t.mock.timers.enable({ apis: ['Date'], now: 1_800_000_000_000 });
  const running = await startApp(
    t,
    { RATE_LIMIT_FAILURES: '3', RATE_LIMIT_WINDOW_MS: String(WINDOW_MS), LOG_LEVEL: 'info' },
    logger === undefined ? {} : { logger },
  );
  /** A wrong install secret from `from`: a 404 while allowed, a 429 once the address is paused. */
  const guess = async (from = '203.0.113.7', headers: Record<string, string> = {}) =>
    running.app.inject({ url: '/slack/install/a-wrong-secret', remoteAddress: from, headers });
  const tick = (ms: number) => t.mock.timers.tick(ms);
  return { ...running, guess, tick };
}

test('the third failure is allowed and counted; the fourth request waits out the rest of the window', async (t) => {
  const { guess, tick } = await limited(t);
  assert.equal((await guess()).statusCode, 404);
  tick(10_000);
  assert.equal((await guess()).statusCode, 404);
  assert.equal((await guess()).statusCode, 404, 'the third failure is still answered');
  const paused = await guess();
  assert.equal(paused.statusCode, 429);
  assert.equal(paused.headers['retry-after'], '50', 'the window runs from the first failure, not the last');
  tick(WINDOW_MS - 10_000 - 1);
  const last = await guess();
  assert.equal(last.statusCode, 429, 'one millisecond before the window ends');
  assert.equal(last.headers['retry-after'], '1');
  tick(1);
  assert.equal((await guess()).statusCode, 404, 'the window has ended: the address may try again');
  assert.equal((await guess()).statusCode, 404);
  assert.equal((await guess()).statusCode, 404);
  assert.equal((await guess()).statusCode, 429, 'and a new window counts from that failure');
});

test('requests that succeed neither count nor end a pause; a pause covers the install link too', async (t) => {
  const { app, guess } = await limited(t);
  const real = app.installUrl.slice(app.installUrl.indexOf('/slack/install/'));
  const install = (from = '203.0.113.7') => app.inject({ url: real, remoteAddress: from });
  assert.equal((await guess()).statusCode, 404);
  for (let i = 0; i < 5; i++) assert.equal((await install()).statusCode, 302, 'a good link, between failures');
  assert.equal((await guess()).statusCode, 404);
  assert.equal((await install()).statusCode, 302);
  assert.equal((await guess()).statusCode, 404, 'three failures, however many successes between them');
  assert.equal((await install()).statusCode, 429, 'the good link waits too');
  assert.equal((await guess()).statusCode, 429);
});

test('each address has its own allowance, also when two addresses guess in turn; IPv6 counts by /64', async (t) => {
  const { guess } = await limited(t);
  for (let i = 0; i < 3; i++) {
    assert.equal((await guess('198.51.100.1')).statusCode, 404);
    assert.equal((await guess('198.51.100.2')).statusCode, 404);
  }
  assert.equal((await guess('198.51.100.1')).statusCode, 429);
  assert.equal((await guess('198.51.100.2')).statusCode, 429);
  assert.equal((await guess('198.51.100.3')).statusCode, 404, 'a third address is not paused');

  // One /64 is one client (a host there has all of its addresses); the next /64 is another.
  assert.equal((await guess('2001:db8:0:1::a')).statusCode, 404);
  assert.equal((await guess('2001:db8:0:1::b')).statusCode, 404);
  assert.equal((await guess('2001:db8:0:1:ffff::c')).statusCode, 404);
  assert.equal((await guess('2001:db8:0:1::d')).statusCode, 429);
  assert.equal((await guess('2001:db8:0:2::a')).statusCode, 404);
});

test('a paused script gets one line of plain text, uncached; a person gets a page that says why and what to do', async (t) => {
  const { guess } = await limited(t);
  for (let i = 0; i < 3; i++) await guess();
  const script = await guess();
  assert.equal(script.statusCode, 429);
  assert.equal(script.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(script.headers['cache-control'], 'no-store');
  assert.equal(script.headers['retry-after'], '60');
  assert.equal(script.body, 'Too many failed attempts from this address. Try again in 60 seconds.\n');

  const page = await guess(undefined, HTML);
  assert.equal(page.statusCode, 429);
  assert.equal(page.headers['cache-control'], 'no-store');
  assert.match(page.body, /so this page is paused for a while\. Try again in 1 minute\./);
  assert.match(
    page.body,
    /If many people share this network \(an office, a VPN\), one of them may have mistyped a link: waiting is all it takes\./,
  );
});

test('no answer advertises the limiter (no X-RateLimit headers), paused or not', async (t) => {
  const { app, guess } = await limited(t);
  const answers = [
    await guess(),
    await app.inject({ url: '/healthz' }),
    await app.inject({ url: app.installUrl.slice(app.installUrl.indexOf('/slack/install/')) }),
  ];
  for (let i = 0; i < 3; i++) answers.push(await guess());
  assert.equal(answers.at(-1)!.statusCode, 429);
  for (const answer of answers)
    assert.deepEqual(
      Object.keys(answer.headers).filter((h) => h.startsWith('x-ratelimit')),
      [],
      answer.statusCode.toString(),
    );
});

test('the log says once, without the guess, that an address used up its allowance', async (t) => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const { guess } = await limited(t, { logger: { ...loggerOptions('info'), stream } });
  const reached = () =>
    lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg?.toString().includes('limit'));
  await guess();
  await guess();
  assert.deepEqual(reached(), [], 'not before the allowance is used up');
  await guess();
  for (let i = 0; i < 3; i++) await guess();
  const logged = reached();
  assert.equal(logged.length, 1, JSON.stringify(logged));
  assert.equal(logged[0]!.msg, 'client reached the limit of failed requests');
  assert.equal(logged[0]!.level, 40, 'a warning');
  assert.equal(logged[0]!.client, '203.0.113.7');
  assert.equal(logged[0]!.maxFailures, 3);
  assert.equal(logged[0]!.windowMs, WINDOW_MS);
  assert.ok(!lines.some((l) => l.includes('a-wrong-secret') && l.includes('limit')), 'the guess is not repeated');
});

test('registered without the pages plugin that renders its pause page, the limit stops start-up naming both', async (t) => {
  const app = Fastify();
  t.after(() => app.close());
  await assert.rejects(
    async () => {
      await app.register(guessLimit, { config: testConfig({}) });
      await app.ready();
    },
    { message: "The dependency 'pages' of plugin 'guess-limit' is not registered" },
  );
});
