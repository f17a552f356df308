// The streaming CLI on PostgreSQL (its store reads keyset pages of 500 rows, not a cursor): the same behaviour checks
// as on SQLite (test/support/cli-streaming.ts), over a few thousand installations written through the PostgreSQL
// store, and the same through a reader that goes away. Nothing here is judged by time.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { addScaleRowsPostgres } from '../bench/scale-postgres.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { PostgresStore } from '../src/store/postgres/store.js';
import { tempDir } from './helpers.js';
import {
  exportToGoneReaderEndsQuietly,
  pagingVisitsEveryRowOnce,
  streamedEqualsUnstreamed,
} from './support/cli-streaming.js';
import { postgresForFile } from './support/postgres.js';

const pg = postgresForFile();
// More than two pages of the store's 500, and not a multiple of it.
const ROWS = 1234 + 1000;

/** A database of ROWS installations written through the store (a third revoked), and a store on it for the test. */
async function scaleDb(t: TestContext) {
  const url = await pg.cluster().createDatabase();
  const key = randomBytes(32);
  const store = await PostgresStore.open({ url, poolSize: 4, connectTimeoutMs: 10_000 }, new SecretBox(key), () => {});
  t.after(() => store.close());
  await addScaleRowsPostgres(store, 0, ROWS);
  return { dir: tempDir(t), env: { DATABASE_URL: url, ENCRYPTION_KEY: key.toString('base64') }, store };
}

test(
  'PostgreSQL: streamed list and export equal the unstreamed output, in every format',
  { skip: pg.skip },
  async (t) => {
    const { dir, env, store } = await scaleDb(t);
    await streamedEqualsUnstreamed(dir, env, ROWS, (scan) => store.installations.list(scan));
  },
);

test('PostgreSQL: paging with --limit and --after visits every installation once', { skip: pg.skip }, async (t) => {
  const { dir, env, store } = await scaleDb(t);
  pagingVisitsEveryRowOnce(dir, env, ROWS);
  assert.equal(await store.installations.count({ revoked: true }), Math.floor(ROWS / 3));
});

test(
  'PostgreSQL: a reader that goes away ends a long export at once, quietly, with exit 0',
  { skip: pg.skip },
  async (t) => {
    const { dir, env } = await scaleDb(t);
    await exportToGoneReaderEndsQuietly(dir, env);
  },
);
