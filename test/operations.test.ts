import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shippedMigrations } from '../src/store/migrations.js';
import { Browser, install, INSTALL_SECRET, sqliteDb, startApp, TEST_APP } from './helpers.js';

test('GET /metrics is off unless METRICS_ENABLED=true', async (t) => {
  const { url } = await startApp(t);
  assert.equal((await fetch(`${url}/metrics`)).status, 404);
});

test('GET /metrics counts installs started, completed and failed by reason, Slack latency, events and webhook checks, and holds no secret', async (t) => {
  const token = 'metrics-token-0123456789';
  const { app, url, emu } = await startApp(t, { METRICS_ENABLED: 'true', METRICS_TOKEN: token });
  const done = await install(new Browser(), app.installUrl);
  await install(new Browser(), app.installUrl, { action: 'cancel' });
  emu.emulator.failNext('oauth.v2.access', { kind: 'status', status: 500 });
  await install(new Browser(), app.installUrl);
  await emu.emulator.sendEvent(
    TEST_APP.appId,
    emu.emulator.eventCallback('T0GLOBEX01', TEST_APP.appId, { type: 'app_uninstalled' }),
  );

  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const value = (pattern: string) => Number(new RegExp(`^${pattern} (\\S+)$`, 'm').exec(text)?.[1]);
  assert.equal(value('slack_webhook_installer_installs_started_total'), 3);
  assert.equal(value('slack_webhook_installer_installs_completed_total'), 1);
  assert.equal(value('slack_webhook_installer_installs_failed_total\\{reason="access_denied"\\}'), 1);
  assert.equal(value('slack_webhook_installer_installs_failed_total\\{reason="unreachable"\\}'), 1);
  assert.equal(
    value('slack_webhook_installer_slack_api_duration_seconds_count\\{method="oauth.v2.access",outcome="ok"\\}'),
    1,
  );
  assert.equal(value('slack_webhook_installer_events_received_total\\{type="app_uninstalled"\\}'), 1);
  assert.match(text, /^slack_webhook_installer_process_resident_memory_bytes /m);
  assert.match(text, /# HELP slack_webhook_installer_webhook_checks_total/);
  const callback = new URL(done.callback);
  for (const secret of [
    INSTALL_SECRET,
    TEST_APP.clientSecret,
    callback.searchParams.get('code')!,
    callback.searchParams.get('state')!,
    (await app.store.installations.get(1))!.webhookUrl,
  ]) {
    assert.ok(!text.includes(secret));
  }
});

test('GET /readyz checks the database and the migrations; /healthz stays cheap', async (t) => {
  const { app, url } = await startApp(t);
  const ready = await fetch(`${url}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), {
    status: 'ready',
    database: 'ok',
    migrations: { applied: shippedMigrations('sqlite').length, expected: shippedMigrations('sqlite').length },
  });
  sqliteDb(app).pragma('user_version = 1'); // as if a migration were missing
  const behind = await fetch(`${url}/readyz`);
  assert.equal(behind.status, 503);
  assert.equal(((await behind.json()) as { status: string }).status, 'unavailable');
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
});
