import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeUrl } from '../src/logger.js';
import { stateCookieName } from '../src/slack/state-cookie.js';
import {
  Browser,
  consent,
  freePort,
  install,
  INSTALL_SECRET,
  startApp,
  startEmulator,
  TEST_APP,
  webhookUrlFrom,
} from './helpers.js';
import { captureLogs } from './support/logs.js';

test('no log line holds a webhook URL, a token, an OAuth code, a state, the client secret or the install secret', async (t) => {
  const logs = captureLogs('trace');
  const emu = await startEmulator(t);
  const { app, url } = await startApp(t, { LOG_LEVEL: 'trace' }, { emu, logger: logs.logger });
  const secrets: string[] = [INSTALL_SECRET, TEST_APP.clientSecret];
  const remember = (callback: string) => {
    const q = new URL(callback).searchParams;
    for (const k of ['code', 'state']) if (q.get(k)) secrets.push(q.get(k)!);
  };

  // Two good installs, and a bad one of each kind.
  for (let i = 0; i < 2; i++) {
    const done = await install(new Browser(), app.installUrl);
    remember(done.callback);
    const webhook = webhookUrlFrom(done.html);
    secrets.push(webhook, webhook.split('/').pop()!);
  }
  secrets.push((await app.store.installations.get(1))!.botToken!);
  const cancelled = await install(new Browser(), app.installUrl, { action: 'cancel' });
  remember(cancelled.callback);
  const browser = new Browser();
  const replayed = await install(browser, app.installUrl);
  remember(replayed.callback);
  await browser.get(replayed.callback); // replay
  const bad = new URL(await consent(new Browser(), app.installUrl));
  remember(bad.href);
  await new Browser().get(bad.href); // another browser
  emu.emulator.failNext('oauth.v2.access', { kind: 'status', status: 500 });
  remember((await install(new Browser(), app.installUrl)).callback);
  await fetch(`${url}/slack/install/wrong-${INSTALL_SECRET}`);
  await fetch(`${url}/slack/oauth_redirect?code=c0de-secret-value&state=st4te-secret-value`);
  secrets.push('c0de-secret-value', 'st4te-secret-value');

  assert.ok(logs.lines.length > 12, `${logs.lines.length} log lines captured`);
  assert.ok(logs.lines.some((l) => l.includes('install completed')));
  assert.ok(logs.lines.some((l) => l.includes('"reason":"access_denied"')));
  for (const line of logs.lines) {
    for (const secret of secrets)
      assert.ok(!line.includes(secret), `a log line holds ${secret.slice(0, 10)}…: ${line}`);
  }
});

test('the URL in a log line has no query string and no secret path segment', () => {
  const cases: Array<[string, string]> = [
    ['/slack/install/s3cret', '/slack/install/[redacted]'],
    ['/slack/install/s3cret/more?x=1', '/slack/install/[redacted]/more'],
    ['/slack/install/', '/slack/install/[redacted]'],
    ['/slack/oauth_redirect?code=123.456&state=abc', '/slack/oauth_redirect'],
    ['/_emulator/services/T1/B2/secretpart', '/_emulator/services/T1/B2/[redacted]'],
    ['/_emulator/services/T1/B2/secretpart#x', '/_emulator/services/T1/B2/[redacted]'],
    ['/_emulator/services/T1', '/_emulator/services/T1'],
    ['/slack/installs/not-a-secret', '/slack/installs/not-a-secret'],
    ['/healthz', '/healthz'],
  ];
  for (const [url, logged] of cases) assert.equal(safeUrl(url), logged, url);
});

test('every page carries a strict CSP, no-referrer and nosniff; pages with secrets or errors are not cached', async (t) => {
  const { app, url } = await startApp(t);
  const { res } = await install(new Browser(), app.installUrl);
  const notFound = await fetch(`${url}/nope`);
  for (const r of [res, notFound]) {
    const csp = r.headers.get('content-security-policy')!;
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /object-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('cache-control'), 'no-store');
  }
  // The install redirect keeps the headers that act on a redirect; the document headers would have nothing to act on.
  const redirect = await fetch(app.installUrl, { redirect: 'manual' });
  assert.equal(redirect.status, 302);
  assert.equal(redirect.headers.get('referrer-policy'), 'no-referrer', 'the install URL never leaks as a Referer');
  assert.equal(redirect.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(redirect.headers.get('cache-control'), 'no-store');
  assert.equal(redirect.headers.get('content-security-policy'), null);
  const script = await fetch(`${url}/assets/copy.js`);
  assert.equal(script.status, 200);
  assert.match(script.headers.get('content-type')!, /javascript/);
});

test('with an https PUBLIC_URL the state cookie is Secure and HSTS is sent', async (t) => {
  const { app } = await startApp(t, { PUBLIC_URL: 'https://hooks.example.com' });
  const res = await fetch(`http://127.0.0.1:${app.config.port}/slack/install/${INSTALL_SECRET}`, {
    redirect: 'manual',
  });
  assert.equal(res.status, 302);
  const cookie = res.headers.getSetCookie()[0]!;
  assert.match(cookie, /; Secure/i);
  assert.match(cookie, /HttpOnly/i);
  assert.match(cookie, /SameSite=Lax/i);
  assert.match(res.headers.get('strict-transport-security')!, /max-age=31536000/);
});

test('a state stays used across a restart of the server', async (t) => {
  const emu = await startEmulator(t);
  const first = await startApp(t, {}, { emu });
  const browser = new Browser();
  const { res, callback } = await install(browser, first.app.installUrl);
  assert.equal(res.status, 200);
  await first.app.close();

  // On another port: a pooled keep-alive socket to the closed server must not carry the replay.
  const { buildApp } = await import('../src/app.js');
  const again = await buildApp(first.config, { logger: false });
  const port = await freePort();
  await again.listen({ port, host: '127.0.0.1' });
  t.after(() => again.close());
  const replayUrl = new URL(callback);
  replayUrl.port = String(port);
  const state = replayUrl.searchParams.get('state')!;
  // A browser that kept the state's cookie (but not the landing session) is told the link was used.
  const stranger = new Browser();
  stranger.cookies.set(stateCookieName(state), state);
  const replay = await stranger.get(replayUrl.href);
  assert.equal(replay.status, 400);
  assert.match(await replay.text(), /already used/);
  // The browser that completed it is told so, and where its page is.
  const mine = await browser.get(replayUrl.href);
  assert.equal(mine.status, 200);
  assert.match(await mine.text(), /This install was completed/);
  assert.equal(await again.store.installations.count(), 1);
});

test('failed requests are limited per address; the client is logged once; good installs are not counted', async (t) => {
  const logs = captureLogs('trace');
  const { app, url } = await startApp(t, { RATE_LIMIT_FAILURES: '5', LOG_LEVEL: 'info' }, { logger: logs.logger });
  for (let i = 0; i < 10; i++)
    assert.equal((await install(new Browser(), app.installUrl)).res.status, 200, 'successes do not count');
  for (let i = 0; i < 5; i++) assert.equal((await fetch(`${url}/slack/install/guess-${i}`)).status, 404);
  const limited = await fetch(`${url}/slack/install/guess-6`);
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
  assert.equal((await fetch(app.installUrl, { redirect: 'manual' })).status, 429, 'the whole address waits');
  await fetch(`${url}/anything`);
  assert.equal(logs.lines.filter((l) => l.includes('limit of failed requests')).length, 1);
});
