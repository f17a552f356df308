// GET /slack/oauth_redirect, branch by branch: each refusal's status, title and words, whether the install link
// is offered (only to the browser that holds this flow's cookie), the state cookie cleared, what is logged and
// counted, which failures count as guesses, and a database that fails at either of its two steps.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { StoreUnavailableError } from '../src/store/errors.js';
import { StateError } from '../src/store/oauth-states.js';
import { captureJsonLogs } from './support/logs.js';
import { Browser, consent, install, startApp } from './helpers.js';

const METRICS_TOKEN = 'metrics-token-0123456789';
const HINT = 'To try again, open the install link you were given.';

async function server(t: TestContext, env: Record<string, string> = {}) {
  const { lines, logger } = captureJsonLogs('info');
  const running = await startApp(t, { LOG_LEVEL: 'info', METRICS_ENABLED: 'true', METRICS_TOKEN, ...env }, { logger });
  /** The log line of the last callback. */
  const logged = () =>
    lines.filter((l) => l.msg === 'request' && String(l.url).startsWith('/slack/oauth_redirect')).at(-1)!;
  const metrics = async () =>
    (await fetch(`${running.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  /** A page's status, title and words; and the install link for a browser holding the flow, a hint for others. */
  const page = async (res: Response, status: number, title: string, words: string, offered: boolean) => {
    const html = await res.text();
    assert.equal(res.status, status, html);
    assert.ok(html.includes(`<h1 id="title">${title}</h1>`), `${title} in ${html}`);
    assert.ok(html.includes(words), `${words} in ${html}`);
    assert.equal(html.includes(`href="${running.app.installUrl}"`), offered, `the install link offered: ${offered}`);
    assert.equal(html.includes(HINT), !offered);
    return html;
  };
  return { ...running, lines, logged, metrics, page };
}

test('refusals before Slack is asked: no state, a cancel or an error from anyone, another browser, no code', async (t) => {
  const { app, url, page, logged, metrics } = await server(t);
  const callback = (query: string) => new Browser().get(`${url}/slack/oauth_redirect?${query}`);
  await page(
    await callback('code=x'),
    400,
    'Install could not be verified',
    'The answer from Slack did not carry the state this server sent, so it cannot be trusted.',
    false,
  );
  assert.deepEqual([logged().event, logged().reason], ['install failed', 'state_missing']);
  await page(
    await callback('error=access_denied'),
    400,
    'Install cancelled',
    'You cancelled the install in Slack, so no webhook was created.',
    false,
  );
  assert.equal(logged().reason, 'access_denied');
  await page(
    await callback('error=org_login_required'),
    400,
    'Slack did not complete the install',
    'Slack reported “org_login_required”. No webhook was created.',
    false,
  );
  assert.deepEqual([logged().reason, logged().slackError], ['slack_redirect_error', 'org_login_required']);

  const other = await new Browser().get(await consent(new Browser(), app.installUrl));
  assert.deepEqual(other.headers.getSetCookie(), [], 'no cookie came, none is cleared');
  await page(other, 400, 'Install could not be verified', 'This install was started in another browser', false);
  assert.equal(logged().reason, 'state_other_browser');

  // A cookie of the right name that does not hold the state is no proof either (and is cleared all the same).
  const forger = new Browser();
  const back = await consent(forger, app.installUrl);
  for (const name of forger.cookies.keys()) forger.cookies.set(name, 'not-the-state');
  const mismatch = await forger.get(back);
  assert.ok(mismatch.headers.getSetCookie().length > 0, 'the cookie is cleared');
  await page(mismatch, 400, 'Install could not be verified', 'This install was started in another browser', false);
  assert.equal(await app.store.installations.count(), 0);

  // The browser that holds the flow: the cookie is cleared, the state spent, and the install link offered.
  const browser = new Browser();
  const noCode = new URL(await consent(browser, app.installUrl));
  noCode.searchParams.delete('code');
  const res = await browser.get(noCode.href);
  assert.ok(
    res.headers.getSetCookie().some((c) => /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(c)),
    'the cookie is cleared',
  );
  await page(
    res,
    400,
    'Install could not be completed',
    'Slack sent no authorization code back. Nothing was stored.',
    true,
  );
  assert.equal(logged().reason, 'code_missing');

  const text = await metrics();
  const failed = {
    state_missing: 1,
    access_denied: 1,
    slack_redirect_error: 1,
    state_other_browser: 2,
    code_missing: 1,
  };
  for (const [reason, times] of Object.entries(failed))
    assert.match(
      text,
      new RegExp(`^slack_webhook_installer_installs_failed_total\\{reason="${reason}"\\} ${times}$`, 'm'),
    );
});

test('a Slack error named on the way back ends the flow too: the state is spent, the install link offered', async (t) => {
  const { app, page, logged } = await server(t);
  const browser = new Browser();
  const back = new URL(await consent(browser, app.installUrl));
  back.searchParams.delete('code');
  back.searchParams.set('error', 'org_login_required');
  const kept = [...browser.cookies];
  await page(
    await browser.get(back.href),
    400,
    'Slack did not complete the install',
    'Slack reported “org_login_required”. No webhook was created.',
    true,
  );
  assert.equal(logged().reason, 'slack_redirect_error');
  const again = new Browser();
  for (const [name, value] of kept) again.cookies.set(name, value);
  back.searchParams.delete('error');
  back.searchParams.set('code', 'x');
  await page(await again.get(back.href), 400, 'This install link was already used', 'each one works once', true);
  assert.equal(logged().reason, 'state_used');
});

test('Slack’s refusals of the code, each in words, an unknown one pointing to Slack’s documentation', async (t) => {
  const { app, emu, page, logged, metrics } = await server(t);
  for (const [error, words] of [
    ['invalid_code', 'the one-time code from Slack was not valid, or had expired'],
    ['code_already_used', 'the one-time code from Slack had already been used'],
    ['bad_redirect_uri', 'the redirect URL of this server does not match the one configured in the Slack app'],
    ['invalid_client_id', 'the Slack app’s client ID configured on this server is not valid'],
    ['bad_client_secret', 'the Slack app’s client secret configured on this server is not valid'],
    ['invalid_grant_type', 'see Slack’s documentation for oauth.v2.access'],
  ]) {
    const browser = new Browser();
    const back = await consent(browser, app.installUrl);
    emu.emulator.failNext('oauth.v2.access', { kind: 'status', status: 200, body: `{"ok":false,"error":"${error}"}` });
    const words_ = `Slack answered “${error}”: ${words}. Nothing was stored.`;
    await page(await browser.get(back), 400, 'Slack refused the install', words_, true);
    assert.equal(logged().reason, `slack_${error}`);
  }
  assert.match(
    await metrics(),
    /^slack_webhook_installer_slack_api_duration_seconds_count\{method="oauth\.v2\.access",outcome="slack_error"\} 6$/m,
  );
  assert.equal(await app.store.installations.count(), 0);
});

test('Slack unreachable or answering nonsense: a 502 that says to try again, its kind logged and counted', async (t) => {
  const { app, emu, page, logged, metrics } = await server(t);
  for (const kind of ['reset', 'malformed'] as const) {
    const browser = new Browser();
    const back = await consent(browser, app.installUrl);
    emu.emulator.failNext('oauth.v2.access', { kind });
    await page(
      await browser.get(back),
      502,
      'Slack could not be reached',
      'This server could not complete the install with Slack. Nothing was stored; please try again in a moment.',
      true,
    );
    if (kind === 'reset') assert.match(String(logged().reason), /^unreachable: ./);
    else assert.equal(logged().reason, 'malformed');
  }
  const text = await metrics();
  assert.match(text, /^slack_webhook_installer_installs_failed_total\{reason="unreachable"\} 1$/m);
  assert.match(text, /^slack_webhook_installer_installs_failed_total\{reason="malformed"\} 1$/m);
  assert.match(text, /outcome="malformed"\} 1$/m);
});

test('a webhook URL this server does not accept is refused with a 502, logged without the URL, and spends the state', async (t) => {
  const { app, page, logged } = await server(t, { SLACK_WEBHOOK_ORIGINS: 'https://hooks.slack.com' });
  const browser = new Browser();
  const back = await consent(browser, app.installUrl);
  await page(
    await browser.get(back),
    502,
    'Unexpected answer from Slack',
    'Slack’s answer carried a webhook URL this server does not accept, so nothing was stored. Please try again; if it happens again, tell the person who runs this server (its log says why).',
    true,
  );
  const reason = String(logged().reason);
  assert.match(reason, /^malformed: webhook URL ./);
  assert.ok(!reason.includes('/services/'), 'not the URL itself');
  assert.equal(await app.store.installations.count(), 0);
  assert.equal(await app.store.oauthStates.inspect(new Date(), new URL(back).searchParams.get('state')!), 'used');
});

test('the database failing at the state check: a 503 that says so; any other failure is not passed off as it', async (t) => {
  const { app, page, logged, lines } = await server(t);
  const claim = t.mock.method(app.store.oauthStates, 'claim');
  claim.mock.mockImplementationOnce(() => Promise.reject(new StoreUnavailableError('the database did not answer')));
  const browser = new Browser();
  await page(
    await browser.get(await consent(browser, app.installUrl)),
    503,
    'Install could not be completed',
    'This server cannot reach its database right now, so the install could not be checked. Nothing was stored and no webhook was shown. Please start again in a moment.',
    true,
  );
  assert.equal(logged().reason, 'database_unavailable');
  const said = lines.find((l) => l.msg === 'install: the database did not answer the state check');
  assert.ok(said !== undefined && said.level === 50 && said.err !== undefined, 'an error in the log, with the cause');

  claim.mock.mockImplementationOnce(() => Promise.reject(new TypeError('a bug, not the database')));
  const other = new Browser();
  const res = await other.get(await consent(other, app.installUrl));
  assert.equal(res.status, 500);
  assert.doesNotMatch(await res.text(), /database/);
});

test('the database failing when the install is saved: a 503 saying the code is used up; the state is not held', async (t) => {
  const { app, emu, page, logged, lines } = await server(t);
  const record = t.mock.method(app.store, 'recordInstall');
  record.mock.mockImplementationOnce(() => Promise.reject(new StoreUnavailableError('the database did not answer')));
  const browser = new Browser();
  const back = await consent(browser, app.installUrl);
  const kept = [...browser.cookies];
  await page(
    await browser.get(back),
    503,
    'The install could not be saved',
    'Slack accepted the install, but this server could not save it because its database is unavailable, so nothing was stored and no webhook URL can be shown. Slack’s one-time code is used up: please start again in a moment.',
    true,
  );
  assert.equal(logged().reason, 'database_unavailable');
  const said = lines.find((l) => l.msg === 'install: the installation could not be stored');
  assert.ok(said !== undefined && said.level === 50 && said.err !== undefined, 'an error in the log, with the cause');
  // The flow was not recorded, so it is not held either: the same browser coming back reaches Slack again.
  const again = new Browser();
  for (const [name, value] of kept) again.cookies.set(name, value);
  emu.emulator.failNext('oauth.v2.access', {
    kind: 'status',
    status: 200,
    body: '{"ok":false,"error":"invalid_code"}',
  });
  await page(await again.get(back), 400, 'Slack refused the install', 'Slack answered “invalid_code”', true);

  // A state found used as the install is recorded (another replica won the race): the used page.
  record.mock.mockImplementationOnce(() => Promise.reject(new StateError('used')));
  const racer = new Browser();
  await page(
    await racer.get(await consent(racer, app.installUrl)),
    400,
    'This install link was already used',
    'each one works once',
    true,
  );
  assert.equal(await app.store.installations.count(), 0);
});

test('failures that guess (a state, a code) count toward the limit; a cancel, Slack’s other refusals or outage do not', async (t) => {
  const { app, emu, url } = await server(t, { RATE_LIMIT_FAILURES: '1' });
  const flows = {
    forged: async () => `${url}/slack/oauth_redirect?code=x&state=forged`,
    noState: async () => `${url}/slack/oauth_redirect?code=x`,
    noCode: (back: URL) => (back.searchParams.delete('code'), back.href),
    badCode: (back: URL) => (back.searchParams.set('code', 'not-a-code'), back.href),
    usedCode: (back: URL) => (slackSays('code_already_used'), back.href),
    cancel: (back: URL) => (back.searchParams.set('error', 'access_denied'), back.href),
    slackError: (back: URL) => (back.searchParams.set('error', 'org_login_required'), back.href),
    badRedirect: (back: URL) => (slackSays('bad_redirect_uri'), back.href),
    outage: (back: URL) => (emu.emulator.failNext('oauth.v2.access', { kind: 'reset' }), back.href),
  };
  function slackSays(error: string) {
    emu.emulator.failNext('oauth.v2.access', { kind: 'status', status: 200, body: `{"ok":false,"error":"${error}"}` });
  }
  const guesses = ['forged', 'noState', 'noCode', 'badCode', 'usedCode'];
  for (const [i, [name, make]] of Object.entries(flows).entries()) {
    const browser = new Browser();
    const target = new URL(await make(new URL(await consent(browser, app.installUrl))), url);
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const from = `192.0.2.${i + 1}`; // each flow from an address of its own
    const first = await app.inject({ url: target.pathname + target.search, remoteAddress: from, headers: { cookie } });
    assert.ok(first.statusCode >= 400 && first.statusCode !== 429, `${name}: ${first.statusCode}`);
    const next = await app.inject({ url: '/slack/oauth_redirect?code=x&state=forged', remoteAddress: from });
    assert.equal(next.statusCode, guesses.includes(name) ? 429 : 400, name);
  }
});

test('a completed install is logged with its workspace and channel (none for an org-wide one) and counted', async (t) => {
  const { app, logged, metrics } = await server(t);
  const done = await install(new Browser(), app.installUrl);
  assert.equal(done.callbackRes.status, 303);
  const row = (await app.store.installations.list())[0]!;
  const first = logged();
  assert.deepEqual(
    [first.event, first.installationId, first.teamId, first.channelId],
    ['install completed', row.id, row.teamId, row.channelId],
  );
  const orgWide = { team: 'T0INITECH1', tamper: (f: Record<string, string>) => void (f.install_on = 'organization') };
  assert.equal((await install(new Browser(), app.installUrl, orgWide)).callbackRes.status, 303);
  assert.deepEqual([logged().event, logged().teamId], ['install completed', undefined]);
  assert.match(
    await metrics(),
    /^slack_webhook_installer_slack_api_duration_seconds_count\{method="oauth\.v2\.access",outcome="ok"\} 2$/m,
  );
});
