import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SecretBox } from '../src/crypto/secret-box.js';
import { readMigrations, shippedMigrations } from '../src/store/migrations.js';
import { migrate, openDatabase } from '../src/store/sqlite/database.js';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { tempDir } from './helpers.js';

test('migrations are applied once: a second start applies nothing', (t) => {
  const path = join(tempDir(t), 'sub', 'dir', 'db.sqlite');
  const db = openDatabase(path); // creates its folder
  const files = shippedMigrations('sqlite');
  assert.equal(db.pragma('user_version', { simple: true }), files.length);
  assert.equal(migrate(db), 0);
  db.close();
  const again = openDatabase(path);
  assert.equal(migrate(again), 0);
  assert.equal(again.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(again.pragma('busy_timeout', { simple: true }), 5000);
  again.close();
});

test('a failing migration is rolled back whole and leaves the version where it was', (t) => {
  const dir = tempDir(t);
  const migrations = join(dir, 'migrations');
  mkdirSync(migrations);
  const real = shippedMigrations('sqlite');
  for (const m of real) copyFileSync(join(process.cwd(), 'migrations', 'sqlite', m.name), join(migrations, m.name));
  writeFileSync(
    join(migrations, `${String(real.length + 1).padStart(3, '0')}_broken.sql`),
    'CREATE TABLE half_done (x INTEGER);\nTHIS IS NOT SQL;',
  );
  const db = openDatabase(join(dir, 'db.sqlite'));
  const before = db.pragma('user_version', { simple: true });
  assert.throws(() => migrate(db, readMigrations(migrations)));
  assert.equal(db.pragma('user_version', { simple: true }), before);
  assert.deepEqual(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half_done'").get(), { n: 0 });
  db.close();
});

test('installs into one workspace are never upserted, and installed_at has millisecond resolution', async (t) => {
  const store = await SqliteStore.open(join(tempDir(t), 'db.sqlite'), SecretBox.random());
  t.after(() => store.close());
  const base = {
    team: { id: 'T1', name: 'One' },
    enterprise: undefined,
    isEnterpriseInstall: false,
    user: { id: 'U1', token: undefined, scopes: undefined },
    bot: { token: 'xoxb-1', scopes: ['incoming-webhook'], id: '', userId: 'UB' },
    appId: 'A1',
  };
  const a = await store.installations.insert({
    ...base,
    incomingWebhook: { url: 'https://h/1', channel: '#a', channelId: 'C1' },
  });
  const b = await store.installations.insert({
    ...base,
    incomingWebhook: { url: 'https://h/2', channel: '#a', channelId: 'C1' },
  });
  assert.notEqual(a, b);
  assert.equal(await store.installations.count(), 2);
  assert.equal((await store.installations.get(a))?.webhookUrl, 'https://h/1');
  assert.equal((await store.installations.get(b))?.webhookUrl, 'https://h/2');
  const at = (await store.installations.get(b))!.installedAt.getTime();
  assert.ok(Math.abs(at - Date.now()) < 5000);
  await assert.rejects(store.installations.insert({ ...base }), /incoming webhook/);
  // Installs recorded together share one fsynced (FULL) transaction; one bad install does not undo the others.
  const claims = await Promise.all(
    [3, 4, 5].map(async () =>
      store.oauthStates.claim(new Date(), await store.oauthStates.generateStateParam({ scopes: [] }, new Date())),
    ),
  );
  const recorded = await Promise.allSettled(
    [3, 4, 5].map((n, i) =>
      store.recordInstall(
        n === 4 ? { ...base } : { ...base, incomingWebhook: { url: `https://h/${n}`, channel: '#a', channelId: 'C1' } },
        claims[i]!,
      ),
    ),
  );
  assert.deepEqual(
    recorded.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.equal(await store.installations.count(), 4);
  const third = (recorded[2] as PromiseFulfilledResult<{ id: number; session: string; csrf: string }>).value;
  assert.equal((await store.installations.get(third.id))!.webhookUrl, 'https://h/5');
  assert.ok('installationId' in (await store.landingSessions.use(third.session, third.csrf)));
  assert.equal(store.db.pragma('synchronous', { simple: true }), 1, 'every other write stays NORMAL');
});

test('OAuth states are signed, expire after 10 minutes, and work once, also after a restart', async (t) => {
  const path = join(tempDir(t), 'db.sqlite');
  const box = SecretBox.random();
  const store = await SqliteStore.open(path, box);
  const state = await store.oauthStates.generateStateParam({ scopes: [] }, new Date());
  assert.match(state, /^v1[A-Za-z0-9_-]{51}$/);
  const tampered = `${state.slice(0, 10)}${state[10] === 'A' ? 'B' : 'A'}${state.slice(11)}`;
  await assert.rejects(store.oauthStates.verifyStateParam(new Date(), tampered), { reason: 'unknown' });
  await assert.rejects(store.oauthStates.verifyStateParam(new Date(), 'not-a-state'), { reason: 'unknown' });
  await assert.rejects(store.oauthStates.verifyStateParam(new Date(Date.now() + 11 * 60 * 1000), state), {
    reason: 'expired',
  });
  await store.oauthStates.verifyStateParam(new Date(), state);
  await assert.rejects(store.oauthStates.verifyStateParam(new Date(), state), { reason: 'used' });
  await store.close();
  const again = await SqliteStore.open(path, box);
  t.after(() => again.close());
  await assert.rejects(again.oauthStates.verifyStateParam(new Date(), state), { reason: 'used' });
  const other = await SqliteStore.open(join(tempDir(t), 'other.sqlite'), SecretBox.random());
  t.after(() => other.close());
  await assert.rejects(
    other.oauthStates.verifyStateParam(new Date(), state),
    { reason: 'unknown' },
    'signed under another key',
  );
});
