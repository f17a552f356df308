import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LANDING_COOKIE } from '../src/landing.js';
import { LANDING_SESSION_MAX_USES } from '../src/store/landing-sessions.js';
import { Browser, decodeEntities, install, location, startApp, webhookUrlFrom } from './helpers.js';

function csrfFrom(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  assert.ok(m, 'the landing page has a test-message form');
  return decodeEntities(m[1]!);
}

test('the landing page’s test button posts a message through the new webhook and shows what Slack answered', async (t) => {
  const { app, url, emu } = await startApp(t);
  const browser = new Browser();
  const { callbackRes, html, landingUrl } = await install(browser, app.installUrl);
  const cookie = callbackRes.headers.getSetCookie().find((c) => c.startsWith(`${LANDING_COOKIE}=`))!;
  assert.match(cookie, /HttpOnly/i);
  assert.match(cookie, /SameSite=Lax/i, 'Lax: the callback and landing page come after a redirect from Slack');
  assert.match(cookie, /Path=\/slack\//);
  assert.match(cookie, /Max-Age=600/);

  const before = emu.emulator.messages().length;
  const sent = await browser.post(`${url}/slack/test-message`, { csrf: csrfFrom(html) });
  assert.equal(sent.status, 303, 'back to the landing page');
  assert.equal(new URL(location(sent), url).href, landingUrl);
  const again = await browser.get(landingUrl!);
  const page = await again.text();
  assert.equal(again.status, 200, page);
  assert.equal(again.headers.get('cache-control'), 'no-store');
  assert.match(page, /id="test-result" class="result-ok"/);
  assert.match(page, /A test message was posted to #[a-z]+\. Have a look in Slack\./);
  assert.equal(webhookUrlFrom(page), webhookUrlFrom(html), 'the page still shows the URL');
  assert.match(page, /This page can send 4 more/);
  const messages = emu.emulator.messages();
  assert.equal(messages.length, before + 1);
  assert.equal(messages.at(-1)!.channelId, (await app.store.installations.get(1))!.channelId);
});

test('only the browser that completed the install, with the page’s CSRF token, a few times, may send', async (t) => {
  const { app, url, emu } = await startApp(t);
  const browser = new Browser();
  const { html } = await install(browser, app.installUrl);
  const csrf = csrfFrom(html);

  const other = await new Browser().post(`${url}/slack/test-message`, { csrf });
  assert.equal(other.status, 403, 'another browser has no session');
  const forged = await browser.post(`${url}/slack/test-message`, { csrf: `${csrf.slice(0, -2)}xx` });
  assert.equal(forged.status, 403, 'a wrong CSRF token is refused');
  assert.match(await forged.text(), /not sent from the page/);
  const noToken = await browser.post(`${url}/slack/test-message`, {});
  assert.equal(noToken.status, 403);

  for (let i = 0; i < LANDING_SESSION_MAX_USES; i++)
    assert.equal((await browser.post(`${url}/slack/test-message`, { csrf })).status, 303);
  const tooMany = await browser.post(`${url}/slack/test-message`, { csrf });
  assert.equal(tooMany.status, 303, 'one more: back to the page, which says why not');
  const page = await (await browser.get(new URL(location(tooMany), url).href)).text();
  assert.match(page, /<button id="send-test" type="submit" disabled/);
  assert.match(page, /This page has sent 5 test messages, the most it may/);
  assert.equal(webhookUrlFrom(page), webhookUrlFrom(html));
  assert.equal(emu.emulator.messages().length, LANDING_SESSION_MAX_USES);
});

test('the test button stops working after 10 minutes', async (t) => {
  const { app, url } = await startApp(t);
  await install(new Browser(), app.installUrl);
  const { session, csrf } = await app.store.landingSessions.create(1, null, Date.now() - 11 * 60 * 1000);
  const browser = new Browser();
  browser.cookies.set(LANDING_COOKIE, session);
  const res = await browser.post(`${url}/slack/test-message`, { csrf });
  assert.equal(res.status, 403);
  assert.match(await res.text(), /works for 10 minutes/);
});

test('a test message to a dead webhook says why, and marks the installation revoked', async (t) => {
  const { app, url, emu } = await startApp(t);
  const browser = new Browser();
  const { html } = await install(browser, app.installUrl);
  emu.emulator.killWebhook(webhookUrlFrom(html), 'channel_is_archived');
  const res = await browser.post(`${url}/slack/test-message`, { csrf: csrfFrom(html) });
  assert.equal(res.status, 303);
  const landing = await browser.get(new URL(location(res), url).href);
  assert.equal(landing.status, 410, 'the page no longer offers a URL that does not work');
  const page = await landing.text();
  assert.match(page, /This webhook no longer works/);
  assert.match(page, /channel_is_archived/);
  assert.match(page, /Install again/);
  assert.equal((await app.store.installations.get(1))!.revokedReason, 'webhook dead: channel_is_archived');
});
