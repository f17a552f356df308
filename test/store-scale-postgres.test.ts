// The PostgreSQL store with history: every statement that start-up, an install, the landing page, events and the
// operator's filtered commands run has a plan that reads an index, with neither a sequential scan of a table that
// grows nor a sort (EXPLAIN with both priced out, so the answer does not depend on the table's size: a plan that
// still has one has no index to use); prune deletes in batches, each its own short transaction.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';
import { addScaleRowsPostgres } from '../bench/scale-postgres.js';
import { channelId, scaleInstallation, teamId } from '../bench/scale-rows.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { PostgresStore } from '../src/store/postgres/store.js';
import { postgresForFile } from './support/postgres.js';

const cluster = postgresForFile();
const open = (url: string, box: SecretBox) =>
  PostgresStore.open({ url, poolSize: 4, connectTimeoutMs: 10_000 }, box, () => {});

const GROWING = /Seq Scan on (installations|landing_sessions|used_oauth_states|seen_events)\b|\bSort\b/;

/** Records every statement any pg client in this process runs (with its values), until `stop`. */
function traceStatements() {
  const statements = new Map<string, unknown[]>();
  // Taken off the prototype and called with each client as `this`, as the prototype itself does.
  const original = Reflect.get(pg.Client.prototype, 'query') as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, config: unknown, values?: unknown, ...rest: unknown[]) {
    const text = typeof config === 'string' ? config : (config as { text?: string }).text;
    const params = Array.isArray(values) ? values : ((config as { values?: unknown[] }).values ?? []);
    if (text !== undefined && /^\s*(WITH|SELECT|INSERT|UPDATE|DELETE)\b/i.test(text) && !statements.has(text))
      statements.set(text.trim(), params);
    return original.call(this, config, values, ...rest);
  } as typeof pg.Client.prototype.query;
  return { statements, stop: () => Reflect.set(pg.Client.prototype, 'query', original) };
}

test(
  'PostgreSQL: start-up, an install and the filtered CLI queries all use indexes',
  { skip: cluster.skip },
  async (t) => {
    const url = await cluster.cluster().createDatabase();
    const box = new SecretBox(randomBytes(32));
    const seed = await open(url, box);
    await addScaleRowsPostgres(seed, 0, 2000);
    await seed.close();
    await cluster.cluster().sql(url, 'VACUUM (ANALYZE)');

    const trace = traceStatements();
    let store: PostgresStore;
    try {
      store = await open(url, box); // start-up: migrations checked, key ids, plaintext rows
      t.after(() => store.close());
      const state = await store.oauthStates.generateStateParam({ scopes: [] }, new Date());
      const claim = await store.oauthStates.claim(new Date(), state);
      const recorded = await store.recordInstall(scaleInstallation(5000), claim);
      assert.equal((await store.installations.byLandingId(recorded.landingId))?.id, recorded.id);
      assert.ok(await store.landingSessions.find(recorded.session));
      assert.ok('installationId' in (await store.landingSessions.use(recorded.session, recorded.csrf)));
      assert.equal((await store.installations.get(recorded.id))?.id, recorded.id);
      const events = { teamId: teamId(1) };
      await store.installations.revokeByUsers(events, { botUserIds: ['U1'], installerUserIds: [] }, 'x', new Date());
      await store.installations.revokeWorkspace({ teamId: teamId(2), isEnterpriseInstall: false }, 'x', new Date());
      await store.installations.revoke(recorded.id, 'x');
      assert.ok((await store.installations.list({ teamId: teamId(3) })).length > 0);
      assert.ok((await store.installations.list({ teamId: teamId(3), revoked: false })).length > 0);
      assert.ok((await store.installations.list({ channelId: channelId(3, 0) })).length > 0);
      assert.equal((await store.installations.list({ after: 10, limit: 5 })).length, 5);
      assert.ok((await store.installations.count({ teamId: teamId(3), after: 1 })) > 0);
      assert.ok((await store.installations.count({ revoked: true, after: 10 })) > 0);
      await store.installations.pruneRevokedBefore(new Date(0));
      for (const orgWide of [false, true]) {
        await store.installations.fetchInstallation(
          orgWide
            ? { teamId: undefined, enterpriseId: 'E000000049', isEnterpriseInstall: true }
            : { teamId: teamId(4), enterpriseId: undefined, isEnterpriseInstall: false },
        );
      }
    } finally {
      trace.stop();
    }
    assert.ok(trace.statements.size >= 20, `statements seen: ${trace.statements.size}`);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    t.after(() => client.end());
    await client.query('SET enable_seqscan = off');
    await client.query('SET enable_sort = off');
    const unindexed: string[] = [];
    for (const [text, values] of trace.statements) {
      if (/schema_migrations|pg_advisory/.test(text)) continue;
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) ${text}`, values);
      const plan = rows.map((r) => r['QUERY PLAN']);
      if (plan.some((line) => GROWING.test(line)))
        unindexed.push(`${text.replace(/\s+/g, ' ')}\n  ${plan.join('\n  ')}`);
    }
    assert.deepEqual(unindexed, [], 'every statement is answered from an index');
  },
);

test(
  'PostgreSQL: prune deletes in batches, each its own transaction, installs complete between',
  { skip: cluster.skip },
  async (t) => {
    const url = await cluster.cluster().createDatabase();
    const box = new SecretBox(randomBytes(32));
    const store = await open(url, box);
    t.after(() => store.close());
    await addScaleRowsPostgres(store, 0, 3000); // every third revoked: 1000 rows
    assert.equal(await store.installations.count({ revoked: true }), 1000);
    const server = await open(url, box); // the server, another process in real life
    t.after(() => server.close());
    const installedDuring: number[] = [];
    const deleted = await store.installations.pruneRevokedBefore(new Date('2999-01-01'), {
      batchSize: 300,
      onBatch: async (soFar) => {
        // Between batches no transaction of the prune is open (so nothing it deleted is still locked) ...
        const [open] = await cluster
          .cluster()
          .sql<{ n: number }>(
            url,
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
          );
        assert.equal(open!.n, 0, 'no transaction held between batches');
        // ... and an install is written at once.
        installedDuring.push(await server.installations.insert(scaleInstallation(10_000 + soFar)));
      },
    });
    assert.equal(deleted, 1000);
    assert.equal(installedDuring.length, 3, 'between batches of 300, 300, 300 (and the last, 100)');
    assert.equal(await store.installations.count({ revoked: true }), 0);
    assert.equal(await store.installations.count(), 2000 + 3, 'active ones and those installed meanwhile stay');
  },
);

test(
  'PostgreSQL: the key ids in use are found by one index seek each, however many rows',
  { skip: cluster.skip },
  async (t) => {
    const url = await cluster.cluster().createDatabase();
    const [a, b] = [randomBytes(32), randomBytes(32)];
    const first = await open(url, new SecretBox(a));
    await addScaleRowsPostgres(first, 0, 1500);
    await first.close();
    const store = await open(url, new SecretBox(b, [a]));
    t.after(() => store.close());
    await addScaleRowsPostgres(store, 1500, 1600);
    await cluster.cluster().sql(url, 'VACUUM (ANALYZE)');
    const trace = traceStatements();
    try {
      assert.deepEqual(await store.installations.unknownKeyIds(), []);
    } finally {
      trace.stop();
    }
    const [statement] = [...trace.statements];
    assert.ok(statement !== undefined, 'unknownKeyIds ran one statement');
    const [text, values] = statement;
    const [row] = await cluster
      .cluster()
      .sql<{ 'QUERY PLAN': unknown }>(url, `EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values);
    // Every node that reads installations hands back at most one row each time it runs: a seek, never a walk.
    type PlanNode = { 'Relation Name'?: string; 'Actual Rows': number; Plans?: PlanNode[] };
    const reads: number[] = [];
    const walk = (node: PlanNode) => {
      if (node['Relation Name'] === 'installations') reads.push(node['Actual Rows']);
      node.Plans?.forEach(walk);
    };
    walk((row!['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0]!.Plan);
    assert.ok(reads.length > 0 && reads.every((n) => n <= 1), `rows per read: ${reads.join(', ')}`);
    const ids = [new SecretBox(a).keyId, new SecretBox(b).keyId].sort();
    const found = await cluster.cluster().sql<{ key_id: string }>(url, text, values);
    assert.deepEqual(
      found.map((r) => r.key_id),
      ids,
    );
  },
);
