// `list` and `export` at (small) scale: streamed output equals the all-at-once output, paging visits every row
// once, a terminal's table is cut with a note, a reader that goes away ends the command quietly. Nothing here is
// judged by time: timings belong to `npm run bench -- --scale`.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { addScaleRows } from '../bench/scale-rows.js';
import { COMMANDS, type Context } from '../src/cli/commands.js';
import { TTY_TABLE_LIMIT } from '../src/cli/listing.js';
import { ChunkedWriter, ReaderGone } from '../src/cli/stream.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { tempDir, testConfig } from './helpers.js';
import {
  exportToGoneReaderEndsQuietly,
  pagingVisitsEveryRowOnce,
  streamedEqualsUnstreamed,
} from './support/cli-streaming.js';

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

/** Runs a command in this process with an output that can claim to be a terminal. */
async function inProcess(env: Record<string, string>, args: string[], tty: boolean) {
  const [name, ...rest] = args;
  const out = { text: '', isTTY: tty, write: (s: string) => ((out.text += s), true) };
  const err = { text: '', isTTY: tty, write: (s: string) => ((err.text += s), true) };
  const ctx: Context = { config: () => testConfig(env), out, err };
  const code = await COMMANDS[name!]!.run(rest, ctx);
  return { code, stdout: out.text, stderr: err.text };
}

test('streamed list and export equal the unstreamed output, byte for byte, in every format', async (t) => {
  const { dir, env, open } = await scaleDb(t);
  const store = await open();
  await streamedEqualsUnstreamed(dir, env, ROWS, (scan) => store.installations.list(scan));
});

test('paging with --limit and --after visits every installation exactly once, with or without a filter', async (t) => {
  const { dir, env, open } = await scaleDb(t);
  const store = await open();
  pagingVisitsEveryRowOnce(dir, env, ROWS);
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
  await exportToGoneReaderEndsQuietly(dir, env);
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
