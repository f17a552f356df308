// The emulator's fault injection (failNext and /control/faults).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_DELAY_MS } from '../src/emulator/faults.js';
import {
  REDIRECT,
  type Emu,
  startEmulator,
  issueCode,
  type Json,
  credentials,
  install,
  postJson,
  expectPlain,
  exchangeLike,
} from './support/emulator.js';
import { waitUntil } from './support/wait.js';

describe('fault injection', () => {
  // After a client abort, fetch opens a spare connection that sends nothing; Node's server.close() waits for it
  // until a keep-alive timeout (seconds), so tests that abort close every connection at the end.
  const ABORTING = { forceCloseConnections: true };

  async function exchangeRes(emu: Emu, code: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${emu.base}/api/oauth.v2.access`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ code, redirect_uri: REDIRECT, ...credentials() }).toString(),
      ...init,
    });
  }

  /** Waits until the emulator has taken every queued fault, i.e. the faulted request has reached it. */
  function faultsTaken(emu: Emu): Promise<void> {
    return waitUntil(() => emu.emulator.pendingFaults().length === 0, 'the faulted request reached the emulator');
  }

  test('a 429 answers ratelimited JSON with Retry-After and leaves the code usable', async (t) => {
    const emu = await startEmulator(t);
    const code = await issueCode(emu);
    emu.emulator.failNext('oauth.v2.access', { kind: 'status', status: 429 });
    const limited = await exchangeRes(emu, code);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '1');
    assert.equal(limited.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await limited.json(), { ok: false, error: 'ratelimited' });
    emu.emulator.failNext('oauth.v2.access', { kind: 'status', status: 429, retryAfter: 30 });
    assert.equal((await exchangeRes(emu, code)).headers.get('retry-after'), '30');
    assert.equal(((await (await exchangeRes(emu, code)).json()) as Json).ok, true, 'the code was not consumed');
    assert.equal(emu.emulator.webhooks().length, 1);
  });

  test('5xx faults answer an HTML error page (or the given body), `times` in a row, and leave the code usable', async (t) => {
    const emu = await startEmulator(t);
    const code = await issueCode(emu);
    emu.emulator.failNext('oauth.v2.access', { kind: 'status', status: 503 }, 2);
    emu.emulator.failNext('oauth.v2.access', {
      kind: 'status',
      status: 500,
      body: '{"ok":false,"error":"internal_error"}',
    });
    for (let i = 0; i < 2; i++) {
      const res = await exchangeRes(emu, code);
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.match(await res.text(), /<h1>503 Service Unavailable<\/h1>/);
      assert.equal(res.headers.get('retry-after'), null);
    }
    const custom = await exchangeRes(emu, code);
    assert.equal(custom.status, 500);
    assert.deepEqual(await custom.json(), { ok: false, error: 'internal_error' });
    assert.equal(((await (await exchangeRes(emu, code)).json()) as Json).ok, true);
  });

  test('malformed answers 200 application/json that is not JSON, and leaves the code usable', async (t) => {
    const emu = await startEmulator(t);
    const code = await issueCode(emu);
    emu.emulator.failNext('oauth.v2.access', { kind: 'malformed' });
    const res = await exchangeRes(emu, code);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    await assert.rejects(res.json(), SyntaxError);
    assert.equal(((await (await exchangeRes(emu, code)).json()) as Json).ok, true);
  });

  test('delay answers normally later, and consumes the code even when the client gave up waiting', async (t) => {
    const emu = await startEmulator(t, ABORTING);
    const code = await issueCode(emu);
    emu.emulator.failNext('oauth.v2.access', { kind: 'delay', ms: 200 });
    const started = performance.now();
    const res = await exchangeRes(emu, code);
    assert.ok(performance.now() - started >= 190, 'waited');
    assert.equal(((await res.json()) as Json).ok, true);

    const late = await issueCode(emu, { channel: 'C0ACME0003' });
    emu.emulator.failNext('oauth.v2.access', { kind: 'delay', ms: 300 });
    await assert.rejects(exchangeRes(emu, late, { signal: AbortSignal.timeout(50) }), { name: 'TimeoutError' });
    await waitUntil(() => emu.emulator.webhooks().length === 2, 'the abandoned exchange installed');
    assert.deepEqual(
      emu.emulator.webhooks().map((w) => w.channelId),
      ['C0ACME0002', 'C0ACME0003'],
      'Slack still installed',
    );
    assert.deepEqual(await (await exchangeRes(emu, late)).json(), { ok: false, error: 'invalid_code' });
  });

  test('hang never answers, so the client times out; the next request is normal', async (t) => {
    const emu = await startEmulator(t, ABORTING);
    const { access_token: token } = await install(emu);
    emu.emulator.failNext('auth.test', { kind: 'hang' });
    const authTest = (signal?: AbortSignal): Promise<Response> =>
      fetch(`${emu.base}/api/auth.test`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, signal });
    const started = performance.now();
    await assert.rejects(authTest(AbortSignal.timeout(300)), { name: 'TimeoutError' });
    assert.ok(performance.now() - started >= 290);
    assert.equal(((await (await authTest()).json()) as Json).ok, true);
  });

  // The cap only ends a close() that waits for the 10-minute delay; how fast close() is on this machine is not judged.
  test(
    'server.close() returns before a hung request or a long delay in flight ends',
    { timeout: 120_000 },
    async (t) => {
      // Default close options on purpose: only the emulator's own preClose hook can end these requests.
      const emu = await startEmulator(t);
      emu.emulator.failNext('auth.test', { kind: 'hang' });
      const hung = fetch(`${emu.base}/api/auth.test`, { method: 'POST' });
      await faultsTaken(emu);
      emu.emulator.failNext('auth.test', { kind: 'delay', ms: MAX_DELAY_MS });
      const delayed = fetch(`${emu.base}/api/auth.test`, { method: 'POST' });
      await faultsTaken(emu);
      await emu.server.close();
      await assert.rejects(hung, TypeError);
      // The delayed request is answered at once on shutdown rather than dropped.
      assert.deepEqual(await (await delayed).json(), { ok: false, error: 'not_authed' });
    },
  );

  test('reset drops the connection without an answer; webhook faults apply to POST /services/…', async (t) => {
    const emu = await startEmulator(t);
    const { incoming_webhook: hook } = await install(emu);
    emu.emulator.failNext('webhook', { kind: 'reset' });
    emu.emulator.failNext('webhook', { kind: 'status', status: 429, retryAfter: 2 });
    await assert.rejects(postJson(hook.url, '{"text":"lost"}'), TypeError);
    const limited = await postJson(hook.url, '{"text":"limited"}');
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '2');
    await expectPlain(await postJson(hook.url, '{"text":"delivered"}'), 200, 'ok');
    assert.deepEqual(
      emu.emulator.messages().map((m) => m.text),
      ['delivered'],
    );

    emu.emulator.failNext('oauth.v2.access', { kind: 'reset' });
    const code = await issueCode(emu);
    await assert.rejects(exchangeRes(emu, code), TypeError);
    assert.equal(((await (await exchangeRes(emu, code)).json()) as Json).ok, true, 'a reset does not consume the code');
  });

  test('faults play in order per method, clearFaults drops them, and failNext refuses invalid faults', async (t) => {
    const emu = await startEmulator(t);
    const { incoming_webhook: hook } = await install(emu);
    emu.emulator.failNext('webhook', { kind: 'status', status: 500 });
    emu.emulator.failNext('webhook', { kind: 'malformed' });
    emu.emulator.failNext('auth.test', { kind: 'hang' });
    assert.equal((await postJson(hook.url, '{"text":"a"}')).status, 500);
    assert.equal(await (await postJson(hook.url, '{"text":"b"}')).text(), '<html>oops');
    assert.deepEqual(emu.emulator.pendingFaults(), [{ method: 'auth.test', fault: { kind: 'hang' }, times: 1 }]);
    emu.emulator.clearFaults();
    assert.deepEqual(emu.emulator.pendingFaults(), []);
    assert.deepEqual(await exchangeLike(emu, 'auth.test', {}), { ok: false, error: 'not_authed' });
    await expectPlain(await postJson(hook.url, '{"text":"c"}'), 200, 'ok');

    assert.throws(() => emu.emulator.failNext('webhook', { kind: 'status', status: 99 }), TypeError);
    assert.throws(() => emu.emulator.failNext('webhook', { kind: 'delay', ms: -1 }), TypeError);
    assert.throws(() => emu.emulator.failNext('webhook', { kind: 'hang' }, 0), TypeError);
    assert.throws(() => emu.emulator.failNext('nope' as 'webhook', { kind: 'hang' }), TypeError);
    assert.deepEqual(emu.emulator.pendingFaults(), []);
  });

  test('POST and DELETE /control/faults queue and clear faults over HTTP, validating strictly', async (t) => {
    const emu = await startEmulator(t);
    const control = `${emu.base}/control/faults`;
    const queued = await postJson(
      control,
      JSON.stringify({ method: 'oauth.v2.access', fault: { kind: 'status', status: 503, retryAfter: 5 }, times: 2 }),
    );
    assert.equal(queued.status, 204);
    assert.equal(
      (await postJson(control, JSON.stringify({ method: 'webhook', fault: { kind: 'delay', ms: 10 } }))).status,
      204,
    );
    assert.deepEqual(emu.emulator.pendingFaults(), [
      { method: 'oauth.v2.access', fault: { kind: 'status', status: 503, retryAfter: 5 }, times: 2 },
      { method: 'webhook', fault: { kind: 'delay', ms: 10 }, times: 1 },
    ]);
    const code = await issueCode(emu);
    const res = await exchangeRes(emu, code);
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '5');

    const cleared = await fetch(control, { method: 'DELETE' });
    assert.equal(cleared.status, 204);
    assert.deepEqual(emu.emulator.pendingFaults(), []);
    assert.equal(((await (await exchangeRes(emu, code)).json()) as Json).ok, true);

    const bad: Array<[string, string?]> = [
      ['{"method":"auth.test","fault":{"kind":"hang"}}', 'text/plain'],
      ['{"method":"auth.test","fault":{"kind":"hang"}'],
      ['[]'],
      ['null'],
      ['{"method":"chat.postMessage","fault":{"kind":"hang"}}'],
      ['{"method":"auth.test"}'],
      ['{"method":"auth.test","fault":{"kind":"explode"}}'],
      ['{"method":"auth.test","fault":{"kind":"hang","ms":5}}'],
      ['{"method":"auth.test","fault":{"kind":"hang"},"extra":1}'],
      ['{"method":"auth.test","fault":{"kind":"hang"},"times":0}'],
      ['{"method":"auth.test","fault":{"kind":"hang"},"times":1.5}'],
      ['{"method":"auth.test","fault":{"kind":"hang"},"times":"2"}'],
      ['{"method":"auth.test","fault":{"kind":"status","status":"429"}}'],
      ['{"method":"auth.test","fault":{"kind":"status","status":600}}'],
      ['{"method":"auth.test","fault":{"kind":"status","status":500,"body":5}}'],
      ['{"method":"auth.test","fault":{"kind":"status","status":429,"retryAfter":-1}}'],
      ['{"method":"auth.test","fault":{"kind":"delay"}}'],
      ['{"method":"auth.test","fault":{"kind":"delay","ms":1e9}}'],
    ];
    for (const [body, type] of bad) {
      const answer = await postJson(control, body, type);
      assert.equal(answer.status, 400, body);
      assert.equal(answer.headers.get('content-type'), 'application/json; charset=utf-8');
      const json = (await answer.json()) as Json;
      assert.equal(json.error, 'invalid_fault', body);
      assert.equal(typeof json.message, 'string');
    }
    assert.deepEqual(emu.emulator.pendingFaults(), []);
  });
});
