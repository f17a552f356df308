import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';
import { SECRET_VARIABLES } from '../src/secret-files.js';
import {
  Browser,
  emulatorEnv,
  install,
  startEmulator,
  startServerProcess,
  tempDir,
  TEST_APP,
  webhookUrlFrom,
} from './helpers.js';

// ASVS 13.3.1: secrets from files (Docker and Kubernetes secrets), not only from the environment.

const creds = { SLACK_CLIENT_ID: '1.2', SLACK_CLIENT_SECRET: 's' };
const KEY = Buffer.alloc(32, 7).toString('base64');

const refused = (env: Record<string, string>, message: RegExp) =>
  assert.throws(
    () => loadConfig(env),
    (err: unknown) => err instanceof ConfigError && message.test(err.message),
  );

test('every secret variable can be read from NAME_FILE, less its trailing newline', (t) => {
  const dir = tempDir(t);
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };
  const c = loadConfig({
    SLACK_CLIENT_ID: '1.2',
    SLACK_CLIENT_SECRET_FILE: file('client', 'client-secret-from-file\n'),
    SLACK_SIGNING_SECRET_FILE: file('signing', 'signing-secret-from-file\r\n'),
    INSTALL_SECRET_FILE: file('install', 'install-secret-from-a-file-0123\n'),
    ENCRYPTION_KEY_FILE: file('key', `${KEY}\n`),
    ENCRYPTION_KEYS_OLD_FILE: file('old', `${Buffer.alloc(32, 8).toString('hex')}`),
    METRICS_ENABLED: 'true',
    METRICS_TOKEN_FILE: file('metrics', 'metrics-token-from-a-file\n'),
    DATABASE_URL_FILE: file('database', 'postgres://swi:password-from-a-file@db.internal:5432/swi\n'),
  });
  assert.equal(c.slack.clientSecret, 'client-secret-from-file');
  assert.equal(c.slack.signingSecret, 'signing-secret-from-file');
  assert.equal(c.installSecret, 'install-secret-from-a-file-0123');
  assert.deepEqual(c.encryption.key, Buffer.alloc(32, 7));
  assert.deepEqual(c.encryption.oldKeys, [Buffer.alloc(32, 8)]);
  assert.equal(c.metrics.token, 'metrics-token-from-a-file');
  assert.equal(c.postgres?.url, 'postgres://swi:password-from-a-file@db.internal:5432/swi');
  assert.deepEqual([...SECRET_VARIABLES].sort(), [
    'DATABASE_URL',
    'ENCRYPTION_KEY',
    'ENCRYPTION_KEYS_OLD',
    'INSTALL_SECRET',
    'METRICS_TOKEN',
    'SLACK_CLIENT_SECRET',
    'SLACK_SIGNING_SECRET',
  ]);
});

test('NAME and NAME_FILE both set, an unreadable file or an empty one stop start-up naming the variable', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'secret');
  writeFileSync(path, 'x\n');
  refused(
    { ...creds, SLACK_CLIENT_SECRET_FILE: path },
    /^SLACK_CLIENT_SECRET and SLACK_CLIENT_SECRET_FILE are both set/,
  );
  refused({ ...creds, ENCRYPTION_KEY: KEY, ENCRYPTION_KEY_FILE: path }, /^ENCRYPTION_KEY and ENCRYPTION_KEY_FILE/);
  refused(
    { ...creds, INSTALL_SECRET_FILE: join(dir, 'missing') },
    /^INSTALL_SECRET_FILE names a file that cannot be read \(ENOENT\)/,
  );
  const empty = join(dir, 'empty');
  writeFileSync(empty, '\n');
  refused({ ...creds, ENCRYPTION_KEY_FILE: empty }, /^ENCRYPTION_KEY_FILE names an empty file/);
  // A file's contents are checked like the variable's: the message names the variable, not the secret.
  const short = join(dir, 'short');
  writeFileSync(short, 'short\n');
  refused({ ...creds, INSTALL_SECRET_FILE: short }, /^INSTALL_SECRET must be at least 22/);
});

const production = { ...creds, NODE_ENV: 'production', ENCRYPTION_KEY: KEY, PUBLIC_URL: 'https://hooks.example.com' };

for (const name of ['PUBLIC_URL', 'SLACK_AUTHORIZE_URL', 'SLACK_API_URL']) {
  test(`NODE_ENV=production refuses a plain-http ${name} that leaves loopback, naming it`, () => {
    refused({ ...production, [name]: 'http://hooks.example.com/x' }, new RegExp(`^${name} must be an https:// URL`));
    // Outside production the same URL is accepted (a laptop, a test).
    assert.doesNotThrow(() => loadConfig({ ...production, NODE_ENV: 'development', [name]: 'http://example.com/x' }));
    for (const loopback of ['http://127.0.0.1:3000/x', 'http://localhost:3000/x', 'http://[::1]:3000/x']) {
      assert.doesNotThrow(() => loadConfig({ ...production, [name]: loopback }), loopback);
    }
  });
}

test('metrics on the public listener need METRICS_TOKEN or METRICS_PORT; stray metrics settings are refused', () => {
  refused({ ...creds, METRICS_ENABLED: 'true' }, /^METRICS_ENABLED=true would serve \/metrics to anyone/);
  refused({ ...creds, METRICS_TOKEN: 'a-token-of-enough-length' }, /^METRICS_TOKEN is set but METRICS_ENABLED/);
  refused({ ...creds, METRICS_ENABLED: 'true', METRICS_TOKEN: 'short' }, /^METRICS_TOKEN must be at least 16/);
  refused({ ...creds, METRICS_ENABLED: 'true', METRICS_PORT: '3000' }, /^METRICS_PORT must be a port/);
  refused(
    { ...creds, METRICS_ENABLED: 'true', METRICS_PORT: '9100', METRICS_HOST: '0.0.0.0' },
    /^METRICS_HOST=0\.0\.0\.0 is not a loopback address/,
  );
  const withToken = loadConfig({ ...creds, METRICS_ENABLED: 'true', METRICS_TOKEN: 'a-token-of-enough-length' });
  assert.deepEqual(withToken.metrics, { token: 'a-token-of-enough-length', port: undefined, host: '127.0.0.1' });
  const ownPort = loadConfig({ ...creds, METRICS_ENABLED: 'true', METRICS_PORT: '9100' });
  assert.deepEqual(ownPort.metrics, { token: undefined, port: 9100, host: '127.0.0.1' });
  const both = loadConfig({
    ...creds,
    METRICS_ENABLED: 'true',
    METRICS_PORT: '9100',
    METRICS_HOST: '0.0.0.0',
    METRICS_TOKEN: 'a-token-of-enough-length',
  });
  assert.equal(both.metrics.host, '0.0.0.0');
});

test('a server started from *_FILE secrets completes an install with them, and prints none of them', async (t) => {
  const emu = await startEmulator(t);
  const dir = tempDir(t);
  const secrets: Record<string, string> = {
    SLACK_CLIENT_SECRET: TEST_APP.clientSecret,
    SLACK_SIGNING_SECRET: TEST_APP.signingSecret,
    INSTALL_SECRET: 'install-secret-from-a-file-0123456789',
    ENCRYPTION_KEY: KEY,
    METRICS_TOKEN: 'metrics-token-from-a-file-0123',
  };
  const env: Record<string, string> = { ...emulatorEnv(emu), METRICS_ENABLED: 'true' };
  for (const [name, value] of Object.entries(secrets)) {
    delete env[name];
    const path = join(dir, name.toLowerCase());
    writeFileSync(path, `${value}\n`, { mode: 0o600 });
    env[`${name}_FILE`] = path;
  }
  const server = await startServerProcess(t, env);
  assert.equal(server.installUrl, `${server.url}/slack/install/${secrets.INSTALL_SECRET}`);
  // The emulator checks the client secret at oauth.v2.access: the install completes only with the file's secret.
  const { res, html } = await install(new Browser(), server.installUrl);
  assert.equal(res.status, 200);
  assert.match(webhookUrlFrom(html), /\/services\//);
  const metrics = await fetch(`${server.url}/metrics`, {
    headers: { authorization: `Bearer ${secrets.METRICS_TOKEN}` },
  });
  assert.equal(metrics.status, 200);
  assert.equal(await server.stop(), 0);
  for (const [name, value] of Object.entries(secrets)) {
    if (name !== 'INSTALL_SECRET') assert.ok(!server.output().includes(value), `${name} is not in the output`);
  }
});

test('SLACK_PKCE is off by default and must be true or false', () => {
  assert.equal(loadConfig(creds).slack.pkce, false);
  assert.equal(loadConfig({ ...creds, SLACK_PKCE: 'true' }).slack.pkce, true);
  refused({ ...creds, SLACK_PKCE: 'yes' }, /^SLACK_PKCE must be true or false/);
});
