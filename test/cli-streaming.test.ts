// `list` and `export` at (small) scale: streamed output equals the all-at-once output, paging visits every row
// once, a terminal's table is cut with a note, a reader that goes away ends the command quietly. Nothing here is
// judged by time: timings belong to `npm run bench -- --scale`.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { addScaleRows, teamId } from '../bench/scale-rows.js';
import { COMMANDS, type Context } from '../src/cli/commands.js';
import { installationsTable, toCsv, toJson, toView, type InstallationView } from '../src/cli/format.js';
import { TTY_TABLE_LIMIT } from '../src/cli/listing.js';
import { ChunkedWriter, ReaderGone } from '../src/cli/stream.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { tempDir, testConfig } from './helpers.js';

const CLI = join(process.cwd(), 'dist', 'src', 'cli.js');
const ROWS = 3000;

/** A database of ROWS installations written through the store (a third revoked), shared by the tests below. */
async function scaleDb(t: TestContext) {
  const dir = tempDir(t);
  const key = randomBytes(32);
  const databasePath = join(dir, 'db.sqlite');
  const store = await SqliteStore.open(databasePath, new SecretBox(key));
  addScaleRows(store, 0, ROWS);
  await store.close();
  const env = { DATABASE_PATH: databasePath, ENCRYPTION_KEY: key.toString('base64') };
  const open = async () => {
    const s = await SqliteStore.open(databasePath, new SecretBox(key));
    t.after(() => s.close());
    return s;
  };
  return { dir, env, open };
}

function cli(cwd: string, args: string[], env: Record<string, string>) {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  assert.equal(run.status, 0, `${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

/** Runs a command in this process with an output that can claim to be a terminal. */
async function inProcess(env: Record<string, string>, args: string[], tty: boolean) {
  const [name, ...rest] = args;
  const out = { text: '', isTTY: tty, write: (s: string) => ((out.text += s), true) };
  const err = { text: '', isTTY: tty, write: (s: string) => ((err.text += s), true) };
  const ctx: Context = { config: () => testConfig(env), out, err };
  const code = await COMMANDS[name!]!.run(rest, ctx);
  return { code, stdout: out.text, stderr: err.text };
}

const ids = (views: Array<{ id: number }>) => views.map((v) => v.id);
const ndjson = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as InstallationView);

test('streamed list and export equal the unstreamed output, byte for byte, in every format', async (t) => {
  const { dir, env, open } = await scaleDb(t);
  const store = await open();
  const records = await store.installations.list();
  assert.equal(records.length, ROWS);
  for (const reveal of [false, true]) {
    const flag = reveal ? ['--reveal'] : [];
    const views = records.map((r) => toView(r, reveal));
    assert.equal(cli(dir, ['list', '--json', ...flag], env), toJson(views), `list --json ${flag.join('')}`);
    assert.equal(cli(dir, ['export', '--format', 'json', ...flag], env), toJson(views));
    assert.equal(cli(dir, ['export', '--format', 'csv', ...flag], env), toCsv(views));
    assert.deepEqual(ndjson(cli(dir, ['export', '--format', 'ndjson', ...flag], env)), views);
  }
  const team = teamId(7);
  const teamRecords = await store.installations.list({ teamId: team });
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
  assert.equal(table.length, ROWS + 1);
  assert.match(table[0]!, /^id\s+workspace\s+channel\s+installed\s+status\s+webhook$/);
  assert.deepEqual(
    table.slice(1).map((line) => Number(line.split(' ', 1)[0])),
    ids(records),
  );
});

test('paging with --limit and --after visits every installation exactly once, with or without a filter', async (t) => {
  const { dir, env, open } = await scaleDb(t);
  const store = await open();
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
      assert.ok(pages <= ROWS, 'paging ends');
      const page = ids(
        ndjson(
          cli(
            dir,
            [
              'list',
              '--format',
              'ndjson',
              '--limit',
              String(limit),
              ...(after === undefined ? [] : ['--after', String(after)]),
              ...filter,
            ],
            env,
          ),
        ),
      );
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
  assert.equal(
    (await store.installations.count({ revoked: false })) + (await store.installations.count({ revoked: true })),
    ROWS,
  );
});

test('a table on a terminal is cut after a page and says how many more there are and how to see them', async (t) => {
  const { env, open } = await scaleDb(t);
  const store = await open();
  const cut = await inProcess(env, ['list'], true);
  assert.equal(cut.code, 0, cut.stderr);
  const lines = cut.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 1 + TTY_TABLE_LIMIT + 1, 'header, a page, the note');
  assert.equal(
    lines.at(-1),
    `… ${ROWS - TTY_TABLE_LIMIT} more not shown: --after ${TTY_TABLE_LIMIT} shows the next ${TTY_TABLE_LIMIT}, ` +
      '--limit N up to N at once, --format ndjson all of them',
  );
  const next = await inProcess(env, ['list', '--after', String(ROWS - 10), '--limit', '5'], true);
  assert.match(next.stdout, /\n… 5 more not shown: --after 2995 shows the next 5,/);
  const filtered = await inProcess(env, ['list', '--revoked', '--limit', '10'], true);
  const revoked = await store.installations.count({ revoked: true });
  assert.match(filtered.stdout, new RegExp(`\\n… ${revoked - 10} more not shown: --after \\d+ shows the next 10,`));
  const end = await inProcess(env, ['list', '--after', String(ROWS - 3)], true);
  assert.equal(end.stdout.trimEnd().split('\n').length, 4, 'the last page: no note');
  const json = await inProcess(env, ['list', '--json'], true);
  assert.equal((JSON.parse(json.stdout) as unknown[]).length, ROWS, 'JSON is never cut, even on a terminal');
});

test('list: bad --limit, --after or --format is a usage error', async (t) => {
  const { env } = await scaleDb(t);
  for (const bad of [
    ['--limit', '0'],
    ['--limit', 'ten'],
    ['--after', '-1'],
    ['--format', 'xml'],
    ['--json', '--format', 'csv'],
  ]) {
    await assert.rejects(inProcess(env, ['list', ...bad], false), { name: 'UsageError' }, bad.join(' '));
  }
  await assert.rejects(inProcess(env, ['export', '--format', 'table'], false), { name: 'UsageError' });
});

test('a reader that goes away (`| head`) ends a long export at once, quietly, with exit 0', async (t) => {
  const { dir, env } = await scaleDb(t);
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
});

test('ChunkedWriter waits for drain when the stream is full, and reports a closed stream as ReaderGone', async () => {
  const release: Array<() => void> = [];
  const stream = new Writable({ highWaterMark: 16, write: (_chunk, _enc, done) => release.push(() => done()) });
  const writer = new ChunkedWriter(stream, 8);
  assert.equal(writer.write('1234'), undefined, 'below a chunk: gathered, nothing written');
  let drained = false;
  const pending = writer.write('56789012345678901234')!.then(() => (drained = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(drained, false, 'the buffer is full: the writer waits');
  assert.equal(stream.writableLength, 24);
  release.shift()!();
  await pending;
  assert.equal(drained, true);

  const gone = new Writable({ highWaterMark: 1, write: () => undefined });
  const blocked = new ChunkedWriter(gone, 1).write('xx')!;
  gone.destroy();
  await assert.rejects(blocked, ReaderGone);
});
