// The store with history: every query that start-up, an install and the operator's filtered commands run is
// answered from an index (checked with SQLite's own query plans, so it holds at any size), prune deletes in small
// transactions that leave the database free for installs in between, and key ids are found by index seeks.
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { addScaleRows, channelId, scaleInstallation, teamId } from '../bench/scale-rows.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { migrate } from '../src/store/sqlite/database.js';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { tempDir } from './helpers.js';

const TABLES = /^SCAN (installations|landing_sessions|used_oauth_states)\b|USE TEMP B-TREE/;

/** A store whose connection reports every statement it runs (with its values), and a way to see their plans. */
function tracedStore(path: string, box: SecretBox) {
  const statements = new Set<string>();
  const db = new Database(path, {
    verbose: (sql) => {
      if (/^\s*(SELECT|INSERT|UPDATE|DELETE)/i.test(String(sql))) statements.add(String(sql).trim());
    },
  });
  migrate(db);
  const store = new SqliteStore(db, box);
  const plans = db; // a second look at the same database, outside the trace
  return {
    store,
    /** Statements run so far whose plan reads a whole table or sorts, with that plan. */
    unindexed(): string[] {
      return [...statements].flatMap((sql) => {
        const plan = plans.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>;
        const bad = plan.filter((p) => TABLES.test(p.detail)).map((p) => p.detail);
        return bad.length === 0 ? [] : [`${sql.replace(/\s+/g, ' ')}  →  ${bad.join('; ')}`];
      });
    },
    statements,
  };
}

test('start-up, an install and the filtered CLI queries all use indexes, with history in the table', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'db.sqlite');
  const box = new SecretBox(randomBytes(32));
  const seed = await SqliteStore.open(path, box);
  addScaleRows(seed, 0, 2000);
  await seed.close();

  const traced = tracedStore(path, box);
  t.after(() => traced.store.close());
  const { store } = traced;
  // Start-up: what Store.open asks.
  assert.deepEqual(await store.installations.unknownKeyIds(), []);
  assert.equal(await store.installations.resealPlaintext(), 0);
  // An install: state claimed and used, the row, its landing session; then the test-message button and events.
  const state = await store.oauthStates.generateStateParam({ scopes: [] }, new Date());
  const claim = await store.oauthStates.claim(new Date(), state);
  const recorded = await store.recordInstall(scaleInstallation(5000), claim);
  {
    assert.ok('installationId' in (await store.landingSessions.use(recorded.session, recorded.csrf)));
    assert.equal((await store.installations.get(recorded.id))?.id, recorded.id);
    await store.installations.revokeByUsers(
      { teamId: teamId(1) },
      { botUserIds: ['U1'], installerUserIds: [] },
      'x',
      new Date(),
    );
    await store.installations.revokeWorkspace({ teamId: teamId(2), isEnterpriseInstall: false }, 'x', new Date());
    await store.installations.revoke(recorded.id, 'x');
    // The operator's filtered commands.
    assert.ok((await store.installations.list({ teamId: teamId(3) })).length > 0);
    assert.ok((await store.installations.list({ teamId: teamId(3), revoked: false })).length > 0);
    assert.ok((await store.installations.list({ channelId: channelId(3, 0) })).length > 0);
    assert.equal((await store.installations.list({ after: 10, limit: 5 })).length, 5);
    assert.ok((await store.installations.count({ teamId: teamId(3), after: 1 })) > 0);
    assert.ok((await store.installations.count({ revoked: true, after: 10 })) > 0);
  }
  await store.installations.pruneRevokedBefore(new Date(0));
  await store.installations.fetchInstallation({
    teamId: teamId(4),
    enterpriseId: undefined,
    isEnterpriseInstall: false,
  });
  assert.ok(traced.statements.size >= 15, `statements seen: ${traced.statements.size}`);
  assert.deepEqual(traced.unindexed(), [], 'every statement is answered from an index');
});

test('prune deletes in batches, each its own transaction: another connection installs between batches', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'db.sqlite');
  const key = randomBytes(32);
  const store = await SqliteStore.open(path, new SecretBox(key));
  t.after(() => store.close());
  addScaleRows(store, 0, 3000); // every third revoked: 1000 rows
  const revoked = await store.installations.count({ revoked: true });
  assert.equal(revoked, 1000);
  // The server, in another process in real life: its own connection, with no wait for a lock allowed.
  const server = await SqliteStore.open(path, new SecretBox(key));
  t.after(() => server.close());
  server.db.pragma('busy_timeout = 0');
  const installedDuring: number[] = [];
  const deleted = await store.installations.pruneRevokedBefore(new Date('2999-01-01'), {
    batchSize: 300,
    onBatch: async (soFar) => {
      installedDuring.push(await server.installations.insert(scaleInstallation(10_000 + soFar)));
    },
  });
  assert.equal(deleted, revoked);
  assert.equal(installedDuring.length, 3, 'between batches of 300, 300, 300 (and the last, 100)');
  assert.equal(await store.installations.count({ revoked: true }), 0);
  assert.equal(await store.installations.count(), 2000 + 3, 'active ones and those installed meanwhile stay');
  for (const id of installedDuring) assert.equal((await store.installations.get(id))?.revokedAt, null);
});

test('key ids in use are found whatever the number of rows, across a rotation; unknown ones stop start-up', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'db.sqlite');
  const [a, b] = [randomBytes(32), randomBytes(32)];
  const first = await SqliteStore.open(path, new SecretBox(a));
  addScaleRows(first, 0, 50);
  await first.close();
  const second = await SqliteStore.open(path, new SecretBox(b, [a]));
  addScaleRows(second, 50, 80);
  assert.deepEqual(await second.installations.unknownKeyIds(), []);
  await second.close();
  await assert.rejects(SqliteStore.open(path, new SecretBox(b)), /sealed under key id [0-9a-f]{16}, which is neither/);
  const rotated = await SqliteStore.open(path, new SecretBox(b, [a]));
  await rotated.installations.resealAll();
  await rotated.close();
  const after = await SqliteStore.open(path, new SecretBox(b));
  t.after(() => after.close());
  assert.equal(await after.installations.count(), 80);
});
