import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { StoreOpenError } from '../../src/store/errors.js';
import { PostgresStore } from '../../src/store/postgres/store.js';
import { freePort } from '../helpers.js';
import { postgresForFile } from '../support/postgres.js';
import { conformance, hook } from './conformance.js';

const pg = postgresForFile();
const quiet = () => {};
const open = (url: string, box: SecretBox) =>
  PostgresStore.open({ url, poolSize: 4, connectTimeoutMs: 10_000 }, box, quiet);

conformance(
  'PostgresStore',
  {
    fresh: async (t, box) => {
      const url = await pg.cluster().createDatabase();
      const store = await open(url, box);
      t.after(() => store.close());
      return { store, open: (other) => open(url, other) };
    },
    rawWebhookUrl: async (store, id) => {
      const [row] = await (store as PostgresStore).db.query<{ webhook_url: string }>(
        'SELECT webhook_url FROM installations WHERE id = $1',
        [id],
      );
      return row!.webhook_url;
    },
  },
  pg.skip,
);

test(
  'PostgresStore: replicas started together on an empty database all come up, and each migration runs once',
  { skip: pg.skip },
  async () => {
    const url = await pg.cluster().createDatabase();
    const box = SecretBox.random();
    const stores = await Promise.all(Array.from({ length: 4 }, () => open(url, box)));
    try {
      for (const store of stores) assert.equal(await store.schemaVersion(), store.shippedVersion);
      const rows = await pg
        .cluster()
        .sql<{ version: number; n: string }>(
          url,
          'SELECT version, count(*) AS n FROM schema_migrations GROUP BY version ORDER BY version',
        );
      assert.deepEqual(
        rows.map((r) => [r.version, Number(r.n)]),
        Array.from({ length: stores[0]!.shippedVersion }, (_, i) => [i + 1, 1]),
      );
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  },
);

test(
  'PostgresStore: one state raced by many requests on two replicas is claimed exactly once',
  { skip: pg.skip },
  async (t) => {
    const url = await pg.cluster().createDatabase();
    const box = SecretBox.random();
    const [a, b] = [await open(url, box), await open(url, box)];
    t.after(() => Promise.all([a.close(), b.close()]));
    for (let round = 0; round < 5; round++) {
      const state = await a.oauthStates.generateStateParam({ scopes: [] }, new Date());
      const claims = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? a : b).oauthStates.claim(new Date(), state)),
      );
      assert.equal(claims.filter((c) => c.status === 'fulfilled').length, 1);
      for (const c of claims)
        if (c.status === 'rejected') assert.equal((c.reason as { reason: string }).reason, 'used');
    }
    // The other replica reads what one stored, and its landing session counts uses across both.
    const claim = await a.oauthStates.claim(
      new Date(),
      await b.oauthStates.generateStateParam({ scopes: [] }, new Date()),
    );
    const recorded = await a.recordInstall(hook(1), claim);
    assert.equal((await b.installations.get(recorded.id))!.webhookUrl, hook(1).incomingWebhook!.url);
    const uses = await Promise.all(
      Array.from({ length: 7 }, (_, i) => (i % 2 === 0 ? a : b).landingSessions.use(recorded.session, recorded.csrf)),
    );
    assert.equal(uses.filter((u) => 'installationId' in u).length, 5);
  },
);

test('PostgresStore: a libpq-style ?host= socket folder works', { skip: pg.skip }, async (t) => {
  const url = await pg.cluster().createDatabase();
  const database = new URL(url).pathname.slice(1);
  const socketUrl = `postgresql://postgres@/${database}?host=${encodeURIComponent(pg.cluster().socketDir)}&port=${pg.cluster().port}`;
  const store = await open(socketUrl, SecretBox.random());
  t.after(() => store.close());
  assert.equal(await store.ping(), true);
});

test(
  'PostgresStore: an unreachable server is retried until DATABASE_CONNECT_TIMEOUT_MS, then one line without the password',
  { skip: pg.skip },
  async () => {
    const port = await freePort(); // nothing listens there
    const messages: string[] = [];
    const error = await PostgresStore.open(
      { url: `postgres://app:hunter2secret@127.0.0.1:${port}/swi`, poolSize: 2, connectTimeoutMs: 600 },
      SecretBox.random(),
      (m) => messages.push(m),
    ).then(
      () => assert.fail('opened'),
      (err: unknown) => err,
    );
    assert.ok(error instanceof StoreOpenError, String(error));
    assert.match(
      error.message,
      new RegExp(
        `^DATABASE_URL: could not connect to PostgreSQL at 127\\.0\\.0\\.1:${port}, database swi within DATABASE_CONNECT_TIMEOUT_MS \\(600 ms\\): .*ECONNREFUSED`,
      ),
    );
    assert.ok(messages.length >= 1, 'it tried again before giving up');
    for (const text of [error.message, ...messages]) assert.ok(!text.includes('hunter2secret'));
  },
);

test('PostgresStore: a database that does not exist stops opening at once, naming it', { skip: pg.skip }, async () => {
  const url = pg.cluster().url('no_such_database');
  await assert.rejects(
    PostgresStore.open({ url, poolSize: 2, connectTimeoutMs: 60_000 }, SecretBox.random(), quiet),
    (err: Error) => err instanceof StoreOpenError && /database "no_such_database" does not exist/.test(err.message),
  );
});

test(
  'PostgresStore: every connection commits without waiting for the WAL flush, set before its first query; an install waits',
  { skip: pg.skip },
  async (t) => {
    const SETTING = "SELECT current_setting('synchronous_commit') AS s";
    const url = await pg.cluster().createDatabase();
    const store = await open(url, SecretBox.random());
    t.after(() => store.close());
    // Several connections at once, each asked first thing (a SET sent on 'connect' would race this query).
    const settings = await Promise.all(Array.from({ length: 3 }, () => store.db.query<{ s: string }>(SETTING)));
    for (const [row] of settings) assert.equal(row!.s, 'off');
    const recorded = await store.db.transaction(async (client) => {
      await client.query('SET LOCAL synchronous_commit = on');
      return (await client.query<{ s: string }>(SETTING)).rows[0]!.s;
    });
    assert.equal(recorded, 'on', 'recordInstall raises it for its own transaction (as here)');
    assert.equal((await store.db.query<{ s: string }>(SETTING))[0]!.s, 'off', 'and only for it');
  },
);
