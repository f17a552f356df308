// TRUST_PROXY: the client address is the one the trusted proxies saw, never one a client wrote for itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';
import { startApp } from './helpers.js';

const creds = { SLACK_CLIENT_ID: '1.2', SLACK_CLIENT_SECRET: 's' };

test('TRUST_PROXY takes a hop count or addresses and CIDR ranges; true stops start-up saying what to write', () => {
  assert.equal(loadConfig(creds).trustProxy, false);
  assert.equal(loadConfig({ ...creds, TRUST_PROXY: '1' }).trustProxy, 1);
  assert.equal(loadConfig({ ...creds, TRUST_PROXY: '2' }).trustProxy, 2);
  assert.deepEqual(loadConfig({ ...creds, TRUST_PROXY: '10.0.0.0/8, 192.168.1.7,2001:db8::/32,loopback' }).trustProxy, [
    '10.0.0.0/8',
    '192.168.1.7',
    '2001:db8::/32',
    'loopback',
  ]);
  assert.throws(
    () => loadConfig({ ...creds, TRUST_PROXY: 'true' }),
    (err: unknown) =>
      err instanceof ConfigError &&
      /TRUST_PROXY=true is refused/.test(err.message) &&
      /choose its own address/.test(err.message) &&
      /TRUST_PROXY=1/.test(err.message) &&
      /TRUST_PROXY=10\.0\.0\.0\/8/.test(err.message),
  );
  for (const bad of ['yes', '10.0.0.0/33', '10.0.0.1/', '300.1.1.1', '::1/129', '1, 2', '99'])
    assert.throws(() => loadConfig({ ...creds, TRUST_PROXY: bad }), /TRUST_PROXY must be/, bad);
});

/** Wrong install secrets (guesses) from one proxy, each with a made-up leftmost X-Forwarded-For entry and the proxy's own last. */
async function failuresFrom(url: string, realClient: string, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${url}/slack/install/wrong-guess-${i}`, {
      headers: { 'x-forwarded-for': `198.51.100.${i}, 10.9.${i}.1, ${realClient}` },
    });
    statuses.push(res.status);
  }
  return statuses;
}

for (const trust of ['1', '127.0.0.1', 'loopback']) {
  test(`TRUST_PROXY=${trust}: the failure limit applies to the address the proxy saw, whatever the client wrote`, async (t) => {
    const { url } = await startApp(t, { TRUST_PROXY: trust, RATE_LIMIT_FAILURES: '3' });
    assert.deepEqual(await failuresFrom(url, '203.0.113.7', 5), [404, 404, 404, 429, 429]);
    assert.deepEqual(await failuresFrom(url, '203.0.113.8', 1), [404], 'another client is not limited');
  });
}
