// The scale benchmark's SQLite side: the million-row database file built through the SQLite store and kept in the
// scale cache folder, empty database files beside the run's other files, and the verify rows.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SecretBox } from '../src/crypto/secret-box.js';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { GENERATOR_VERSION, type ScaleDatabase, type ScaleLog } from './scale-database.js';
import { addScaleRows, scaleInstallation } from './scale-rows.js';

interface Cached {
  path: string;
  key: string;
  maxId: number;
}

/**
 * The database of `rows` installations: reused when a previous run left it (rows added by that run's installs and
 * checks are deleted first), else built through the store. The key sits beside it, mode 600.
 */
async function cachedDatabase(
  cacheDir: string,
  rows: number,
  log: ScaleLog,
  randomKey: () => string,
): Promise<Cached & { buildSeconds: number | undefined }> {
  const dir = join(cacheDir, `rows-${rows}-v${GENERATOR_VERSION}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'installations.db');
  const manifestPath = join(dir, 'manifest.json');
  if (existsSync(manifestPath) && existsSync(path)) {
    const cached = JSON.parse(readFileSync(manifestPath, 'utf8')) as Cached;
    const db = new Database(path);
    try {
      db.prepare('DELETE FROM landing_sessions WHERE installation_id > ?').run(cached.maxId);
      db.prepare('DELETE FROM installations WHERE id > ?').run(cached.maxId);
      const n = (db.prepare('SELECT count(*) AS n FROM installations').get() as { n: number }).n;
      if (n === rows) {
        log(`reusing the ${rows.toLocaleString('en-US')}-row SQLite database in ${dir}`);
        return { ...cached, path, buildSeconds: undefined };
      }
    } finally {
      db.close();
    }
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`, manifestPath]) rmSync(file, { force: true });
  const key = randomKey();
  log(`building a ${rows.toLocaleString('en-US')}-row SQLite database through the store in ${dir} (reused next time)…`);
  const started = performance.now();
  const store = await SqliteStore.open(path, new SecretBox(Buffer.from(key, 'base64')));
  let shown = 0;
  addScaleRows(store, 0, rows, (done) => {
    if (done - shown >= rows / 10 || done === rows) {
      shown = done;
      log(`  ${done.toLocaleString('en-US')} rows, ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
  });
  const maxId = rows; // ids run 1..rows in a fresh database
  await store.close();
  const buildSeconds = (performance.now() - started) / 1000;
  log(`  built in ${buildSeconds.toFixed(0)} s`);
  writeFileSync(manifestPath, JSON.stringify({ path, key, maxId }), { mode: 0o600 });
  return { path, key, maxId, buildSeconds };
}

/** The SQLite side; empty databases are files under `workDir`. */
export async function sqliteScaleDatabase(
  cacheDir: string,
  rows: number,
  workDir: string,
  log: ScaleLog,
  randomKey: () => string,
): Promise<ScaleDatabase> {
  const full = await cachedDatabase(cacheDir, rows, log, randomKey);
  return {
    label: 'SQLite',
    key: full.key,
    fullEnv: { DATABASE_PATH: full.path },
    buildSeconds: full.buildSeconds,
    fresh: async (name) => {
      const dir = join(workDir, `sqlite-${name}`);
      mkdirSync(dir, { recursive: true });
      return { DATABASE_PATH: join(dir, 'installations.db') };
    },
    addVerifyRows: async (env, urls) => {
      const store = await SqliteStore.open(env.DATABASE_PATH!, new SecretBox(Buffer.from(full.key, 'base64')));
      try {
        let first = 0;
        store.db.transaction(() => {
          urls.forEach((url, i) => {
            const base = scaleInstallation(i);
            const id = store.installations.insertNow({ ...base, incomingWebhook: { ...base.incomingWebhook!, url } });
            if (i === 0) first = id;
          });
        })();
        return first;
      } finally {
        await store.close();
      }
    },
    close: async () => undefined,
  };
}
