import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Browser, consent, install, startApp, startEmulator } from './helpers.js';

function count(app: Awaited<ReturnType<typeof startApp>>['app']): Promise<number> {
  return app.store.installations.count();
}

/** Asserts a failure page: the status, a sentence, and no install secret unless the browser proved it had it. */
async function assertFailurePage(
  answer: Response | { res: Response; html: string },
  status: number,
  sentence: RegExp,
  opts: { retry: boolean; installUrl: string },
) {
  const { res, html } = answer instanceof Response ? { res: answer, html: await answer.text() } : answer;
  assert.equal(res.status, status, html);
  assert.match(res.headers.get('content-type') ?? '', /text\/html/);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.match(html, sentence);
  assert.doesNotMatch(html, /at .*\.js:\d+|Error:|stack/i, 'no internals');
  if (opts.retry) assert.ok(html.includes(`href="${opts.installUrl}"`), 'a link to start again');
  else {
    assert.ok(
      !html.includes(opts.installUrl),
      'the install URL is not shown to a browser that has not shown it holds it',
    );
    assert.match(html, /open the install link you were given/);
  }
  return html;
}

test('pressing Cancel on Slack’s consent page ends on a cancel page; nothing is stored', async (t) => {
  const { app } = await startApp(t);
  const browser = new Browser();
  const callback = await consent(browser, app.installUrl, { action: 'cancel' });
  assert.equal(new URL(callback).searchParams.get('error'), 'access_denied');
  await assertFailurePage(await browser.get(callback), 400, /cancelled/i, { retry: true, installUrl: app.installUrl });
  assert.equal(await count(app), 0);
});

test('a callback without state, with a forged state, or from another browser is refused', async (t) => {
  const { app, url } = await startApp(t);
  const opts = { retry: false, installUrl: app.installUrl };
  const browser = new Browser();
  const callback = new URL(await consent(browser, app.installUrl));
  const code = callback.searchParams.get('code')!;
  const state = callback.searchParams.get('state')!;

  await assertFailurePage(
    await browser.get(`${url}/slack/oauth_redirect?code=${code}`),
    400,
    /did not carry the state/,
    opts,
  );
  // Another browser: the same callback URL, without the cookie.
  await assertFailurePage(await new Browser().get(callback.href), 400, /started in another browser/, opts);
  // A forger who sets a cookie to match a state of its own still needs a state this server issued.
  const forger = new Browser();
  const { stateCookieName } = await import('../src/slack/state-cookie.js');
  forger.cookies.set(stateCookieName('forged-state'), 'forged-state');
  await assertFailurePage(
    await forger.get(`${url}/slack/oauth_redirect?code=${code}&state=forged-state`),
    400,
    /never issued/,
    opts,
  );
  // None of that spent the real flow.
  const ok = await browser.get(callback.href);
  assert.equal(ok.status, 303);
  assert.equal(await count(app), 1);
  assert.ok(state);
});

test('a state is usable once: reloading the landing page does not install twice', async (t) => {
  const { app } = await startApp(t);
  const browser = new Browser();
  const { res, callback } = await install(browser, app.installUrl);
  assert.equal(res.status, 200);
  // The cookie was cleared on use; a browser that kept it anyway (without the landing session) is still refused.
  const state = new URL(callback).searchParams.get('state')!;
  const { stateCookieName } = await import('../src/slack/state-cookie.js');
  const kept = new Browser();
  kept.cookies.set(stateCookieName(state), state);
  await assertFailurePage(await kept.get(callback), 400, /already used/, {
    retry: true,
    installUrl: app.installUrl,
  });
  assert.equal(await count(app), 1);
});

test('a state older than 10 minutes has expired', async (t) => {
  const { app, url } = await startApp(t);
  const old = new Date(Date.now() - 11 * 60 * 1000);
  const state = await app.store.oauthStates.generateStateParam({ scopes: ['incoming-webhook'] }, old);
  const browser = new Browser();
  const { stateCookieName } = await import('../src/slack/state-cookie.js');
  browser.cookies.set(stateCookieName(state), state);
  await assertFailurePage(await browser.get(`${url}/slack/oauth_redirect?code=x&state=${state}`), 400, /expired/, {
    retry: true,
    installUrl: app.installUrl,
  });
});

test('a callback without a code is refused and spends its state', async (t) => {
  const { app } = await startApp(t);
  const browser = new Browser();
  const callback = new URL(await consent(browser, app.installUrl));
  callback.searchParams.delete('code');
  await assertFailurePage(await browser.get(callback.href), 400, /no authorization code/, {
    retry: true,
    installUrl: app.installUrl,
  });
  assert.equal(await count(app), 0);
});

test('Slack answering ok:false names the reason: invalid_code', async (t) => {
  const { app } = await startApp(t);
  const browser = new Browser();
  const callback = new URL(await consent(browser, app.installUrl));
  callback.searchParams.set('code', 'not-a-code-slack-issued');
  await assertFailurePage(await browser.get(callback.href), 400, /invalid_code/, {
    retry: true,
    installUrl: app.installUrl,
  });
  assert.equal(await count(app), 0);
});

test('Slack answering ok:false names the reason: bad_redirect_uri', async (t) => {
  const { app } = await startApp(t);
  const browser = new Browser();
  // The consent step is sent a different redirect_uri (still this server), so the exchange's one no longer matches.
  const callback = await consent(browser, app.installUrl, {
    tamper: (f) => {
      f.redirect_uri = `${f.redirect_uri}/elsewhere`;
    },
  });
  const res = await browser.get(callback.replace('/oauth_redirect/elsewhere', '/oauth_redirect'));
  await assertFailurePage(res, 400, /bad_redirect_uri/, { retry: true, installUrl: app.installUrl });
  assert.equal(await count(app), 0);
});

test('Slack answering ok:false names the reason: bad_client_secret', async (t) => {
  const { app } = await startApp(t, { SLACK_CLIENT_SECRET: 'not-the-secret' });
  await assertFailurePage(await install(new Browser(), app.installUrl), 400, /bad_client_secret/, {
    retry: true,
    installUrl: app.installUrl,
  });
  assert.equal(await count(app), 0);
});

test('Slack answering ok:false names the reason: invalid_client_id', async (t) => {
  const { app } = await startApp(t, { SLACK_CLIENT_ID: '9999999999.0000000000' });
  const browser = new Browser();
  const start = await browser.get(app.installUrl);
  // Slack's consent page itself refuses an unknown client_id, so the test forges the rest of the hop.
  const to = new URL(start.headers.get('location')!);
  const page = await browser.get(to.href);
  assert.equal(page.status, 400);
  const state = to.searchParams.get('state')!;
  const res = await browser.get(`${app.config.redirectUri}?code=anything&state=${state}`);
  await assertFailurePage(res, 400, /invalid_client_id/, { retry: true, installUrl: app.installUrl });
  assert.equal(await count(app), 0);
});

test('Slack answering ok:true without an incoming_webhook says the app lacks the scope; nothing is stored', async (t) => {
  const { app } = await startApp(t, { SLACK_SCOPES: 'chat:write' });
  await assertFailurePage(await install(new Browser(), app.installUrl), 400, /incoming-webhook scope/, {
    retry: true,
    installUrl: app.installUrl,
  });
  assert.equal(await count(app), 0);
});

test('Slack not answering at all ends on a page that says so, not a 500', async (t) => {
  const emu = await startEmulator(t);
  const { app } = await startApp(t, { SLACK_API_URL: 'http://127.0.0.1:9/api/' }, { emu });
  await assertFailurePage(await install(new Browser(), app.installUrl), 502, /could not be reached/, {
    retry: true,
    installUrl: app.installUrl,
  });
  assert.equal(await count(app), 0);
});

test('workspace and channel names from Slack are HTML-escaped', async (t) => {
  const { app, emu } = await startApp(t);
  const evil = emu.emulator.workspaces().find((w) => w.name.includes('<script>'))!;
  const { res, html } = await install(new Browser(), app.installUrl, { team: evil.id });
  assert.equal(res.status, 200);
  assert.ok(!html.includes(evil.name), 'the raw name never reaches the page');
  assert.ok(html.includes('&lt;script&gt;'));
});

test('malformed callbacks get a 4xx page, never a 500', async (t) => {
  const { url } = await startApp(t);
  for (const query of [
    'state[]=a&state[]=b',
    'code=a&code=b&state=c',
    `state=${'x'.repeat(5000)}`,
    'error=%ZZ',
    '%%%',
    'state=%C3%28',
  ]) {
    const res = await fetch(`${url}/slack/oauth_redirect?${query}`);
    assert.ok(res.status >= 400 && res.status < 500, `${query} → ${res.status}`);
    assert.doesNotMatch(await res.text(), /at .*\.js:\d+/);
  }
});
