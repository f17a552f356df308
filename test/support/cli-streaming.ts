// The streaming CLI's behaviour checks, run against a database of a few thousand installations on SQLite
// (test/cli-streaming.test.ts) and on PostgreSQL (test/cli-streaming-postgres.test.ts): streamed output equals the
// all-at-once output, paging with --limit/--after visits every installation once, and a reader that goes away ends
// an export quietly. Nothing is judged by time.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { teamId } from '../../bench/scale-rows.js';
import { installationsTable, toCsv, toJson, toView, type InstallationView } from '../../src/cli/format.js';
import { TTY_TABLE_LIMIT } from '../../src/cli/listing.js';
import type { InstallationRecord, InstallationScan } from '../../src/store/types.js';

const CLI = join(process.cwd(), 'dist', 'src', 'cli.js');

/** Runs the CLI to its end; it must exit 0 and (`quiet`) write nothing to stderr. */
export function cli(cwd: string, args: string[], env: Record<string, string>, quiet = true): string {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  assert.equal(run.status, 0, `${args.join(' ')}: ${run.stderr}`);
  if (quiet) assert.equal(run.stderr, '', `${args.join(' ')} writes nothing to stderr`);
  return run.stdout;
}

export const ids = (views: Array<{ id: number }>) => views.map((v) => v.id);
export const ndjson = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as InstallationView);

/** What the checks read directly from the store, to compare with the CLI's output. */
export type ListFrom = (scan?: InstallationScan) => Promise<InstallationRecord[]>;

/** `list` and `export` in every format, streamed, equal the same records formatted all at once. */
export async function streamedEqualsUnstreamed(dir: string, env: Record<string, string>, rows: number, list: ListFrom) {
  const records = await list();
  assert.equal(records.length, rows);
  for (const reveal of [false, true]) {
    const flag = reveal ? ['--reveal'] : [];
    const views = records.map((r) => toView(r, reveal));
    assert.equal(cli(dir, ['list', '--json', ...flag], env), toJson(views), `list --json ${flag.join('')}`);
    assert.equal(cli(dir, ['export', '--format', 'json', ...flag], env), toJson(views));
    assert.equal(cli(dir, ['export', '--format', 'csv', ...flag], env), toCsv(views));
    assert.deepEqual(ndjson(cli(dir, ['export', '--format', 'ndjson', ...flag], env)), views);
  }
  const team = teamId(7);
  const teamRecords = await list({ teamId: team });
  assert.ok(teamRecords.length > 1 && teamRecords.length < TTY_TABLE_LIMIT);
  assert.equal(cli(dir, ['list', '--team', team], env), installationsTable(teamRecords, false));
  assert.equal(
    cli(dir, ['list', '--json', '--team', team, '--active'], env),
    toJson(teamRecords.filter((r) => r.revokedAt === null).map((r) => toView(r, false))),
  );
  assert.equal(cli(dir, ['list', '--json', '--team', 'T-nobody'], env), '[]\n', 'an empty array is still valid JSON');
  assert.equal(cli(dir, ['list', '--team', 'T-nobody'], env), 'no installations\n');

  // Off a terminal the table is not cut; it comes in aligned blocks, one line per installation.
  const table = cli(dir, ['list'], env).trimEnd().split('\n');
  assert.equal(table.length, rows + 1);
  assert.match(table[0]!, /^id\s+workspace\s+channel\s+installed\s+status\s+webhook$/);
  assert.deepEqual(
    table.slice(1).map((line) => Number(line.split(' ', 1)[0])),
    ids(records),
  );
}

/** Pages of `list --limit N --after ID`, with and without a filter, visit every installation once, in id order. */
export function pagingVisitsEveryRowOnce(dir: string, env: Record<string, string>, rows: number) {
  for (const [filter, limit] of [
    [[], 700],
    [['--active'], 700],
    [['--revoked'], 700],
    [['--team', teamId(3)], 1], // two installations in this workspace
  ] as const) {
    const expected = ids(ndjson(cli(dir, ['list', '--format', 'ndjson', ...filter], env)));
    assert.ok(expected.length > 0);
    const seen: number[] = [];
    let after: number | undefined;
    for (let pages = 0; ; pages++) {
      assert.ok(pages <= rows, 'paging ends');
      const args = ['list', '--format', 'ndjson', '--limit', String(limit)];
      if (after !== undefined) args.push('--after', String(after));
      const page = ids(ndjson(cli(dir, [...args, ...filter], env)));
      assert.ok(page.length <= limit);
      if (page.length === 0) break;
      seen.push(...page);
      after = page.at(-1);
    }
    assert.deepEqual(seen, expected, `every row once, in id order (${filter.join(' ') || 'no filter'})`);
    assert.deepEqual(
      seen,
      [...new Set(seen)].sort((a, b) => a - b),
    );
  }
}

/** `export | head`: the reader goes away after the first chunk; the export ends at once, quietly, with exit 0. */
export async function exportToGoneReaderEndsQuietly(dir: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI, 'export', '--format', 'ndjson'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  assert.equal(code, 0, stderr);
  assert.equal(stderr, '');
}
