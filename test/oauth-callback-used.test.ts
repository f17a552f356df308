// A used callback opened again is told "you completed this install, in this browser" only by the landing session
// of that very install, while the session lasts (to its millisecond); any other browser or session is told the
// link was already used. Also the pages of the two refusals landing-page.test.ts does not name.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { landingCookieName } from '../src/landing.js';
import { LANDING_SESSION_TTL_MS } from '../src/store/landing-sessions.js';
import { captureJsonLogs } from './support/logs.js';
import { Browser, install, startApp } from './helpers.js';

async function server(t: TestContext, env: Record<string, string> = {}) {
  const { lines, logger } = captureJsonLogs('info');
  const running = await startApp(t, { LOG_LEVEL: 'info', ...env }, { logger });
  const logged = () =>
    lines.filter((l) => l.msg === 'request' && String(l.url).startsWith('/slack/oauth_redirect')).at(-1)!;
  const title = (html: string) => /<h1 id="title">([^<]*)<\/h1>/.exec(html)?.[1];
  return { ...running, logged, title };
}

test('only the landing session of that install is told it completed it, with a link to its page', async (t) => {
  const { app, config, logged, title } = await server(t);
  const mine = new Browser();
  const done = await install(mine, app.installUrl);
  const again = await mine.get(done.callback);
  const html = await again.text();
  assert.equal(title(html), 'This install was completed');
  const link = /<a id="next"[^>]* href="([^"]+)">([^<]+)<\/a>/.exec(html);
  assert.deepEqual(link?.slice(1), [new URL(done.landingUrl!).pathname, 'Show the webhook URL']);
  assert.deepEqual([logged().event, logged().reason], ['install shown again', 'state_used_same_browser']);

  // A browser with a landing session of another install (its own, completed just before) is not that browser.
  const other = new Browser();
  await install(other, app.installUrl);
  assert.ok(other.cookies.has(landingCookieName(config.publicUrl)));
  const res = await other.get(done.callback);
  assert.equal(res.status, 400);
  assert.equal(title(await res.text()), 'This install link was already used');
  assert.equal(logged().reason, 'state_used');
});

test('the landing session is honoured to its last millisecond and not at its end', async (t) => {
  const { app, config, title } = await server(t);
  const browser = new Browser();
  const done = await install(browser, app.installUrl);
  const state = new URL(done.callback).searchParams.get('state')!;
  const nonce = app.store.oauthStates.nonceOf(state)!;
  const row = (await app.store.installations.list())[0]!;
  // The clock stopped a second from now, within the state's ten minutes; sessions made to end around it.
  const now = Date.now() + 1000;
  t.mock.timers.enable({ apis: ['Date'], now });
  const cookie = landingCookieName(config.publicUrl);
  const reopen = async (endsAt: number) => {
    const { session } = await app.store.landingSessions.create(row.id, nonce, endsAt - LANDING_SESSION_TTL_MS);
    const b = new Browser();
    b.cookies.set(cookie, session);
    return title(await (await b.get(done.callback)).text());
  };
  assert.equal(await reopen(now + 1), 'This install was completed');
  assert.equal(await reopen(now), 'This install link was already used');
  assert.equal(await reopen(now - 60_000), 'This install link was already used');
});

test('a state never issued, or expired, is not verified; an install without a webhook says what to add', async (t) => {
  const { app, url, title } = await server(t, { SLACK_SCOPES: 'chat:write' });
  const forged = await new Browser().get(`${url}/slack/oauth_redirect?code=x&state=not-a-state`);
  assert.equal(title(await forged.text()), 'Install could not be verified');
  const old = await app.store.oauthStates.generateStateParam({ scopes: [] }, new Date(Date.now() - 11 * 60_000));
  const expired = await new Browser().get(`${url}/slack/oauth_redirect?code=x&state=${old}`);
  assert.equal(title(await expired.text()), 'Install could not be verified');
  const done = await install(new Browser(), app.installUrl);
  assert.equal(done.res.status, 400);
  assert.equal(title(done.html), 'No webhook was created');
});
