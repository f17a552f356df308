import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Browser, emulatorEnv, freePort, install, startApp, startEmulator, startServerProcess } from './helpers.js';

// ASVS 13.4.5: metrics are not open to whoever can reach the server.

const TOKEN = 'metrics-token-0123456789';

test('with METRICS_TOKEN, /metrics answers 401 without the bearer token or with a wrong one, 200 with it', async (t) => {
  const { url } = await startApp(t, { METRICS_ENABLED: 'true', METRICS_TOKEN: TOKEN });
  for (const authorization of [undefined, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, TOKEN, `Basic ${TOKEN}`]) {
    const res = await fetch(`${url}/metrics`, { headers: authorization === undefined ? {} : { authorization } });
    assert.equal(res.status, 401, String(authorization));
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="metrics"');
    const body = await res.text();
    assert.ok(!body.includes(TOKEN) && !body.includes('slack_webhook_installer_'), 'no metric and no token shown');
  }
  const ok = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(ok.status, 200);
  assert.match(await ok.text(), /^slack_webhook_installer_installs_started_total 0$/m);
});

test('with METRICS_PORT, /metrics is served on a loopback listener of its own and not on PORT', async (t) => {
  const emu = await startEmulator(t);
  const metricsPort = await freePort();
  const server = await startServerProcess(t, {
    ...emulatorEnv(emu),
    METRICS_ENABLED: 'true',
    METRICS_PORT: String(metricsPort),
  });
  await install(new Browser(), server.installUrl);
  assert.equal((await fetch(`${server.url}/metrics`)).status, 404, 'not on the public listener');
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /^slack_webhook_installer_installs_completed_total 1$/m);
  assert.equal(await server.stop(), 0);
  await assert.rejects(fetch(`http://127.0.0.1:${metricsPort}/metrics`), 'the metrics listener closes with the server');
});

test('a server started with METRICS_ENABLED=true and neither guard stops, naming what to set', async (t) => {
  await assert.rejects(
    startServerProcess(t, { SLACK_CLIENT_ID: '1.2', SLACK_CLIENT_SECRET: 'x', METRICS_ENABLED: 'true' }),
    /exited with 1:[\s\S]*Configuration error: METRICS_ENABLED=true would serve \/metrics to anyone[\s\S]*METRICS_TOKEN[\s\S]*METRICS_PORT/,
  );
});
