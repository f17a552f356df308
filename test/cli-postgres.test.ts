// The operator's commands on PostgreSQL (DATABASE_URL), against the database a running server (in this process,
// on the same database) writes: every command, once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Browser, install, startApp, tempDir, webhookUrlFrom } from './helpers.js';
import { assertNoSecrets, cliAsync } from './support/cli.js';
import { postgresForFile } from './support/postgres.js';

const pg = postgresForFile();

test(
  'cli on DATABASE_URL: migrate, install-url, list, show, verify, export, revoke, rotate-key and prune',
  { skip: pg.skip },
  async (t) => {
    const url = await pg.cluster().createDatabase();
    const key = randomBytes(32).toString('base64');
    const dir = tempDir(t);
    const env = { DATABASE_URL: url, ENCRYPTION_KEY: key, SLACK_TIMEOUT_MS: '2000' };

    const migrated = await cliAsync(dir, ['migrate'], env);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /^database is at migration [5-9]\d*\n$/);
    const first = await cliAsync(dir, ['install-url'], { ...env, PUBLIC_URL: 'https://hooks.example.com' });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^https:\/\/hooks\.example\.com\/slack\/install\/[\w-]{32}\n$/);
    assert.equal(
      (await cliAsync(dir, ['install-url'], { ...env, PUBLIC_URL: 'https://hooks.example.com' })).stdout,
      first.stdout,
    );

    const { app, emu } = await startApp(t, { DATABASE_URL: url, ENCRYPTION_KEY: key });
    assert.equal(app.store.kind, 'postgres');
    const urls: string[] = [];
    for (let i = 0; i < 3; i++) urls.push(webhookUrlFrom((await install(new Browser(), app.installUrl)).html));
    const [a, b, c] = (await app.store.installations.list()).map((r) => r.id);
    assert.ok(emu.emulator.killWebhook(urls[1]!));

    const list = await cliAsync(dir, ['list'], env);
    assert.equal(list.code, 0, list.stderr);
    for (const id of [a, b, c]) assert.match(list.stdout, new RegExp(`^${id}\\b`, 'm'));
    for (const webhook of urls) assert.ok(!list.stdout.includes(webhook.split('/').pop()!), 'webhooks masked');
    assertNoSecrets(list.stdout, 'list');
    const json = JSON.parse((await cliAsync(dir, ['list', '--json', '--reveal'], env)).stdout) as Array<{
      webhookUrl: string;
    }>;
    assert.deepEqual(
      json.map((r) => r.webhookUrl),
      urls,
    );
    const show = await cliAsync(dir, ['show', String(a)], env);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /T0ACME0001/);

    const verify = await cliAsync(dir, ['verify', '--all'], env);
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, new RegExp(`#${b} dead \\(no_service\\): revoked`));
    assert.equal(
      (await app.store.installations.get(b!))!.revokedReason,
      'webhook dead: no_service',
      'the server sees it',
    );

    const csv = await cliAsync(dir, ['export', '--format', 'csv'], env);
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(csv.stdout.trimEnd().split('\n').length, 4, 'a header and three rows');

    const revoked = await cliAsync(dir, ['revoke', String(a), '--reason', 'customer left'], env);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal((await cliAsync(dir, ['revoke', String(a)], env)).code, 1, 'revoked already');

    const newKey = randomBytes(32).toString('base64');
    const rotated = await cliAsync(dir, ['rotate-key'], { ...env, ENCRYPTION_KEY: newKey, ENCRYPTION_KEYS_OLD: key });
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /re-encrypted 3 installation/);
    const after = { ...env, ENCRYPTION_KEY: newKey };
    assert.equal((await cliAsync(dir, ['list'], env)).code, 1, 'the old key alone no longer opens the rows');

    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const pruned = await cliAsync(dir, ['prune', '--revoked-before', tomorrow], after);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.match(pruned.stdout, /^deleted 2 installation/);
    const left = JSON.parse((await cliAsync(dir, ['list', '--json', '--reveal'], after)).stdout) as Array<{
      id: number;
      webhookUrl: string;
    }>;
    assert.deepEqual(
      left.map((r) => [r.id, r.webhookUrl]),
      [[c, urls[2]]],
    );
  },
);

test('cli on DATABASE_URL: an unreachable database is one line on stderr and exit 1', { skip: pg.skip }, async (t) => {
  const run = await cliAsync(tempDir(t), ['list'], {
    DATABASE_URL: 'postgres://swi:pw-not-shown@127.0.0.1:1/swi',
    DATABASE_CONNECT_TIMEOUT_MS: '300',
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /DATABASE_URL: could not connect to PostgreSQL at 127\.0\.0\.1:1, database swi/);
  assert.doesNotMatch(run.stderr, /pw-not-shown|^\s+at /m);
});
