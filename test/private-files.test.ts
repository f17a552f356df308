import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { keyFilePath, secretBoxFor } from '../src/crypto/keys.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { Browser, install, startApp, tempDir } from './helpers.js';

const mode = (path: string) => statSync(path).mode & 0o777;
const CLI = join(process.cwd(), 'dist', 'src', 'cli.js');

function cli(cwd: string, args: string[], env: Record<string, string>) {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('the database folder is created 700, and the database, its WAL and the key file 600', async (t) => {
  const dir = join(tempDir(t), 'data');
  const databasePath = join(dir, 'installations.db');
  const { app } = await startApp(t, { DATABASE_PATH: databasePath, INSTALL_SECRET: '', ENCRYPTION_KEY: '' });
  await install(new Browser(), app.installUrl);
  assert.equal(mode(dir), 0o700);
  const files = readdirSync(dir).sort();
  assert.deepEqual(files, ['encryption.key', 'installations.db', 'installations.db-shm', 'installations.db-wal']);
  for (const file of files) assert.equal(mode(join(dir, file)), 0o600, file);
});

test('files left readable by an earlier version, in a folder that exists already, are made 600', async (t) => {
  const dir = tempDir(t);
  const databasePath = join(dir, 'installations.db');
  const config = { databasePath, encryption: { key: undefined, oldKeys: [] } };
  const first = await SqliteStore.open(databasePath, secretBoxFor(config));
  await first.installations.count();
  await first.close();
  for (const file of readdirSync(dir)) chmodSync(join(dir, file), 0o644);
  writeFileSync(`${databasePath}-wal`, ''); // as a crashed process leaves it
  chmodSync(`${databasePath}-wal`, 0o666);

  const again = await SqliteStore.open(databasePath, secretBoxFor(config));
  t.after(() => again.close());
  for (const file of readdirSync(dir)) assert.equal(mode(join(dir, file)), 0o600, file);
  assert.equal(mode(keyFilePath(databasePath)), 0o600);
});

test('a folder that exists is kept as it is, but what is created in it is private', async (t) => {
  const dir = join(tempDir(t), 'shared');
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  const databasePath = join(dir, 'db.sqlite');
  const store = await SqliteStore.open(databasePath, SecretBox.random());
  t.after(() => store.close());
  assert.equal(mode(dir), 0o755, 'the operator’s folder (it may be a volume or the working folder) is not changed');
  assert.equal(mode(databasePath), 0o600);
  assert.equal(mode(`${databasePath}-wal`), 0o600);
});

test('the generated install secret is sealed in the database, re-sealed by rotate-key, and printed by install-url', async (t) => {
  const dir = tempDir(t);
  const databasePath = join(dir, 'installations.db');
  const oldKey = randomBytes(32);
  const env = { DATABASE_PATH: databasePath, ENCRYPTION_KEY: oldKey.toString('base64'), INSTALL_SECRET: '' };
  const cliEnv = { ...env, PUBLIC_URL: 'https://hooks.example.com' };
  const { app } = await startApp(t, env);
  const secret = app.installUrl.split('/').pop()!;
  await app.close();

  const store = await SqliteStore.open(databasePath, new SecretBox(oldKey));
  const sealed = store.db.prepare("SELECT value, key_id FROM settings WHERE key = 'install_secret'").get() as {
    value: string;
    key_id: string;
  };
  await store.close();
  assert.notEqual(sealed.value, secret);
  assert.equal(sealed.key_id, new SecretBox(oldKey).keyId);
  for (const file of readdirSync(dir))
    assert.ok(!readFileSync(join(dir, file)).includes(secret), `${file} does not hold the install secret`);

  const printed = cli(dir, ['install-url'], cliEnv);
  assert.equal(printed.code, 0, printed.stderr);
  assert.equal(printed.stdout.trim(), `https://hooks.example.com/slack/install/${secret}`);

  const newKey = randomBytes(32);
  const rotated = cli(dir, ['rotate-key'], {
    ...cliEnv,
    ENCRYPTION_KEY: newKey.toString('base64'),
    ENCRYPTION_KEYS_OLD: oldKey.toString('base64'),
  });
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.match(rotated.stdout, /1 setting/);
  const after = cli(dir, ['install-url'], { ...cliEnv, ENCRYPTION_KEY: newKey.toString('base64') });
  assert.equal(after.code, 0, after.stderr);
  assert.equal(after.stdout.trim(), `https://hooks.example.com/slack/install/${secret}`, 'under the new key alone');
});

test('an install secret stored in plaintext by an earlier version is sealed at start-up and keeps working', async (t) => {
  const dir = tempDir(t);
  const databasePath = join(dir, 'installations.db');
  const box = SecretBox.random();
  const first = await SqliteStore.open(databasePath, box);
  first.db
    .prepare("INSERT INTO settings (key, value) VALUES ('install_secret', 'old-plaintext-secret-0123456789')")
    .run();
  await first.close();
  const again = await SqliteStore.open(databasePath, box);
  t.after(() => again.close());
  const stored = again.db.prepare("SELECT value, key_id FROM settings WHERE key = 'install_secret'").get() as {
    value: string;
    key_id: string | null;
  };
  assert.equal(stored.key_id, box.keyId);
  assert.ok(!stored.value.includes('old-plaintext'));
  assert.equal(await again.settings.installSecret(), 'old-plaintext-secret-0123456789');
});
