// cli revoke and cli prune, also while the server has the database open.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { maskWebhookUrl } from '../src/cli/format.js';
import { Browser, install, sqliteDb, startApp, tempDir, webhookUrlFrom } from './helpers.js';
import { cli, cliAsync, seeded, URL_1, URL_2, URL_3, threeInstalls } from './support/cli.js';

test('cli revoke: marks one installation revoked with a reason, and refuses an unknown or already revoked one', async (t) => {
  const { dir, ids, env, reopen } = await threeInstalls(t);
  const first = cli(dir, ['revoke', String(ids[0])], env);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, new RegExp(`revoked installation ${ids[0]} \\(revoked by operator\\)`));
  const again = cli(dir, ['revoke', String(ids[0]), '--reason', 'second time'], env);
  assert.equal(again.code, 1);
  assert.match(
    again.stderr,
    new RegExp(`installation ${ids[0]} is revoked \\d{4}-.*\\(revoked by operator\\) already`),
  );
  const withReason = cli(dir, ['revoke', String(ids[1]), '--reason', 'customer left'], env);
  assert.equal(withReason.code, 0, withReason.stderr);
  const alreadyByServer = cli(dir, ['revoke', String(ids[2])], env);
  assert.equal(alreadyByServer.code, 1);
  assert.match(alreadyByServer.stderr, /revoked 2026-03-04T05:06:07Z \(app uninstalled\) already/);
  const missing = cli(dir, ['revoke', '999'], env);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'no installation 999\n');
  assert.equal(cli(dir, ['revoke'], env).code, 2);
  assert.equal(cli(dir, ['revoke', 'x'], env).code, 2);
  assert.equal(cli(dir, ['revoke', String(ids[1]), '--reason', ' '], env).code, 2);
  assert.equal(cli(dir, ['revoke', String(ids[1]), '--reason'], env).code, 2);

  const store = await reopen();
  const one = (await store.installations.get(ids[0]!))!;
  assert.equal(one.revokedReason, 'revoked by operator', 'the second revoke changed nothing');
  assert.ok(one.revokedAt !== null && Math.abs(one.revokedAt.getTime() - Date.now()) < 60_000);
  assert.equal((await store.installations.get(ids[1]!))!.revokedReason, 'customer left');
  assert.equal((await store.installations.get(ids[2]!))!.revokedReason, 'app uninstalled');
  assert.equal(await store.installations.count(), 3, 'revoked installations are kept');
});

test('cli prune: deletes only installations revoked before the date; active ones stay whatever the date', async (t) => {
  const { dir, ids, env, store, reopen } = await seeded(t, [
    { url: URL_1, channel: 'C1' },
    { url: URL_2, channel: 'C2' },
    { url: URL_3, channel: 'C3' },
    { url: `${URL_3}x`, channel: 'C4' },
  ]);
  await store.installations.revoke(ids[0]!, 'old', new Date('2026-01-10T00:00:00Z'));
  await store.installations.revoke(ids[1]!, 'on the day', new Date('2026-01-31T12:00:00Z'));
  await store.installations.revoke(ids[2]!, 'recent', new Date('2026-02-15T00:00:00Z'));
  await store.close();
  const remaining = async () => (await (await reopen()).installations.list()).map((r) => r.id);

  const byDate = cli(dir, ['prune', '--revoked-before', '2026-01-31'], env);
  assert.equal(byDate.code, 0, byDate.stderr);
  assert.match(byDate.stdout, /^deleted 1 installation\(s\) revoked before 2026-01-31T00:00:00Z\n$/);
  assert.deepEqual(await remaining(), [ids[1], ids[2], ids[3]]);

  assert.match(
    cli(dir, ['prune', '--revoked-before', '2026-01-31T14:00:00+02:00'], env).stdout,
    /deleted 0 /,
    '12:00Z is not before 12:00Z',
  );
  assert.match(cli(dir, ['prune', '--revoked-before', '2026-01-31T12:00:00.001Z'], env).stdout, /deleted 1 /);
  assert.deepEqual(await remaining(), [ids[2], ids[3]]);
  assert.match(cli(dir, ['prune', '--revoked-before', '2999-01-01'], env).stdout, /deleted 1 /);
  assert.deepEqual(await remaining(), [ids[3]], 'the active installation is never pruned');

  for (const bad of [
    [],
    ['--revoked-before'],
    ['--revoked-before', 'yesterday'],
    ['--revoked-before', '2026-02-30'],
    ['--revoked-before', '2026-01-31T10:00'],
    ['--revoked-before', '2026-13-01'],
    ['--revoked-before', '31/01/2026'],
    ['--revoked-before', '2026-01-31T24:00:00Z'],
    ['--before', '2026-01-31'],
    ['--revoked-before', '2026-01-31', 'extra'],
  ]) {
    const run = cli(dir, ['prune', ...bad], env);
    assert.equal(run.code, 2, `prune ${bad.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, /usage: slack-webhook-installer prune --revoked-before DATE/);
  }
  assert.deepEqual(await remaining(), [ids[3]]);
});

test('cli: works while the server has the same database open (WAL): list, revoke, and the server sees it', async (t) => {
  const key = randomBytes(32).toString('base64');
  const { app, url, config } = await startApp(t, { ENCRYPTION_KEY: key });
  const { html } = await install(new Browser(), app.installUrl);
  const webhookUrl = webhookUrlFrom(html);
  const [record] = await app.store.installations.list();
  assert.equal(sqliteDb(app).pragma('journal_mode', { simple: true }), 'wal');
  const env = { DATABASE_PATH: config.databasePath, ENCRYPTION_KEY: key };
  const dir = tempDir(t);

  const listed = await cliAsync(dir, ['list', '--json'], env);
  assert.equal(listed.code, 0, listed.stderr);
  const rows = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
  assert.deepEqual(
    rows.map((r) => r.id),
    [record!.id],
  );
  assert.equal(rows[0]!.teamId, 'T0ACME0001');
  assert.equal(rows[0]!.webhookUrl, maskWebhookUrl(webhookUrl));
  assert.ok(!listed.stdout.includes(webhookUrl));

  const revoked = await cliAsync(dir, ['revoke', String(record!.id), '--reason', 'moved to another channel'], env);
  assert.equal(revoked.code, 0, revoked.stderr);
  const after = (await app.store.installations.get(record!.id))!;
  assert.equal(after.revokedReason, 'moved to another channel', 'the server reads what the CLI wrote');
  assert.ok(after.revokedAt !== null);

  // The server goes on writing and serving with the CLI's change in place.
  const second = await install(new Browser(), app.installUrl);
  assert.equal(second.res.status, 200, second.html);
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  const active = await cliAsync(dir, ['list', '--active', '--json'], env);
  assert.deepEqual(
    (JSON.parse(active.stdout) as Array<{ id: number }>).map((r) => r.id),
    [record!.id + 1],
  );
});
