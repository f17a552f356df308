// POST /slack/events at its edges: the signature headers, bodies that are not JSON objects, url_verification,
// envelopes and event types it does not handle, event_id limits, a failed delivery retried, and what each request
// leaves in the log (its outcome) and in /metrics. Bodies are Slack's published samples (test/fixtures/slack/).
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { slackSignature } from '../src/slack/signature.js';
import { StoreUnavailableError } from '../src/store/errors.js';
import { Browser, install, startApp, TEST_APP } from './helpers.js';
import { fixture, replayed } from './slack-fixtures.js';
import { captureLogs, requestLines } from './support/logs.js';

const METRICS_TOKEN = 'metrics-token-0123456789';
const ACME = 'T0ACME0001';
const now = () => Math.floor(Date.now() / 1000);

/** The server, its request log lines as objects, and a signed POST of exact bytes. */
async function events(t: TestContext) {
  const logs = captureLogs('info');
  const running = await startApp(
    t,
    { LOG_LEVEL: 'info', METRICS_ENABLED: 'true', METRICS_TOKEN },
    { logger: logs.logger },
  );
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${running.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  const signed = (body: string, timestamp = now(), secret = TEST_APP.signingSecret) =>
    post(body, {
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(secret, String(timestamp), body),
    });
  /** The log line of the last request to /slack/events. */
  const outcome = () => requestLines(logs.lines, '/slack/events').at(-1);
  const counted = async (type: string) => {
    const res = await fetch(`${running.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    const line = new RegExp(`^slack_webhook_installer_events_received_total\\{type="${type}"\\} (\\d+)$`, 'm');
    return Number(line.exec(await res.text())?.[1] ?? 0);
  };
  return { ...running, post, signed, outcome, counted };
}

/** Slack's sample with its placeholder ids swapped for the test's, dated now. */
const sample = (name: string, ids: Record<string, string>) => replayed(fixture(name), ids);

test('a missing, malformed, stale or future timestamp, or a wrong signature, gets an empty 401 logged as such', async (t) => {
  const { app, post, signed, outcome } = await events(t);
  await install(new Browser(), app.installUrl);
  const body = JSON.stringify(sample('events/app_uninstalled.json', { TXXXXXXXX: ACME, AXXXXXXXXX: TEST_APP.appId }));
  const ts = String(now());
  const good = slackSignature(TEST_APP.signingSecret, ts, body);
  const refused = [
    await post(body),
    await post(body, { 'x-slack-request-timestamp': ts }),
    await post(body, { 'x-slack-signature': good }),
    await post(body, { 'x-slack-request-timestamp': `${ts}x`, 'x-slack-signature': good }),
    await signed(body, now() - 6 * 60),
    await signed(body, now() + 6 * 60),
    await signed(body, now(), 'another-signing-secret'),
    await post(body, { 'x-slack-request-timestamp': ts, 'x-slack-signature': good.replace('v0=', 'v1=') }),
  ];
  for (const [i, res] of refused.entries()) {
    assert.equal(res.status, 401, `request ${i}`);
    assert.equal(await res.text(), '');
  }
  assert.equal(outcome()!.event, 'events: bad signature');
  assert.equal((await app.store.installations.list({ revoked: false })).length, 1, 'nothing revoked');
  assert.equal((await signed(body)).status, 200, 'the same body, signed, is handled');
  assert.equal((await app.store.installations.list({ revoked: false })).length, 0);
});

test('a signed body that is not JSON, or JSON but not an object, gets a 400 in words saying which', async (t) => {
  const { signed } = await events(t);
  for (const [body, words] of [
    ['not json', 'The body is not JSON.\n'],
    ['', 'The body is not JSON.\n'],
    ['{"type":', 'The body is not JSON.\n'],
    ['null', 'The body is not a JSON object.\n'],
    ['[]', 'The body is not a JSON object.\n'],
    ['"url_verification"', 'The body is not a JSON object.\n'],
    ['3', 'The body is not a JSON object.\n'],
  ] as const) {
    const res = await signed(body);
    assert.equal(res.status, 400, body);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await res.text(), words, body);
  }
});

test('url_verification echoes the challenge as plain text (an empty answer without one) and is counted', async (t) => {
  const { signed, counted } = await events(t);
  const verification = fixture('events/url_verification.json');
  const res = await signed(JSON.stringify(verification));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(await res.text(), verification.challenge);
  const { challenge: _challenge, ...without } = verification;
  for (const body of [without, { ...verification, challenge: 42 }]) {
    const answer = await signed(JSON.stringify(body));
    assert.equal(answer.status, 200);
    assert.equal(await answer.text(), '', JSON.stringify(body));
  }
  assert.equal(await counted('url_verification'), 3);
});

test('an envelope that is not an event_callback, or has no type, is answered 200, counted, and changes nothing', async (t) => {
  const { app, signed, outcome, counted } = await events(t);
  await install(new Browser(), app.installUrl);
  const res = await signed('{}');
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '');
  assert.deepEqual([outcome()!.event, outcome()!.handled], ['unknown', false]);
  assert.equal(await counted('unknown'), 1);
  const { type: _type, ...untyped } = sample('events/app_uninstalled.json', { TXXXXXXXX: ACME });
  assert.equal((await signed(JSON.stringify(untyped))).status, 200, 'an uninstall outside an event_callback');
  assert.deepEqual([outcome()!.event, outcome()!.handled], ['app_uninstalled', false]);
  assert.equal((await app.store.installations.list({ revoked: false })).length, 1, 'nothing revoked');
});

test('an event type the server does not handle is answered 200, logged as not handled, and revokes nothing', async (t) => {
  const { app, signed, outcome, counted } = await events(t);
  const done = await install(new Browser(), app.installUrl);
  assert.equal(done.res.status, 200);
  const row = (await app.store.installations.list())[0]!;
  // Slack's org-app sample, pointed at this install's workspace and its bot user.
  const body = sample('events/app_home_opened.org.json', { T111: ACME, W111: row.botUserId! });
  const res = await signed(JSON.stringify(body));
  assert.equal(res.status, 200);
  assert.deepEqual(outcome(), { ...outcome(), event: 'app_home_opened', handled: false });
  assert.equal(outcome()!.revoked, undefined);
  assert.equal(await counted('app_home_opened'), 1);
  assert.equal((await app.store.installations.list({ revoked: false })).length, 1);
});

test('event_id: up to 128 characters is handled, a longer one refused in words', async (t) => {
  const { app, signed, outcome } = await events(t);
  await install(new Browser(), app.installUrl);
  const uninstall = sample('events/app_uninstalled.json', { TXXXXXXXX: ACME, AXXXXXXXXX: TEST_APP.appId });
  const long = await signed(JSON.stringify({ ...uninstall, event_id: `Ev${'X'.repeat(127)}` }));
  assert.equal(long.status, 400);
  assert.equal(long.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(await long.text(), 'An event_callback must carry an event_id and a numeric event_time.\n');
  assert.deepEqual([outcome()!.event, outcome()!.type], ['events: no event_id or event_time', 'app_uninstalled']);
  assert.equal((await app.store.installations.list({ revoked: false })).length, 1);
  assert.equal((await signed(JSON.stringify({ ...uninstall, event_id: `Ev${'X'.repeat(126)}` }))).status, 200);
  assert.equal((await app.store.installations.list({ revoked: false })).length, 0);
});

test('the log says what each delivery did: the uninstall and how many it revoked, a retry as a duplicate', async (t) => {
  const { app, emu, signed, outcome } = await events(t);
  await install(new Browser(), app.installUrl);
  await install(new Browser(), app.installUrl);
  const row = (await app.store.installations.list())[0]!;
  const revoke = sample('events/tokens_revoked.json', { TXXXXXXXX: ACME, UXXXXXXXX: 'U0NOBODY01' });
  assert.equal((await signed(JSON.stringify(revoke))).status, 200);
  const logged = outcome()!;
  assert.deepEqual([logged.event, logged.teamId, logged.revoked], ['tokens_revoked', ACME, 0]);
  const uninstall = sample('events/app_uninstalled.json', {
    TXXXXXXXX: ACME,
    AXXXXXXXXX: TEST_APP.appId,
    EvXXXXXXXX: 'Ev0UNINST01', // the two samples share their placeholder event_id
  });
  assert.equal((await signed(JSON.stringify(uninstall))).status, 200);
  const first = outcome()!;
  assert.deepEqual(
    [first.event, first.teamId, first.enterpriseId, first.isEnterpriseInstall, first.revoked],
    ['app_uninstalled', ACME, undefined, false, 2],
  );
  // Slack's retry of the same delivery: same event_id, with X-Slack-Retry-Num.
  const retry = await emu.emulator.sendEvent(TEST_APP.appId, uninstall, { retryNum: 1, retryReason: 'http_timeout' });
  assert.equal(retry.status, 200);
  const again = outcome()!;
  assert.deepEqual([again.event, again.eventId, again.duplicate], ['app_uninstalled', uninstall.event_id, true]);
  assert.equal((await app.store.installations.get(row.id))!.revokedReason, 'app_uninstalled');
});

test('a delivery the server fails to handle is not marked seen: Slack’s retry of it is handled', async (t) => {
  const { app, emu, signed } = await events(t);
  await install(new Browser(), app.installUrl);
  const revoke = t.mock.method(app.store.installations, 'revokeWorkspace');
  revoke.mock.mockImplementationOnce(() => Promise.reject(new StoreUnavailableError('the database did not answer')));
  const uninstall = sample('events/app_uninstalled.json', { TXXXXXXXX: ACME, AXXXXXXXXX: TEST_APP.appId });
  const failed = await signed(JSON.stringify(uninstall));
  assert.equal(failed.status, 503, 'not a 2xx, so Slack retries');
  assert.equal((await app.store.installations.list({ revoked: false })).length, 1);
  const retry = await emu.emulator.sendEvent(TEST_APP.appId, uninstall, { retryNum: 1, retryReason: 'http_error' });
  assert.equal(retry.status, 200);
  assert.equal((await app.store.installations.list({ revoked: false })).length, 0, 'the retry revoked it');
});

test('tokens_revoked lists that hold more than user ids revoke by the ids there are, and never fail', async (t) => {
  const { app, signed } = await events(t);
  await install(new Browser(), app.installUrl);
  const row = (await app.store.installations.list())[0]!;
  const revoke = sample('events/tokens_revoked.json', { TXXXXXXXX: ACME, AXXXXXXXXX: TEST_APP.appId });
  const hostile = { oauth: [42, null, { id: row.installerUserId }, [row.installerUserId]], bot: 'not a list' };
  const first = await signed(JSON.stringify({ ...revoke, event: { ...(revoke.event as object), tokens: hostile } }));
  assert.equal(first.status, 200);
  assert.equal((await app.store.installations.get(row.id))!.revokedAt, null, 'no id in there');
  const named = { oauth: [42, row.installerUserId!], bot: [null] };
  const body = { ...revoke, event_id: 'Ev0NAMED01', event: { ...(revoke.event as object), tokens: named } };
  assert.equal((await signed(JSON.stringify(body))).status, 200);
  assert.equal((await app.store.installations.get(row.id))!.revokedReason, 'tokens_revoked');
});
