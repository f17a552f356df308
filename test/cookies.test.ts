// Cookie tossing: over https every cookie of ours is `__Host-`-prefixed (Secure, Path=/, no Domain), so a sibling
// subdomain or a man in the middle on http cannot plant a state or landing cookie; over http, as before.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Browser, consent, decodeEntities, startApp } from './helpers.js';

/** A browser that also keeps every Set-Cookie line it was sent. */
class RecordingBrowser extends Browser {
  readonly setCookies: string[] = [];
  override async get(url: string, init: RequestInit = {}): Promise<Response> {
    const res = await super.get(url, init);
    this.setCookies.push(...res.headers.getSetCookie());
    return res;
  }
}

/** Install, open the landing page, press the test-message button; requests go to this server whatever PUBLIC_URL says. */
async function installAndTest(local: string, installUrl: string) {
  const browser = new RecordingBrowser();
  const callback = new URL(await consent(browser, installUrl));
  const answer = await browser.get(`${local}${callback.pathname}${callback.search}`);
  assert.equal(answer.status, 303, 'to the landing page');
  const landing = await browser.get(`${local}${answer.headers.get('location')!}`);
  const html = await landing.text();
  assert.equal(landing.status, 200, html);
  assert.match(html, /id="webhook-url"/, 'the landing cookie is read back under its name');
  const csrf = decodeEntities(/name="csrf" value="([^"]+)"/.exec(html)![1]!);
  const sent = await browser.post(`${local}/slack/test-message`, { csrf });
  assert.equal(sent.status, 303, 'sent, and back to the landing page');
  return browser.setCookies;
}

test('with an https PUBLIC_URL every cookie is __Host-: Secure, Path=/, no Domain, and the flow works', async (t) => {
  const { app } = await startApp(t, { PUBLIC_URL: 'https://hooks.example.com' });
  const local = `http://127.0.0.1:${app.config.port}`;
  const installUrl = app.installUrl.replace('https://hooks.example.com', local);
  const cookies = await installAndTest(local, installUrl);
  const names = cookies.map((c) => c.slice(0, c.indexOf('=')));
  assert.ok(
    names.some((n) => n.startsWith('__Host-slack_state_')),
    `a state cookie: ${names.join(', ')}`,
  );
  assert.ok(names.includes('__Host-slack_landing'), `a landing cookie: ${names.join(', ')}`);
  for (const cookie of cookies) {
    assert.match(cookie, /^__Host-/, cookie);
    assert.match(cookie, /; Secure(;|$)/i, cookie);
    assert.match(cookie, /; Path=\/(;|$)/, cookie);
    assert.doesNotMatch(cookie, /; Domain=/i, cookie);
    assert.match(cookie, /; HttpOnly/i, cookie);
  }
});

test('a state cookie without the prefix is not accepted over https (it could have been planted)', async (t) => {
  const { app } = await startApp(t, { PUBLIC_URL: 'https://hooks.example.com' });
  const local = `http://127.0.0.1:${app.config.port}`;
  const browser = new Browser();
  const callback = new URL(await consent(browser, app.installUrl.replace('https://hooks.example.com', local)));
  // What a sibling subdomain could set: the same value under the plain name.
  for (const [name, value] of [...browser.cookies]) browser.cookies.set(name.replace(/^__Host-/, ''), value);
  for (const name of [...browser.cookies.keys()]) if (name.startsWith('__Host-')) browser.cookies.delete(name);
  const res = await browser.get(`${local}${callback.pathname}${callback.search}`);
  assert.equal(res.status, 400);
  assert.match(await res.text(), /started in another browser/);
});

test('with an http PUBLIC_URL cookies keep plain names and narrow paths, without Secure', async (t) => {
  const { app, url } = await startApp(t);
  const cookies = await installAndTest(url, app.installUrl);
  const state = cookies.find((c) => c.startsWith('slack_state_'));
  const landing = cookies.find((c) => c.startsWith('slack_landing='));
  assert.match(state ?? '', /; Path=\/slack\/oauth_redirect(;|$)/);
  assert.match(landing ?? '', /; Path=\/slack\/(;|$)/, 'the landing page, the test button and the callback');
  for (const cookie of cookies) assert.doesNotMatch(cookie, /__Host-|; Secure/i, cookie);
});
