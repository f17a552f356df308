import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { ConfigError, loadConfig } from '../src/config.js';
import { keyFilePath, secretBoxFor } from '../src/crypto/keys.js';
import { KeyError, SecretBox } from '../src/crypto/secret-box.js';
import { shippedMigrations } from '../src/store/migrations.js';
import { migrate } from '../src/store/sqlite/database.js';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { Browser, install, sqliteDb, startApp, tempDir, webhookUrlFrom } from './helpers.js';
import { flipBit, resizeNonce, truncateTag } from './support/tamper.js';

const hook = (n: number) => ({
  team: { id: 'T1', name: 'One' },
  enterprise: undefined,
  isEnterpriseInstall: false,
  user: { id: 'U1', token: undefined, scopes: undefined },
  bot: { token: `xoxb-token-${n}`, scopes: ['incoming-webhook'], id: '', userId: 'UB' },
  appId: 'A1',
  incomingWebhook: { url: `https://hooks.example/services/T1/B${n}/secret${n}`, channel: '#a', channelId: 'C1' },
});

test('the database file holds no webhook URL and no bot token in the clear', async (t) => {
  const { app, config } = await startApp(t);
  const urls: string[] = [];
  for (let i = 0; i < 3; i++) urls.push(webhookUrlFrom((await install(new Browser(), app.installUrl)).html));
  const token = (await app.store.installations.get(1))!.botToken!;
  const files = [config.databasePath, `${config.databasePath}-wal`].filter(existsSync);
  const raw = Buffer.concat(files.map((f) => readFileSync(f)));
  assert.ok(raw.length > 0);
  for (const secret of [...urls, ...urls.map((u) => u.split('/').pop()!), token]) {
    assert.equal(raw.indexOf(secret), -1, `${secret.slice(0, 12)}… is not in the file`);
  }
  const row = sqliteDb(app).prepare('SELECT webhook_url, key_id FROM installations WHERE id = 1').get() as {
    webhook_url: string;
    key_id: string;
  };
  assert.match(row.webhook_url, /^v1\.[\w-]+\.[\w-]+\.[\w-]+$/, 'v1.nonce.ciphertext.tag');
  assert.equal(row.key_id.length, 16);
});

test('each value gets a fresh nonce, and a sealed value moved to another column does not open', () => {
  const box = SecretBox.random();
  const a = box.encrypt('same', 'installations.webhook_url');
  const b = box.encrypt('same', 'installations.webhook_url');
  assert.notEqual(a, b);
  assert.equal(box.decrypt(a, box.keyId, 'installations.webhook_url'), 'same');
  assert.throws(() => box.decrypt(a, box.keyId, 'installations.bot_token'));
  assert.throws(() => box.decrypt(a, box.keyId, ''));
});

// Each case seals many fresh values (a fresh nonce each time) and damages a different bit of each, so a check that
// only holds for some values, or a "tamper" that changes nothing, shows up here rather than one CI run in 256.
const AAD = 'installations.webhook_url';
const ROUNDS = 64;

for (const part of ['nonce', 'ciphertext', 'tag'] as const) {
  test(`a sealed value with one bit of its ${part} flipped does not open`, () => {
    const box = SecretBox.random();
    for (let i = 0; i < ROUNDS; i++) {
      const sealed = box.encrypt(`https://hooks.slack.com/services/T1/B${i}/x`, AAD);
      const tampered = flipBit(sealed, part, i * 7);
      assert.notEqual(tampered, sealed, 'the tampered value differs');
      assert.throws(() => box.decrypt(tampered, box.keyId, AAD));
    }
  });
}

test('a tag cut to 4–15 bytes, a nonce of the wrong length, and a value sealed under another AAD are refused', () => {
  const box = SecretBox.random();
  const sealed = box.encrypt('https://hooks.slack.com/services/T1/B1/x', AAD);
  assert.equal(box.decrypt(sealed, box.keyId, AAD), 'https://hooks.slack.com/services/T1/B1/x');
  for (let bytes = 4; bytes <= 15; bytes++) {
    assert.throws(() => box.decrypt(truncateTag(sealed, bytes), box.keyId, AAD), `tag of ${bytes} bytes`);
  }
  for (const bytes of [0, 8, 11, 13, 16]) {
    assert.throws(() => box.decrypt(resizeNonce(sealed, bytes), box.keyId, AAD), `nonce of ${bytes} bytes`);
  }
  for (const other of ['installations.bot_token', 'installations.webhook_url ', 'Installations.webhook_url']) {
    assert.throws(() => box.decrypt(sealed, box.keyId, other), `AAD ${other}`);
  }
});

test('rows written before encryption are sealed at start-up and still read back', async (t) => {
  const path = join(tempDir(t), 'db.sqlite');
  const db = new Database(path);
  migrate(
    db,
    shippedMigrations('sqlite').filter((m) => m.version === 1),
  );
  db.prepare(
    `INSERT INTO installations (team_id, channel_id, channel_name, webhook_url, bot_token, scopes, installed_at)
    VALUES ('T1', 'C1', '#a', 'https://hooks.example/services/T1/B1/plain', 'xoxb-plain', 'incoming-webhook', 1)`,
  ).run();
  db.close();

  const store = await SqliteStore.open(path, SecretBox.random());
  t.after(() => store.close());
  const raw = store.db.prepare('SELECT webhook_url, bot_token, key_id FROM installations').get() as Record<
    string,
    string
  >;
  assert.notEqual(raw.webhook_url, 'https://hooks.example/services/T1/B1/plain');
  assert.notEqual(raw.bot_token, 'xoxb-plain');
  assert.ok(raw.key_id);
  assert.equal((await store.installations.get(1))!.webhookUrl, 'https://hooks.example/services/T1/B1/plain');
  assert.equal((await store.installations.get(1))!.botToken, 'xoxb-plain');
});

test('key rotation: old keys still read, rotate re-seals every row, then the old key can go', async (t) => {
  const path = join(tempDir(t), 'db.sqlite');
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const first = await SqliteStore.open(path, new SecretBox(oldKey));
  await first.installations.insert(hook(1));
  await first.installations.insert(hook(2));
  await first.close();

  await assert.rejects(SqliteStore.open(path, new SecretBox(newKey)), KeyError, 'a missing old key stops start-up');
  const during = await SqliteStore.open(path, new SecretBox(newKey, [oldKey]));
  assert.equal((await during.installations.get(1))!.webhookUrl, hook(1).incomingWebhook.url);
  await during.installations.insert(hook(3));
  assert.equal(await during.installations.resealAll(), 2);
  assert.equal(await during.installations.resealAll(), 0);
  await during.close();

  const after = await SqliteStore.open(path, new SecretBox(newKey));
  t.after(() => after.close());
  for (const n of [1, 2, 3]) assert.equal((await after.installations.get(n))!.botToken, `xoxb-token-${n}`);
});

test('outside production a key is generated once into a file beside the database, readable only by its owner', (t) => {
  const dir = tempDir(t);
  const config = { databasePath: join(dir, 'data', 'db.sqlite'), encryption: { key: undefined, oldKeys: [] } };
  const a = secretBoxFor(config);
  const b = secretBoxFor(config);
  assert.equal(a.keyId, b.keyId);
  assert.equal(statSync(keyFilePath(config.databasePath)).mode & 0o777, 0o600);
});

test('ENCRYPTION_KEY: required in production, 32 bytes as base64 or hex, old keys parsed too', () => {
  const creds = { SLACK_CLIENT_ID: '1.2', SLACK_CLIENT_SECRET: 's' };
  assert.throws(
    () => loadConfig({ ...creds, NODE_ENV: 'production' }),
    (e: unknown) => e instanceof ConfigError && /^ENCRYPTION_KEY is required/.test(e.message),
  );
  assert.throws(
    () => loadConfig({ ...creds, ENCRYPTION_KEY: 'c2hvcnQ=' }),
    (e: unknown) => e instanceof ConfigError && /^ENCRYPTION_KEY must be 32 bytes/.test(e.message),
  );
  assert.throws(
    () => loadConfig({ ...creds, ENCRYPTION_KEYS_OLD: 'nope' }),
    (e: unknown) => e instanceof ConfigError && /^ENCRYPTION_KEYS_OLD/.test(e.message),
  );
  const key = randomBytes(32);
  const c = loadConfig({
    ...creds,
    NODE_ENV: 'production',
    ENCRYPTION_KEY: key.toString('base64'),
    ENCRYPTION_KEYS_OLD: `${randomBytes(32).toString('hex')}, ${randomBytes(32).toString('base64url')}`,
  });
  assert.deepEqual(c.encryption.key, key);
  assert.equal(c.encryption.oldKeys.length, 2);
});
