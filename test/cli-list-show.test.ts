// cli list and cli show, and how they mask webhook URLs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskWebhookUrl } from '../src/cli/format.js';
import { cli, URL_1, URL_2, URL_3, TOKEN_1, TOKEN_3, threeInstalls, assertNoSecrets } from './support/cli.js';

test('cli list: a table with workspace, channel, dates and status, masked webhooks, and filters', async (t) => {
  const { dir, ids, env, revokedAt } = await threeInstalls(t);
  const all = cli(dir, ['list'], env);
  assert.equal(all.code, 0, all.stderr);
  assertNoSecrets(all.stdout, 'list');
  const lines = all.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 4, all.stdout);
  assert.match(lines[0]!, /^id\s+workspace\s+channel\s+installed\s+status\s+webhook$/);
  assert.match(
    lines[1]!,
    new RegExp(
      `^${ids[0]}\\s+Acme \\(T1\\)\\s+#general \\(C1\\)\\s+\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\s+active\\s+` +
        'https://hooks\\.slack\\.com/services/T1/B001/••••$',
    ),
  );
  assert.match(lines[2]!, /#alerts \(C2\)\s+\S+\s+active\s+https:\/\/hooks\.slack\.com\/services\/T1\/B002\/••••$/);
  assert.match(
    lines[3]!,
    /Beta \(T2\).*revoked 2026-03-04T05:06:07Z \(app uninstalled\)\s+https:\/\/hooks\.slack\.com\/services\/T2\/B003\/••••$/,
  );

  const revealed = cli(dir, ['list', '--reveal'], env);
  assert.equal(revealed.code, 0, revealed.stderr);
  for (const secret of [URL_1, URL_2, URL_3, TOKEN_1, TOKEN_3])
    assert.ok(revealed.stdout.includes(secret), `--reveal shows ${secret}`);

  const json = (args: string[]) => {
    const run = cli(dir, ['list', '--json', ...args], env);
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as Array<Record<string, unknown>>;
  };
  const idsOf = (args: string[]) => json(args).map((r) => r.id);
  assert.deepEqual(idsOf([]), ids);
  assert.deepEqual(idsOf(['--team', 'T1']), [ids[0], ids[1]]);
  assert.deepEqual(idsOf(['--channel', 'C1']), [ids[0], ids[2]]);
  assert.deepEqual(idsOf(['--revoked']), [ids[2]]);
  assert.deepEqual(idsOf(['--active']), [ids[0], ids[1]]);
  assert.deepEqual(idsOf(['--team', 'T1', '--channel', 'C2', '--active']), [ids[1]]);
  assert.deepEqual(idsOf(['--team', 'T2', '--active']), []);
  assert.deepEqual(idsOf(['--team=T9']), []);

  const rows = json([]);
  assertNoSecrets(JSON.stringify(rows), 'list --json');
  const [first, , third] = rows;
  assert.equal(first!.teamId, 'T1');
  assert.equal(first!.teamName, 'Acme');
  assert.equal(first!.channelId, 'C1');
  assert.equal(first!.channelName, '#general');
  assert.equal(first!.status, 'active');
  assert.equal(first!.webhookUrl, 'https://hooks.slack.com/services/T1/B001/••••');
  assert.equal(first!.botToken, '••••', 'a token is shown to exist, not what it is');
  assert.equal(rows[1]!.botToken, null, 'no bot, no token');
  assert.match(String(first!.installedAt), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Math.abs(Date.parse(String(first!.installedAt)) - Date.now()) < 60_000);
  assert.equal(first!.revokedAt, null);
  assert.equal(third!.status, 'revoked');
  assert.equal(third!.revokedAt, revokedAt.toISOString());
  assert.equal(third!.revokedReason, 'app uninstalled');
  assert.deepEqual(first!.scopes, ['incoming-webhook']);

  const full = json(['--reveal']);
  assert.equal(full[0]!.webhookUrl, URL_1);
  assert.equal(full[0]!.botToken, TOKEN_1);
  assert.equal(full[2]!.webhookUrl, URL_3);

  const both = cli(dir, ['list', '--active', '--revoked'], env);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--active and --revoked/);
  assert.match(both.stderr, /usage: slack-webhook-installer list/);
  assert.equal(both.stdout, '');
});

test('cli show: every field one per line, masked unless --reveal; unknown id exits 1, a bad id 2', async (t) => {
  const { dir, ids, env } = await threeInstalls(t);
  const shown = cli(dir, ['show', String(ids[0])], env);
  assert.equal(shown.code, 0, shown.stderr);
  assertNoSecrets(shown.stdout, 'show');
  const fields = new Map(
    shown.stdout
      .trimEnd()
      .split('\n')
      .map((line) => {
        const m = /^([a-z -]+):\s+(.*)$/.exec(line);
        assert.ok(m, `"${line}" is "label: value"`);
        return [m[1]!, m[2]!] as const;
      }),
  );
  assert.equal(fields.get('id'), String(ids[0]));
  assert.equal(fields.get('status'), 'active');
  assert.equal(fields.get('workspace'), 'Acme (T1)');
  assert.equal(fields.get('channel'), '#general (C1)');
  assert.equal(fields.get('webhook url'), 'https://hooks.slack.com/services/T1/B001/••••');
  assert.match(fields.get('bot token')!, /^•••• \(hidden; --reveal shows it\)$/);
  assert.equal(fields.get('bot user id'), 'UBOT');
  assert.equal(fields.get('app id'), 'A1');
  assert.equal(fields.get('scopes'), 'incoming-webhook');
  assert.equal(fields.get('installed by'), 'U1');
  assert.match(fields.get('installed at')!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(fields.get('revoked at'), '-');
  for (const label of ['enterprise', 'org-wide install', 'configuration url', 'revoked reason'])
    assert.ok(fields.has(label), label);

  const revealed = cli(dir, ['show', String(ids[0]), '--reveal'], env);
  assert.match(revealed.stdout, new RegExp(`^webhook url:\\s+${URL_1.replaceAll('.', '\\.')}$`, 'm'));
  assert.match(revealed.stdout, new RegExp(`^bot token:\\s+${TOKEN_1}$`, 'm'));

  const revoked = cli(dir, ['show', String(ids[2])], env);
  assert.match(revoked.stdout, /^status:\s+revoked 2026-03-04T05:06:07Z \(app uninstalled\)$/m);
  assert.match(revoked.stdout, /^revoked reason:\s+app uninstalled$/m);

  const asJson = JSON.parse(cli(dir, ['show', String(ids[1]), '--json'], env).stdout) as Record<string, unknown>;
  assert.equal(asJson.id, ids[1]);
  assert.equal(asJson.webhookUrl, 'https://hooks.slack.com/services/T1/B002/••••');

  const missing = cli(dir, ['show', '999'], env);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'no installation 999\n');
  assert.equal(missing.stdout, '');
  for (const bad of [
    ['show'],
    ['show', 'abc'],
    ['show', '1.5'],
    ['show', '-1'],
    ['show', '1', '2'],
    ['show', '1', '--nope'],
  ]) {
    const run = cli(dir, bad, env);
    assert.equal(run.code, 2, `${bad.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, /usage: slack-webhook-installer show <id>/);
  }
});

test('maskWebhookUrl keeps the origin, team and service ids and hides the secret; anything else keeps its origin only', () => {
  assert.equal(
    maskWebhookUrl('https://hooks.slack.com/services/T0ACME0001/B0123/AbCdEf0123456789'),
    'https://hooks.slack.com/services/T0ACME0001/B0123/••••',
  );
  assert.equal(
    maskWebhookUrl('http://127.0.0.1:4000/_emulator/services/T1/B1/sec/'),
    'http://127.0.0.1:4000/_emulator/services/T1/B1/••••',
  );
  assert.equal(maskWebhookUrl('https://user:pass@example.com/hook/secret?token=x'), 'https://example.com/••••');
  assert.equal(maskWebhookUrl('not a url secret'), '••••');
});
