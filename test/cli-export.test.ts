// cli export: JSON and RFC 4180 CSV.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli, seeded, URL_1, URL_2, TOKEN_1, assertNoSecrets } from './support/cli.js';

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
