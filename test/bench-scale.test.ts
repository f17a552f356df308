// The scale benchmark's arithmetic and its section of BENCHMARKS.md (the run itself is `npm run bench -- --scale`,
// minutes long and judged by time, so not part of npm test; the behaviour it measures is tested in
// cli-streaming, verify-scale and store-scale).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  databaseBlock,
  scaleSection,
  scaleTable,
  writeScaleSection,
  SCALE_END,
  SCALE_START,
  type ScaleResults,
} from '../bench/scale-report.js';
import { tempDir } from './helpers.js';

const run = (ms: number, rssMiB = 60) => ({ ms, rssMiB });
const allLive = 'checked 10000: 10000 live, 0 dead (revoked), 0 unknown';

/** Results exactly on every target's edge. */
function onTheEdge(): ScaleResults {
  return {
    database: 'PostgreSQL',
    rows: 1_000_000,
    startupMs: { empty: 400, full: 480 },
    flows: { empty: { perSecond: 100, p99Ms: 50 }, full: { perSecond: 90, p99Ms: 60 } },
    show: { empty: run(200), full: run(300) },
    listTeam: { empty: run(200), full: run(300) },
    listJson: { empty: run(200), full: run(60_000, 150) },
    listJsonTenth: run(4000),
    exportCsv: { empty: run(200), full: run(60_000, 150) },
    verify: {
      webhooks: 10_000,
      empty: { ...run(10_000), summary: allLive },
      full: { ...run(10_000), summary: allLive },
      limited: {
        ...run(15_000),
        summary: `${allLive}; 40 rate-limited answer(s) waited out and retried`,
        rateLimited: 40,
      },
    },
  };
}

test('scale table: every target met on its edge, and each one just past it is named as missed', () => {
  assert.deepEqual(scaleTable(onTheEdge()).missed, []);
  const past: Array<[string, (r: ScaleResults) => void]> = [
    ['start-up', (r) => (r.startupMs.full = 481)],
    ['install flows/s', (r) => (r.flows.full.perSecond = 89.9)],
    ['`list --json` ', (r) => (r.listJson.full.rssMiB = 151)],
    ['time for all rows', (r) => (r.listJsonTenth.ms = 3999)],
    ['`export --format csv`', (r) => (r.exportCsv.full.rssMiB = 150.5)],
    ['`verify --all`', (r) => (r.verify.full.summary = 'checked 10000: 9999 live, 1 dead (revoked), 0 unknown')],
    ['answers 429', (r) => (r.verify.limited.rateLimited = 0)],
  ];
  for (const [name, spoil] of past) {
    const r = onTheEdge();
    spoil(r);
    const { missed, text } = scaleTable(r);
    assert.equal(missed.length, 1, `${name}: ${missed.join(' | ')}`);
    assert.ok(`${missed[0]!} `.includes(name.trim()), `${name}: ${missed[0]}`);
    assert.ok(missed[0]!.startsWith('PostgreSQL: '), 'a missed target names its database');
    assert.match(text, /\*\*missed\*\*/);
  }
});

test('the scale section replaces its previous version in BENCHMARKS.md and leaves the rest alone', (t) => {
  const path = join(tempDir(t), 'BENCHMARKS.md');
  writeFileSync(path, '# Benchmarks\n\nthe comparison with Bolt\n');
  writeScaleSection(path, `${SCALE_START}\nfirst\n${SCALE_END}`);
  writeScaleSection(path, `${SCALE_START}\nsecond\n${SCALE_END}`);
  const md = readFileSync(path, 'utf8');
  assert.ok(md.startsWith('# Benchmarks\n\nthe comparison with Bolt\n'));
  assert.ok(md.includes('second') && !md.includes('first'));
  assert.equal(md.split(SCALE_START).length, 2, 'one section');
});

test("a run of one database (--db) rewrites its own block of the section and keeps the other database's", (t) => {
  const path = join(tempDir(t), 'BENCHMARKS.md');
  const write = (blocks: Array<[string, string]>) => {
    const md = readFileSync(path, 'utf8');
    const section = scaleSection(
      'intro',
      new Map(blocks.map(([label, body]) => [label, databaseBlock(label, body)])),
      ['SQLite', 'PostgreSQL'],
      md,
    );
    writeScaleSection(path, section);
  };
  writeFileSync(path, '# Benchmarks\n');
  write([
    ['SQLite', 'sqlite one'],
    ['PostgreSQL', 'postgres one'],
  ]);
  write([['PostgreSQL', 'postgres two']]);
  write([['SQLite', 'sqlite $& two']]);
  const md = readFileSync(path, 'utf8');
  assert.ok(md.includes('sqlite $& two') && md.includes('postgres two'), md);
  assert.ok(!md.includes('one'), md);
  assert.ok(md.indexOf('sqlite $& two') < md.indexOf('postgres two'), 'SQLite first, whatever ran last');
  assert.equal(md.split(SCALE_START).length, 2, 'one section');
});
