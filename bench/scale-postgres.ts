// The scale benchmark's PostgreSQL side: a cluster kept in the scale cache folder (its data directory survives the
// run; the next run starts it again), the million-row database built in it through the PostgreSQL store's own code,
// empty databases beside it, and the verify rows.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SecretBox } from '../src/crypto/secret-box.js';
import { PostgresStore } from '../src/store/postgres/store.js';
import { INSTALL_HINT, PostgresCluster, postgresBin } from './postgres-cluster.js';
import { revokedAt, scaleInstallation } from './scale-rows.js';
import { GENERATOR_VERSION, type ScaleDatabase, type ScaleLog } from './scale-database.js';

/** Rows per transaction while building, and transactions in flight at once (one connection each). */
const BATCH = 2000;
const PARALLEL = 3;
const FULL = 'swi_scale_full';

interface Manifest {
  key: string;
  maxId: number;
  rows: number;
}

async function openStore(url: string, key: string, poolSize = 4): Promise<PostgresStore> {
  return PostgresStore.open(
    { url, poolSize, connectTimeoutMs: 30_000 },
    new SecretBox(Buffer.from(key, 'base64')),
    (message) => process.stderr.write(`${message}\n`),
  );
}

/**
 * Appends installations `from` to `to` (exclusive) through the PostgreSQL store: each batch is one transaction of
 * the store's own insert (`insertWith`, sealing as recordInstall does), PARALLEL batches at a time; every third row
 * is then revoked through the store's `revoke`, as in SQLite's build. Returns the largest id written.
 */
export async function addScaleRowsPostgres(
  store: PostgresStore,
  from: number,
  to: number,
  onProgress?: (done: number) => void,
): Promise<number> {
  let maxId = 0;
  let done = 0;
  let next = from;
  const worker = async () => {
    while (next < to) {
      const start = next;
      const end = Math.min(to, start + BATCH);
      next = end;
      const revoke: Array<{ id: number; n: number }> = [];
      await store.db.transaction(async (client) => {
        for (let n = start; n < end; n++) {
          const id = await store.installations.insertWith(client, scaleInstallation(n));
          maxId = Math.max(maxId, id);
          if (revokedAt(n) !== undefined) revoke.push({ id, n });
        }
      });
      await Promise.all(
        revoke.map(({ id, n }) => {
          const { reason, at } = revokedAt(n)!;
          return store.installations.revoke(id, reason, at);
        }),
      );
      done += end - start;
      onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return maxId;
}

/**
 * The PostgreSQL side: the kept cluster started, the full database reused (rows added by the last run's installs and
 * checks deleted) or built, and empty databases made on demand. Throws, saying how to install it, without PostgreSQL.
 */
export async function postgresScaleDatabase(
  cacheDir: string,
  rows: number,
  log: ScaleLog,
  randomKey: () => string,
): Promise<ScaleDatabase> {
  const bin = postgresBin();
  if (bin === undefined || !existsSync(join(bin, 'initdb')))
    throw new Error(`PostgreSQL is not installed: ${INSTALL_HINT}`);
  // The cluster runs as `postgres` when this runs as root: it must be able to pass through the cache folder (not list it).
  if (process.getuid?.() === 0) chmodSync(cacheDir, 0o711);
  const dir = join(cacheDir, `postgres-rows-${rows}-v${GENERATOR_VERSION}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // The key and the bookkeeping stay beside the cluster's folder, owned by whoever runs the benchmark.
  const manifestPath = `${dir}.json`;
  const cluster = await PostgresCluster.kept(bin, dir);
  try {
    const url = cluster.url(FULL);
    let manifest = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest) : undefined;
    let buildSeconds: number | undefined;
    if (manifest !== undefined && manifest.rows === rows && (await reusable(cluster, manifest))) {
      log(`reusing the ${rows.toLocaleString('en-US')}-row PostgreSQL database in ${dir}`);
    } else {
      const key = randomKey();
      await cluster.createDatabase(FULL);
      log(
        `building a ${rows.toLocaleString('en-US')}-row PostgreSQL database through the store in ${dir} (reused next time)…`,
      );
      const started = performance.now();
      const store = await openStore(url, key, PARALLEL + 2);
      let shown = 0;
      let maxId: number;
      try {
        maxId = await addScaleRowsPostgres(store, 0, rows, (done) => {
          if (done - shown >= rows / 10 || done === rows) {
            shown = done;
            log(`  ${done.toLocaleString('en-US')} rows, ${((performance.now() - started) / 1000).toFixed(0)} s`);
          }
        });
      } finally {
        await store.close();
      }
      // As autovacuum would soon after: statistics for the planner and the visibility map for index-only scans.
      await cluster.sql(FULL, 'VACUUM (ANALYZE) installations');
      await cluster.sql(FULL, 'CHECKPOINT');
      buildSeconds = (performance.now() - started) / 1000;
      log(`  built in ${buildSeconds.toFixed(0)} s`);
      manifest = { key, maxId, rows };
      writeFileSync(manifestPath, JSON.stringify(manifest), { mode: 0o600 });
    }
    const { key } = manifest;
    return {
      label: 'PostgreSQL',
      key,
      fullEnv: { DATABASE_URL: url },
      buildSeconds,
      fresh: async (name) => ({ DATABASE_URL: await cluster.createDatabase(`swi_scale_${name.replace(/-/g, '_')}`) }),
      addVerifyRows: async (env, urls) => {
        const store = await openStore(env.DATABASE_URL!, key, 2);
        try {
          return await store.db.transaction(async (client) => {
            let first = 0;
            for (const [i, webhook] of urls.entries()) {
              const base = scaleInstallation(i);
              const id = await store.installations.insertWith(client, {
                ...base,
                incomingWebhook: { ...base.incomingWebhook!, url: webhook },
              });
              if (i === 0) first = id;
            }
            return first;
          });
        } finally {
          await store.close();
        }
      },
      close: () => cluster.close(),
    };
  } catch (err) {
    await cluster.close();
    throw err;
  }
}

/** True when the kept full database has its rows: what a previous run added after them is deleted first. */
async function reusable(cluster: PostgresCluster, manifest: Manifest): Promise<boolean> {
  const [exists] = await cluster.sql<{ n: number }>(
    'postgres',
    'SELECT count(*)::int AS n FROM pg_database WHERE datname = $1',
    [FULL],
  );
  if (exists!.n === 0) return false;
  await cluster.sql(FULL, 'DELETE FROM landing_sessions WHERE installation_id > $1', [manifest.maxId]);
  const deleted = await cluster.sql(FULL, 'DELETE FROM installations WHERE id > $1 RETURNING 1', [manifest.maxId]);
  if (deleted.length > 0) await cluster.sql(FULL, 'VACUUM (ANALYZE) installations');
  // The pages this clean-up dirtied (every index's, by VACUUM) are written now, not by a checkpoint in the middle of
  // the full database's measurements (the empty ones have no such debt).
  await cluster.sql(FULL, 'CHECKPOINT');
  const [count] = await cluster.sql<{ n: number }>(FULL, 'SELECT count(*)::int AS n FROM installations');
  return count!.n === manifest.rows;
}
