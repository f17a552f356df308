// Signed event_callbacks must be dated and named: without event_time or event_id they are refused, and a delivery
// whose event_id was handled within the hour (Slack's retry, or a captured request replayed) changes nothing,
// across restarts too, since the ids seen are kept in the database.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildApp } from '../src/app.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { SEEN_EVENT_TTL_MS } from '../src/store/seen-events.js';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { Browser, freePort, install, startApp, tempDir, TEST_APP } from './helpers.js';

const TEAM = 'T0ACME0001';

test('an event_callback without a numeric event_time or without an event_id gets 400 and changes nothing', async (t) => {
  const { app, emu } = await startApp(t);
  await install(new Browser(), app.installUrl);
  const uninstall = emu.emulator.eventCallback(TEAM, TEST_APP.appId, { type: 'app_uninstalled' });
  const { event_time: _time, ...undated } = uninstall;
  const { event_id: _id, ...unnamed } = uninstall;
  for (const body of [
    undated,
    unnamed,
    { ...uninstall, event_time: String(uninstall.event_time) },
    { ...uninstall, event_id: '' },
  ]) {
    const answer = await emu.emulator.sendEvent(TEST_APP.appId, body);
    assert.equal(answer.status, 400, JSON.stringify(body));
    assert.match(answer.body, /event_id and a numeric event_time/);
  }
  assert.equal((await app.store.installations.list({ revoked: false })).length, 1, 'nothing revoked');
  assert.equal((await emu.emulator.sendEvent(TEST_APP.appId, uninstall)).status, 200, 'the dated one is handled');
  assert.equal((await app.store.installations.list({ revoked: false })).length, 0);
});

test('a delivery replayed after a reinstall, even after a restart, is answered 200 and changes nothing', async (t) => {
  const { app, emu, config } = await startApp(t);
  await install(new Browser(), app.installUrl);
  const uninstall = emu.emulator.eventCallback(TEAM, TEST_APP.appId, { type: 'app_uninstalled' });
  assert.equal((await emu.emulator.sendEvent(TEST_APP.appId, uninstall)).status, 200);
  assert.equal((await app.store.installations.list({ revoked: true })).length, 1);

  // The workspace installs again. To give a replay something it could wrongly reach, the new row is dated before
  // the event (as an install made in the same second as the uninstall would be).
  await install(new Browser(), app.installUrl);
  const store = app.store as SqliteStore;
  store.db
    .prepare('UPDATE installations SET installed_at = ? WHERE id = 2')
    .run((Number(uninstall.event_time) - 10) * 1000);
  assert.equal((await emu.emulator.sendEvent(TEST_APP.appId, uninstall)).status, 200, 'a replay is answered');
  assert.equal((await app.store.installations.list({ revoked: false })).length, 1, 'and ignored');

  // A restart (on another port, so that no kept-alive connection to the old process is reused).
  await app.close();
  const again = await buildApp(config, { logger: false });
  const port = await freePort();
  await again.listen({ port, host: '127.0.0.1' });
  t.after(() => again.close());
  emu.emulator.setEventsUrl(TEST_APP.appId, `http://127.0.0.1:${port}/slack/events`);
  assert.equal((await emu.emulator.sendEvent(TEST_APP.appId, uninstall)).status, 200);
  assert.equal((await again.store.installations.list({ revoked: false })).length, 1, 'ignored after a restart too');

  // A new delivery (a new event_id) is handled as ever.
  const fresh = emu.emulator.eventCallback(TEAM, TEST_APP.appId, { type: 'app_uninstalled' });
  assert.equal((await emu.emulator.sendEvent(TEST_APP.appId, fresh)).status, 200);
  assert.equal((await again.store.installations.list({ revoked: false })).length, 0);
});

test('seen event ids are kept in the database for an hour', async (t) => {
  const path = join(tempDir(t), 'events.db');
  const box = new SecretBox(Buffer.alloc(32, 7));
  const now = 1_800_000_000_000;
  let store = await SqliteStore.open(path, box);
  assert.equal(await store.seenEvents.firstSighting('Ev01', now), true);
  assert.equal(await store.seenEvents.firstSighting('Ev01', now + 1000), false);
  await store.close();
  store = await SqliteStore.open(path, box); // another process, or a replica, on the same database
  t.after(() => store.close());
  assert.equal(await store.seenEvents.firstSighting('Ev01', now + SEEN_EVENT_TTL_MS - 1), false);
  assert.equal(await store.seenEvents.firstSighting('Ev02', now + SEEN_EVENT_TTL_MS), true);
  assert.equal(
    await store.seenEvents.firstSighting('Ev01', now + SEEN_EVENT_TTL_MS + 1),
    true,
    'forgotten after the hour',
  );
  await store.seenEvents.forget('Ev02');
  assert.equal(
    await store.seenEvents.firstSighting('Ev02', now + SEEN_EVENT_TTL_MS + 2),
    true,
    'forget undoes a sighting',
  );
});
