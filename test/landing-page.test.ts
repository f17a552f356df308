import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { LANDING_COOKIE } from '../src/landing.js';
import { loggerOptions } from '../src/logger.js';
import { stateCookieName } from '../src/slack/state-cookie.js';
import { Browser, consent, install, location, startApp, webhookUrlFrom } from './helpers.js';

// Post/Redirect/Get: the callback stores the install and sends the browser to a page of its own, which shows the
// webhook URL again on a reload, but only to the browser that made the install, and only while its session lasts.

function captureLogs() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: { logger: { ...loggerOptions('info'), stream } } };
}

test('the callback stores the install and answers 303 to a landing page whose address holds no secret', async (t) => {
  const { app, url } = await startApp(t);
  const browser = new Browser();
  const { callbackRes, res, html, callback, landingUrl } = await install(browser, app.installUrl);
  assert.equal(callbackRes.status, 303);
  assert.equal(callbackRes.headers.get('cache-control'), 'no-store');
  const where = location(callbackRes);
  assert.match(where, /^\/slack\/installed\/[A-Za-z0-9_-]{22}$/);
  const { searchParams } = new URL(callback);
  for (const secret of [searchParams.get('code')!, searchParams.get('state')!, webhookUrlFrom(html)])
    assert.ok(!where.includes(secret));

  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.match(html, /<title>Your Slack webhook is ready · Slack webhook installer<\/title>/);
  const webhookUrl = webhookUrlFrom(html);
  assert.equal(webhookUrl, (await app.store.installations.get(1))!.webhookUrl);
  assert.match(html, /Save it now\./);
  assert.match(html, /secrets manager or an environment variable/);
  assert.match(html, /shown only in this browser, for <span id="minutes-left">(9|10) more minutes<\/span>/);
  assert.match(html, /not shown again/);

  for (let i = 0; i < 3; i++) {
    const reload = await browser.get(landingUrl!);
    assert.equal(reload.status, 200, 'a reload shows the page again');
    assert.equal(webhookUrlFrom(await reload.text()), webhookUrl);
  }
  assert.equal(await app.store.installations.count(), 1, 'and stores nothing more');

  // Anyone else: the install exists, the URL is not shown, nor the install URL.
  const other = await new Browser().get(landingUrl!);
  assert.equal(other.status, 200);
  assert.equal(other.headers.get('cache-control'), 'no-store');
  const page = await other.text();
  assert.match(page, /<h1 id="title">This install was completed<\/h1>/);
  assert.match(page, /shown only in the browser that made the install/);
  assert.ok(!page.includes(webhookUrl) && !page.includes(webhookUrl.split('/').at(-1)!), 'no webhook URL');
  assert.ok(!page.includes(app.installUrl) && !page.includes('/slack/install/'), 'no install URL');
  assert.ok(!page.includes('name="csrf"'), 'no test button');

  assert.equal((await browser.get(`${url}/slack/installed/AAAAAAAAAAAAAAAAAAAAAA`)).status, 404);
  assert.equal((await browser.get(`${url}/slack/installed/nope`)).status, 404);
});

test('after the landing session has ended, the page no longer shows the URL, in that browser either', async (t) => {
  const { app } = await startApp(t);
  const { landingUrl } = await install(new Browser(), app.installUrl);
  const { session } = await app.store.landingSessions.create(1, null, Date.now() - 11 * 60 * 1000);
  const late = new Browser();
  late.cookies.set(LANDING_COOKIE, session);
  const page = await (await late.get(landingUrl!)).text();
  assert.match(page, /This install was completed/);
  assert.ok(!page.includes((await app.store.installations.get(1))!.webhookUrl));
});

test('a used callback opened again says what happened: completed in this browser, already used elsewhere', async (t) => {
  const logs = captureLogs();
  const { app, url } = await startApp(t, { LOG_LEVEL: 'info' }, { logger: logs.logger });
  const browser = new Browser();
  const { callback, landingUrl } = await install(browser, app.installUrl);
  const reasons = () => logs.lines.filter((l) => l.msg === 'request').map((l) => l.reason);

  // This browser (reload of the callback, or Back and Allow again): it holds the install's landing session.
  const again = await browser.get(callback);
  assert.equal(again.status, 200);
  const html = await again.text();
  assert.match(html, /<h1 id="title">This install was completed<\/h1>/);
  assert.match(html, /in this browser/);
  assert.ok(html.includes(`href="${new URL(landingUrl!).pathname}"`), 'a link to its landing page');
  assert.doesNotMatch(html, /another browser/);
  assert.equal(reasons().at(-1), 'state_used_same_browser');

  // Another browser: the link was used; it does not claim to know which browser that was.
  const other = await new Browser().get(callback);
  assert.equal(other.status, 400);
  const elsewhere = await other.text();
  assert.match(elsewhere, /This install link was already used/);
  assert.doesNotMatch(elsewhere, /another browser/);
  assert.ok(!elsewhere.includes('/slack/installed/'), 'no way to its landing page');
  assert.ok(!elsewhere.includes(app.installUrl));
  assert.equal(reasons().at(-1), 'state_used');

  // A flow that is still open, reached without its cookie, really is another browser.
  const open = await consent(new Browser(), app.installUrl);
  const stranger = await new Browser().get(open);
  assert.equal(stranger.status, 400);
  assert.match(await stranger.text(), /started in another browser/);
  assert.equal(reasons().at(-1), 'state_other_browser');

  // A state this server never signed is said to be one, with or without a cookie.
  const forged = await new Browser().get(`${url}/slack/oauth_redirect?code=x&state=not-a-state`);
  assert.match(await forged.text(), /never issued/);
  assert.equal(reasons().at(-1), 'state_unknown');
  assert.equal(await app.store.installations.count(), 1);
});

test('a browser that kept the state cookie and its landing session is also told it completed the install', async (t) => {
  const { app } = await startApp(t);
  const browser = new Browser();
  const { callback } = await install(browser, app.installUrl);
  const state = new URL(callback).searchParams.get('state')!;
  browser.cookies.set(stateCookieName(state), state);
  const again = await browser.get(callback);
  assert.equal(again.status, 200);
  assert.match(await again.text(), /This install was completed/);
});
