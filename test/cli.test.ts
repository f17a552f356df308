import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { SecretBox } from '../src/crypto/secret-box.js';
import { Store } from '../src/store/index.js';
import { tempDir } from './helpers.js';

function cli(cwd: string, args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [join(process.cwd(), 'dist', 'src', 'cli.js'), ...args], {
    cwd, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 20_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('cli: install-url prints the same URL the server uses, and bad usage exits 2', (t) => {
  const dir = tempDir(t);
  const first = cli(dir, ['install-url'], { PUBLIC_URL: 'https://hooks.example.com' });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^https:\/\/hooks\.example\.com\/slack\/install\/[A-Za-z0-9_-]{32}\n$/);
  assert.equal(cli(dir, ['install-url'], { PUBLIC_URL: 'https://hooks.example.com' }).stdout, first.stdout, 'generated once, then kept');
  const unknown = cli(dir, ['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  assert.equal(cli(dir, []).code, 2);
  assert.equal(cli(dir, ['install-url', 'extra']).code, 2);
  const bad = cli(dir, ['install-url'], { PORT: 'x' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /PORT/);
});

test('cli: rotate-key re-seals every row under the new key, after which the old key is not needed', (t) => {
  const dir = tempDir(t);
  const databasePath = join(dir, 'db.sqlite');
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const store = Store.open(databasePath, new SecretBox(oldKey));
  store.installations.insert({
    team: { id: 'T1', name: 'One' }, enterprise: undefined, isEnterpriseInstall: false,
    user: { id: 'U1', token: undefined, scopes: undefined },
    bot: { token: 'xoxb-rotate', scopes: [], id: '', userId: 'UB' },
    incomingWebhook: { url: 'https://hooks.example/services/T1/B1/rotate', channel: '#a', channelId: 'C1' },
  });
  store.close();

  const env = { DATABASE_PATH: databasePath, ENCRYPTION_KEY: newKey.toString('base64') };
  const refused = cli(dir, ['rotate-key'], env);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /ENCRYPTION_KEYS_OLD/);
  const rotated = cli(dir, ['rotate-key'], { ...env, ENCRYPTION_KEYS_OLD: oldKey.toString('hex') });
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.match(rotated.stdout, /re-encrypted 1 installation/);

  const after = Store.open(databasePath, new SecretBox(newKey));
  t.after(() => after.close());
  assert.equal(after.installations.get(1)!.webhookUrl, 'https://hooks.example/services/T1/B1/rotate');
});
