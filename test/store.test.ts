import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { migrate, openDatabase, readMigrations } from '../src/store/database.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { Store } from '../src/store/index.js';
import { tempDir } from './helpers.js';

test('migrations are applied once: a second start applies nothing', (t) => {
  const path = join(tempDir(t), 'sub', 'dir', 'db.sqlite');
  const db = openDatabase(path); // creates its folder
  const files = readMigrations();
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
  const real = readMigrations();
  for (const m of real) copyFileSync(join(process.cwd(), 'migrations', m.name), join(migrations, m.name));
  writeFileSync(join(migrations, `${String(real.length + 1).padStart(3, '0')}_broken.sql`), 'CREATE TABLE half_done (x INTEGER);\nTHIS IS NOT SQL;');
  const db = openDatabase(join(dir, 'db.sqlite'));
  const before = db.pragma('user_version', { simple: true });
  assert.throws(() => migrate(db, readMigrations(migrations)));
  assert.equal(db.pragma('user_version', { simple: true }), before);
  assert.deepEqual(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half_done'").get(), { n: 0 });
  db.close();
});

test('installs into one workspace are never upserted, and installed_at has millisecond resolution', (t) => {
  const store = Store.open(join(tempDir(t), 'db.sqlite'), SecretBox.random());
  t.after(() => store.close());
  const base = {
    team: { id: 'T1', name: 'One' }, enterprise: undefined, isEnterpriseInstall: false,
    user: { id: 'U1', token: undefined, scopes: undefined },
    bot: { token: 'xoxb-1', scopes: ['incoming-webhook'], id: '', userId: 'UB' }, appId: 'A1',
  };
  const a = store.installations.insert({ ...base, incomingWebhook: { url: 'https://h/1', channel: '#a', channelId: 'C1' } });
  const b = store.installations.insert({ ...base, incomingWebhook: { url: 'https://h/2', channel: '#a', channelId: 'C1' } });
  assert.notEqual(a, b);
  assert.equal(store.installations.count(), 2);
  assert.equal(store.installations.get(a)?.webhookUrl, 'https://h/1');
  assert.equal(store.installations.get(b)?.webhookUrl, 'https://h/2');
  const at = store.installations.get(b)!.installedAt.getTime();
  assert.ok(Math.abs(at - Date.now()) < 5000);
  assert.throws(() => store.installations.insert({ ...base }), /incoming webhook/);
  // The insert is fsynced (FULL) on its own; every other write stays NORMAL.
  assert.equal(store.db.pragma('synchronous', { simple: true }), 1);
});
