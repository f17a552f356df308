// cli rotate-key: re-sealing every stored secret under a new encryption key.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { SecretBox } from '../src/crypto/secret-box.js';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { tempDir } from './helpers.js';
import { cli } from './support/cli.js';

test('cli: rotate-key re-seals every row under the new key, after which the old key is not needed', async (t) => {
  const dir = tempDir(t);
  const databasePath = join(dir, 'db.sqlite');
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const store = await SqliteStore.open(databasePath, new SecretBox(oldKey));
  await store.installations.insert({
    team: { id: 'T1', name: 'One' },
    enterprise: undefined,
    isEnterpriseInstall: false,
    user: { id: 'U1', token: undefined, scopes: undefined },
    bot: { token: 'xoxb-rotate', scopes: [], id: '', userId: 'UB' },
    incomingWebhook: { url: 'https://hooks.example/services/T1/B1/rotate', channel: '#a', channelId: 'C1' },
  });
  await store.close();

  const env = { DATABASE_PATH: databasePath, ENCRYPTION_KEY: newKey.toString('base64') };
  const refused = cli(dir, ['rotate-key'], env);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /ENCRYPTION_KEYS_OLD/);
  const rotated = cli(dir, ['rotate-key'], { ...env, ENCRYPTION_KEYS_OLD: oldKey.toString('hex') });
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.match(rotated.stdout, /re-encrypted 1 installation/);

  const after = await SqliteStore.open(databasePath, new SecretBox(newKey));
  t.after(() => after.close());
  assert.equal((await after.installations.get(1))!.webhookUrl, 'https://hooks.example/services/T1/B1/rotate');
});
