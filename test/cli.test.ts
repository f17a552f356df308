import type { Installation } from '@slack/oauth';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { maskWebhookUrl } from '../src/cli/format.js';
import { verifyInstallations, type Output } from '../src/cli/verify.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import type { WebhookCheck } from '../src/slack/webhooks.js';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { Browser, freePort, install, sqliteDb, startApp, tempDir, webhookUrlFrom } from './helpers.js';

const CLI = join(process.cwd(), 'dist', 'src', 'cli.js');

function cli(cwd: string, args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The same, without blocking this process: needed when the CLI talks to an emulator or app running here. */
function cliAsync(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

interface Seed {
  team?: string;
  teamName?: string;
  channel?: string;
  channelName?: string;
  url: string;
  token?: string;
}

function installation(s: Seed): Installation {
  return {
    team: { id: s.team ?? 'T1', name: s.teamName ?? 'Acme' },
    enterprise: undefined,
    isEnterpriseInstall: false,
    user: { id: 'U1', token: undefined, scopes: undefined },
    bot: s.token === undefined ? undefined : { token: s.token, scopes: ['incoming-webhook'], id: '', userId: 'UBOT' },
    incomingWebhook: { url: s.url, channel: s.channelName ?? '#general', channelId: s.channel ?? 'C1' },
    appId: 'A1',
  };
}

/** A database in a temp folder with these installations, and the environment that points the CLI at it. */
async function seeded(t: Parameters<typeof tempDir>[0], seeds: Seed[]) {
  const dir = tempDir(t);
  const key = randomBytes(32);
  const databasePath = join(dir, 'db.sqlite');
  const store = await SqliteStore.open(databasePath, new SecretBox(key));
  const ids: number[] = [];
  for (const s of seeds) ids.push(await store.installations.insert(installation(s)));
  return {
    dir,
    ids,
    store,
    env: { DATABASE_PATH: databasePath, ENCRYPTION_KEY: key.toString('base64') },
    /** Opens the database afresh, to read what the CLI wrote. */
    reopen: async () => {
      const again = await SqliteStore.open(databasePath, new SecretBox(key));
      t.after(() => again.close());
      return again;
    },
  };
}

const SECRET_1 = 'abcDEF123secretONE';
const SECRET_2 = 'ghiJKL456secretTWO';
const SECRET_3 = 'mnoPQR789secretTHREE';
const URL_1 = `https://hooks.slack.com/services/T1/B001/${SECRET_1}`;
const URL_2 = `https://hooks.slack.com/services/T1/B002/${SECRET_2}`;
const URL_3 = `https://hooks.slack.com/services/T2/B003/${SECRET_3}`;
const TOKEN_1 = 'xoxb-1-token-one-secret';
const TOKEN_3 = 'xoxb-3-token-three-secret';

/** Three installations: two in T1 (channels C1, C2), one in T2 (C1) that is revoked. */
async function threeInstalls(t: Parameters<typeof tempDir>[0]) {
  const db = await seeded(t, [
    { team: 'T1', teamName: 'Acme', channel: 'C1', channelName: '#general', url: URL_1, token: TOKEN_1 },
    { team: 'T1', teamName: 'Acme', channel: 'C2', channelName: '#alerts', url: URL_2 },
    { team: 'T2', teamName: 'Beta', channel: 'C1', channelName: '#general', url: URL_3, token: TOKEN_3 },
  ]);
  const revokedAt = new Date('2026-03-04T05:06:07.890Z');
  assert.ok(await db.store.installations.revoke(db.ids[2]!, 'app uninstalled', revokedAt));
  await db.store.close();
  return { ...db, revokedAt };
}

function assertNoSecrets(text: string, where: string): void {
  for (const secret of [SECRET_1, SECRET_2, SECRET_3, TOKEN_1, TOKEN_3]) {
    assert.ok(!text.includes(secret), `${where} shows a secret (${secret}) without --reveal:\n${text}`);
  }
}

test('cli: install-url prints the same URL the server uses, and bad usage exits 2', async (t) => {
  const dir = tempDir(t);
  const first = cli(dir, ['install-url'], { PUBLIC_URL: 'https://hooks.example.com' });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^https:\/\/hooks\.example\.com\/slack\/install\/[A-Za-z0-9_-]{32}\n$/);
  assert.equal(
    cli(dir, ['install-url'], { PUBLIC_URL: 'https://hooks.example.com' }).stdout,
    first.stdout,
    'generated once, then kept',
  );
  const unknown = cli(dir, ['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  assert.equal(cli(dir, []).code, 2);
  assert.equal(cli(dir, ['install-url', 'extra']).code, 2);
  const bad = cli(dir, ['install-url'], { PORT: 'x' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /PORT/);
});

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

/** RFC 4180: fields split on commas, quoted fields may hold commas, CRLF and doubled quotes; rows end in CRLF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else {
        quoted = false;
        assert.ok([',', '\r', undefined].includes(text[i + 1]), `a closing quote is followed by , or CRLF (at ${i})`);
      }
    } else if (c === '"') {
      assert.equal(field, '', `a quote inside an unquoted field (at ${i})`);
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      assert.ok(c !== '\n' && c !== '\r', `a bare line break outside quotes (at ${i})`);
      field += c;
    }
  }
  assert.equal(quoted, false, 'every quote is closed');
  assert.deepEqual([row, field], [[], ''], 'the last row ends with CRLF');
  return rows;
}

test('cli export: JSON and RFC 4180 CSV of every installation, revoked ones too, masked unless --reveal', async (t) => {
  const nasty = 'Acme, "The Best"\nCorp\r\n=cmd|\' /C calc\'!A0 \u001b[31m';
  const { dir, ids, env, store } = await seeded(t, [
    { team: 'T1', teamName: nasty, channel: 'C1', channelName: '#a,b "c"', url: URL_1, token: TOKEN_1 },
    { team: 'T2', teamName: 'Plain', channel: 'C2', channelName: '#lone\rreturn', url: URL_2 },
  ]);
  await store.installations.revoke(ids[1]!, 'webhook dead: no_service');
  await store.close();

  const csv = cli(dir, ['export', '--format', 'csv'], env);
  assert.equal(csv.code, 0, csv.stderr);
  assertNoSecrets(csv.stdout, 'export --format csv');
  const rows = parseCsv(csv.stdout);
  assert.equal(rows.length, 3, 'a header and one row per installation');
  const [header, ...data] = rows;
  assert.ok(
    data.every((r) => r.length === header!.length),
    'every row has every column',
  );
  const records = data.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]])));
  for (const column of [
    'id',
    'status',
    'teamId',
    'teamName',
    'channelId',
    'channelName',
    'webhookUrl',
    'botToken',
    'installedAt',
    'revokedAt',
    'revokedReason',
  ]) {
    assert.ok(header!.includes(column), `a ${column} column`);
  }
  assert.equal(records[0]!.id, String(ids[0]));
  assert.equal(
    records[0]!.teamName,
    'Acme, "The Best"\\nCorp\\r\\n=cmd|\' /C calc\'!A0 \\u001b[31m',
    'commas and quotes survive the round trip; line breaks and escapes are shown, not written (cli-output.test)',
  );
  assert.equal(records[0]!.channelName, '#a,b "c"');
  assert.equal(records[0]!.webhookUrl, 'https://hooks.slack.com/services/T1/B001/••••');
  assert.equal(records[0]!.botToken, '••••');
  assert.equal(records[0]!.status, 'active');
  assert.equal(records[0]!.revokedAt, '');
  assert.equal(records[1]!.status, 'revoked');
  assert.equal(records[1]!.revokedReason, 'webhook dead: no_service');
  assert.match(records[1]!.revokedAt!, /^\d{4}-\d\d-\d\dT/);
  assert.equal(records[1]!.botToken, '', 'no bot, empty');
  assert.equal(records[1]!.channelName, '#lone\\rreturn', 'a lone CR is shown, not written');

  const revealed = parseCsv(cli(dir, ['export', '--format', 'csv', '--reveal'], env).stdout);
  assert.equal(revealed[1]![header!.indexOf('webhookUrl')], URL_1);
  assert.equal(revealed[1]![header!.indexOf('botToken')], TOKEN_1);

  const json = cli(dir, ['export', '--format', 'json'], env);
  assert.equal(json.code, 0, json.stderr);
  assertNoSecrets(json.stdout, 'export --format json');
  const exported = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
  assert.deepEqual(
    exported.map((r) => r.id),
    ids,
  );
  assert.equal(exported[0]!.teamName, nasty);
  assert.equal(exported[1]!.revokedReason, 'webhook dead: no_service');
  assert.deepEqual(exported, JSON.parse(cli(dir, ['list', '--json'], env).stdout), 'the same objects as list --json');
  const jsonRevealed = JSON.parse(cli(dir, ['export', '--format=json', '--reveal'], env).stdout) as Array<
    Record<string, unknown>
  >;
  assert.equal(jsonRevealed[1]!.webhookUrl, URL_2);

  // The readable table keeps one line per installation and passes no control character to the terminal.
  const table = cli(dir, ['list'], env).stdout;
  assert.equal(table.trimEnd().split('\n').length, 3);
  assert.ok(!table.includes('\u001b') && !table.includes('\r'), 'no raw escape or carriage return');
  assert.ok(table.includes('Acme, "The Best"\\nCorp\\r\\n'), 'line breaks shown escaped');
  assert.match(
    cli(dir, ['show', String(ids[0])], env).stdout,
    /^workspace:\s+Acme, "The Best"\\nCorp\\r\\n=cmd\|' \/C calc'!A0 \\u001b\[31m \(T1\)$/m,
  );

  for (const bad of [['export'], ['export', '--format', 'xml'], ['export', '--format'], ['export', 'csv']]) {
    const run = cli(dir, bad, env);
    assert.equal(run.code, 2, `${bad.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, /usage: slack-webhook-installer export --format json\|csv/);
  }
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

test('cli: bad usage exits 2 with the command usage before any configuration is read; help lists commands and --reveal', async (t) => {
  const dir = tempDir(t);
  const badConfig = { PORT: 'x', DATABASE_PATH: join(dir, 'db.sqlite') };
  for (const command of [
    'install-url',
    'list',
    'show',
    'revoke',
    'verify',
    'export',
    'prune',
    'rotate-key',
    'migrate',
  ]) {
    const run = cli(dir, [command, '--no-such-option'], badConfig);
    assert.equal(run.code, 2, `${command}: ${run.stderr}`);
    assert.match(run.stderr, /Unknown option '--no-such-option'/);
    assert.match(run.stderr, new RegExp(`usage: slack-webhook-installer ${command}`));
    assert.equal(run.stdout, '');
    const help = cli(dir, [command, '--help'], badConfig);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, new RegExp(`^usage: slack-webhook-installer ${command}`));
  }
  const help = cli(dir, ['help']);
  assert.equal(help.code, 0);
  for (const command of [
    'install-url',
    'list',
    'show',
    'revoke',
    'verify',
    'export',
    'prune',
    'rotate-key',
    'migrate',
  ]) {
    assert.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'));
  }
  assert.match(help.stdout, /--reveal/);
  assert.match(help.stdout, /masked/);
  assert.match(help.stdout, /Exit codes: 0 done, 1 failure, 2 bad usage/);
  assert.equal(cli(dir, ['constructor']).code, 2, 'no command from Object.prototype');
  assert.equal(existsSync(join(dir, 'db.sqlite')), false, 'bad usage touched no database');

  const missing = cli(dir, ['list'], { DATABASE_PATH: join(dir, 'nowhere', 'db.sqlite') });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no database at .*nowhere/);
  assert.equal(existsSync(join(dir, 'nowhere')), false, 'a wrong DATABASE_PATH creates nothing');
  const noKey = await seeded(t, [{ url: URL_1 }]);
  await noKey.store.close();
  const keyless = cli(noKey.dir, ['list'], { DATABASE_PATH: noKey.env.DATABASE_PATH });
  assert.equal(keyless.code, 1);
  assert.match(keyless.stderr, /ENCRYPTION_KEY is not set/);
  assert.equal(existsSync(join(noKey.dir, 'encryption.key')), false, 'no new key file made beside the database');
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

/** An Output that keeps what is written. */
function sink(isTTY: boolean): Output & { text: string } {
  const out = {
    text: '',
    isTTY,
    write(s: string) {
      out.text += s;
      return true;
    },
  };
  return out;
}

test('verifyInstallations: a few checks at a time, dead ones revoked, progress only on a terminal', async () => {
  const outcomes: Record<string, WebhookCheck> = {
    u1: { outcome: 'live' },
    u2: { outcome: 'dead', reason: 'no_service' },
    u3: { outcome: 'unknown', detail: 'HTTP 503' },
    u4: { outcome: 'dead', reason: 'channel_is_archived' },
    u5: { outcome: 'live' },
    u6: { outcome: 'live' },
    u7: { outcome: 'live' },
  };
  const targets = Object.keys(outcomes).map((url, i) => ({ id: i + 1, webhookUrl: url }));
  for (const tty of [true, false]) {
    let inFlight = 0;
    let most = 0;
    const revoked: Array<[number, string]> = [];
    const out = sink(false);
    const progress = sink(tty);
    const summary = await verifyInstallations(targets, {
      check: async (url) => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5 + (url.charCodeAt(1) % 3) * 5));
        inFlight -= 1;
        if (url === 'u6') throw new Error('boom');
        return outcomes[url]!;
      },
      revoke: async (id, reason) => {
        revoked.push([id, reason]);
        return id !== 4; // #4 was revoked meanwhile, by the server
      },
      concurrency: 3,
      out,
      progress,
    });
    assert.equal(most, 3, 'three checks at a time, no more');
    assert.deepEqual(summary, { checked: 7, live: 3, dead: 2, unknown: 2 });
    assert.deepEqual(revoked.sort(), [
      [2, 'webhook dead: no_service'],
      [4, 'webhook dead: channel_is_archived'],
    ]);
    assert.deepEqual(out.text.split('\n').filter(Boolean).sort(), [
      '#2 dead (no_service): revoked',
      '#3 unknown (HTTP 503): left as it is',
      '#4 dead (channel_is_archived): revoked already',
      '#6 unknown (boom): left as it is',
    ]);
    if (tty) {
      assert.ok(progress.text.startsWith('\r[0/7] checking…'), JSON.stringify(progress.text));
      assert.ok(progress.text.includes('\r[7/7] checking…'));
      assert.ok(progress.text.endsWith('\r\u001b[K'), 'the progress line is cleared at the end');
    } else {
      assert.equal(progress.text, '', 'no progress when not on a terminal');
    }
  }
});

test('cli verify: the dead webhook is revoked, the unknown and the live ones are left, nothing is posted, exit 1', async (t) => {
  const key = randomBytes(32).toString('base64');
  const { app, emu, config } = await startApp(t, { ENCRYPTION_KEY: key, SLACK_TIMEOUT_MS: '1000' });
  const urls: string[] = [];
  for (let i = 0; i < 3; i++) {
    const { res, html } = await install(new Browser(), app.installUrl);
    assert.equal(res.status, 200, html);
    urls.push(webhookUrlFrom(html));
  }
  const ids = (await app.store.installations.list()).map((r) => r.id);
  assert.equal(ids.length, 3);
  assert.ok(emu.emulator.killWebhook(urls[1]!));
  const posted = emu.emulator.messages().length;
  const env = { DATABASE_PATH: config.databasePath, ENCRYPTION_KEY: key, SLACK_TIMEOUT_MS: '1000' };
  const dir = tempDir(t);

  // One at a time, so that the 503 (which "Slack" answers to the next webhook request, whatever the URL) is the first's.
  emu.emulator.failNext('webhook', { kind: 'status', status: 503 });
  const run = await cliAsync(dir, ['verify', '--all', '--concurrency', '1'], env);
  assert.equal(run.code, 1, `an unknown answer makes it fail: ${run.stderr}`);
  assert.deepEqual(emu.emulator.pendingFaults(), [], 'the 503 was played to verify');
  assert.deepEqual(run.stdout.split('\n'), [
    `#${ids[0]} unknown (HTTP 503): left as it is`,
    `#${ids[1]} dead (no_service): revoked`,
    'checked 3: 1 live, 1 dead (revoked), 1 unknown',
    '',
  ]);
  assert.ok(
    !run.stderr.includes('\r') && !run.stderr.includes('checking'),
    'no progress when stderr is not a terminal',
  );
  for (const url of urls)
    assert.ok(!run.stdout.includes(url) && !run.stderr.includes(url), 'no webhook URL in the report');

  // Read back through the running server's own store.
  const [unknown, dead, live] = await Promise.all(ids.map(async (id) => (await app.store.installations.get(id))!));
  assert.equal(dead!.revokedReason, 'webhook dead: no_service');
  assert.ok(dead!.revokedAt !== null);
  assert.equal(unknown!.revokedAt, null, 'unknown: left as it is');
  assert.equal(live!.revokedAt, null, 'live: left as it is');
  assert.equal(emu.emulator.messages().length, posted, 'verify posted nothing into any channel');

  // Default concurrency; only active installations are checked, and now every one answers.
  const again = await cliAsync(dir, ['verify', '--all'], env);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, 'checked 2: 2 live, 0 dead (revoked), 0 unknown\n');

  const one = await cliAsync(dir, ['verify', String(ids[2])], env);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(one.stdout, 'checked 1: 1 live, 0 dead (revoked), 0 unknown\n');

  // A webhook that does not answer in SLACK_TIMEOUT_MS is unknown, not dead.
  emu.emulator.failNext('webhook', { kind: 'hang' });
  const hung = await cliAsync(dir, ['verify', String(ids[0])], { ...env, SLACK_TIMEOUT_MS: '300' });
  assert.equal(hung.code, 1);
  assert.match(hung.stdout, new RegExp(`^#${ids[0]} unknown \\(timed out after 300 ms\\): left as it is$`, 'm'));
  assert.equal((await app.store.installations.get(ids[0]!))!.revokedAt, null);

  const revoked = await cliAsync(dir, ['verify', String(ids[1])], env);
  assert.equal(revoked.code, 1);
  assert.match(revoked.stderr, /is revoked .*webhook dead: no_service.*only active installations are checked/);
  const missing = await cliAsync(dir, ['verify', '999'], env);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'no installation 999\n');
  for (const bad of [
    [],
    ['1', '--all'],
    ['1', '2'],
    ['--all', '--concurrency', '0'],
    ['--all', '--concurrency', 'many'],
    ['x'],
  ]) {
    const run = await cliAsync(dir, ['verify', ...bad], env);
    assert.equal(run.code, 2, `verify ${bad.join(' ')}: ${run.stderr}`);
  }
  assert.equal(emu.emulator.messages().length, posted, 'still nothing posted');
});

test('cli verify --all, in parallel: each result goes to its own installation', async (t) => {
  const key = randomBytes(32).toString('base64');
  const { app, emu, config } = await startApp(t, { ENCRYPTION_KEY: key });
  const urls: string[] = [];
  for (let i = 0; i < 8; i++) urls.push(webhookUrlFrom((await install(new Browser(), app.installUrl)).html));
  // One whose host refuses connections: no answer, so unknown.
  const refused = `http://127.0.0.1:${await freePort()}/services/T0ACME0001/B0REFUSED/secret`;
  const refusedId = await app.store.installations.insert(installation({ team: 'T0ACME0001', url: refused }));
  const byUrl = new Map((await app.store.installations.list()).map((r) => [r.webhookUrl, r.id]));
  const killed = [urls[0]!, urls[3]!, urls[7]!];
  for (const url of killed) assert.ok(emu.emulator.killWebhook(url));
  const posted = emu.emulator.messages().length;

  const run = await cliAsync(tempDir(t), ['verify', '--all'], {
    DATABASE_PATH: config.databasePath,
    ENCRYPTION_KEY: key,
  });
  assert.equal(run.code, 1, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  assert.equal(lines.at(-1), 'checked 9: 5 live, 3 dead (revoked), 1 unknown');
  assert.deepEqual(
    lines.slice(0, -1).sort(),
    [
      ...killed.map((url) => `#${byUrl.get(url)} dead (no_service): revoked`),
      `#${refusedId} unknown (ECONNREFUSED): left as it is`,
    ].sort(),
  );
  for (const record of await app.store.installations.list()) {
    const dead = killed.includes(record.webhookUrl);
    assert.equal(record.revokedReason, dead ? 'webhook dead: no_service' : null, `#${record.id}`);
  }
  assert.equal(emu.emulator.messages().length, posted, 'nothing posted');
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
