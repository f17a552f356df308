// Database faults with real processes: PostgreSQL stopped and started under a running server, and databases that
// cannot be opened at start-up (PostgreSQL and SQLite alike) ending in one line instead of a stack trace.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import {
  Browser,
  emulatorEnv,
  freePort,
  startEmulator,
  startServerProcess,
  tempDir,
  webhookUrlFrom,
} from './helpers.js';
import { postgresForFile } from './support/postgres.js';
import { waitUntil } from './support/wait.js';
import { at, consentVia, installAcross, replicas, startCountingEmulator } from './support/replicas.js';

const pg = postgresForFile();

/** The server's output when it stops at start-up; fails when it starts. */
async function startFails(t: TestContext, env: Record<string, string>): Promise<string> {
  const error = await startServerProcess(t, env).then(
    () => assert.fail('the server started'),
    (err: Error) => err,
  );
  const m = /^server exited with (\d+):\n([\s\S]*)$/.exec(error.message);
  assert.ok(m, error.message);
  assert.equal(m[1], '1');
  assert.doesNotMatch(m[2]!, /^\s+at /m, 'no stack trace');
  return m[2]!;
}

async function readyz(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`)).status;
}

test(
  'PostgreSQL stopped under running replicas: /readyz 503, /healthz 200, installs end on a clear 503, and the same processes install again once it is back',
  { skip: pg.skip },
  async (t) => {
    const emu = await startCountingEmulator(t);
    const url = await pg.cluster().createDatabase();
    const cluster = await replicas(emu, url, randomBytes(32).toString('base64'));
    const [a, b] = await Promise.all([cluster.start(t), cluster.start(t)]);
    assert.equal((await installAcross(a, b)).res.status, 200);

    // Stopped between Slack's answer and the write: Slack's code is spent, nothing is stored, the page says so.
    const browser = new Browser();
    const callback = await consentVia(browser, a);
    const held = emu.holdNextExchange();
    const answer = browser.get(at(b, callback));
    await held.arrived;
    await pg.cluster().stop();
    held.release();
    const unsaved = await answer;
    const unsavedPage = await unsaved.text();
    assert.equal(unsaved.status, 503, unsavedPage);
    assert.match(unsavedPage, /could not save it/);
    assert.match(unsavedPage, /nothing was stored/);
    assert.match(unsavedPage, /start again/);
    assert.doesNotMatch(unsavedPage, /hooks\.|services\//, 'no webhook URL');

    for (const replica of [a, b]) {
      assert.equal(await readyz(replica.direct), 503);
      const health = await fetch(`${replica.direct}/healthz`);
      assert.equal(health.status, 200, 'liveness does not depend on the database');
    }
    // While it is away, a callback cannot even be checked: 503, and Slack is not asked.
    const exchanges = emu.exchanges();
    const earlyBrowser = new Browser();
    const second = await consentVia(earlyBrowser, a);
    const checked = await earlyBrowser.get(at(b, second));
    assert.equal(checked.status, 503);
    assert.match(await checked.text(), /cannot reach its database/);
    assert.equal(emu.exchanges(), exchanges, 'Slack was not asked');

    await pg.cluster().start();
    for (const replica of [a, b]) await waitUntil(async () => (await readyz(replica.direct)) === 200, 'ready again');
    const again = await installAcross(b, a);
    assert.equal(again.res.status, 200, again.html);
    assert.ok(webhookUrlFrom(again.html));
    const after = await installAcross(a, a);
    assert.equal(after.res.status, 200);
    assert.match(a.output() + b.output(), /connection lost|database is unavailable|did not answer/);
  },
);

test(
  'start-up: PostgreSQL unreachable is retried for DATABASE_CONNECT_TIMEOUT_MS, then one line naming it, exit 1',
  { skip: pg.skip },
  async (t) => {
    const emu = await startEmulator(t);
    const output = await startFails(t, {
      ...emulatorEnv(emu),
      DATABASE_URL: `postgres://swi:pa55word-secret@127.0.0.1:${await freePort()}/swi`,
      DATABASE_CONNECT_TIMEOUT_MS: '700',
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
    assert.match(
      output,
      /^Database error: DATABASE_URL: could not connect to PostgreSQL at 127\.0\.0\.1:\d+, database swi within DATABASE_CONNECT_TIMEOUT_MS \(700 ms\): .*ECONNREFUSED/m,
    );
    assert.ok(!output.includes('pa55word-secret'), 'the password is not printed');
  },
);

test('start-up: DATABASE_URL needs ENCRYPTION_KEY in every NODE_ENV, and must be a PostgreSQL URL', async (t) => {
  const emu = await startEmulator(t);
  for (const NODE_ENV of ['development', 'production']) {
    const output = await startFails(t, {
      ...emulatorEnv(emu),
      NODE_ENV,
      PUBLIC_URL: 'http://127.0.0.1:3000',
      DATABASE_URL: 'postgres://swi@127.0.0.1:1/swi',
    });
    assert.match(output, /^Configuration error: ENCRYPTION_KEY is required with DATABASE_URL/m);
  }
  const output = await startFails(t, { ...emulatorEnv(emu), DATABASE_URL: 'mysql://u:secretpw@db/swi' });
  assert.match(output, /^Configuration error: DATABASE_URL must be a PostgreSQL URL/m);
  assert.ok(!output.includes('secretpw'));
});

test('start-up: a DATABASE_PATH whose folder cannot be made, or that is not a SQLite database, stops with one line', async (t) => {
  const emu = await startEmulator(t);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a-file'), 'x');
  const noFolder = await startFails(t, { ...emulatorEnv(emu), DATABASE_PATH: join(dir, 'a-file', 'sub', 'db.sqlite') });
  assert.match(noFolder, /^Database error: DATABASE_PATH: cannot create the folder .*a-file\/sub: .*(ENOTDIR|EEXIST)/m);

  writeFileSync(
    join(dir, 'not-a-db.sqlite'),
    'this is not a database file, just some text that is long enough '.repeat(20),
  );
  const notDb = await startFails(t, {
    ...emulatorEnv(emu),
    DATABASE_PATH: join(dir, 'not-a-db.sqlite'),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  });
  assert.match(
    notDb,
    /^Database error: DATABASE_PATH: cannot open .*not-a-db\.sqlite as a SQLite database: .*SQLITE_NOTADB/m,
  );

  mkdirSync(join(dir, 'a-folder'));
  const folder = await startFails(t, {
    ...emulatorEnv(emu),
    DATABASE_PATH: join(dir, 'a-folder'),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  });
  assert.match(folder, /^Database error: DATABASE_PATH: cannot open .*a-folder as a SQLite database/m);
});
