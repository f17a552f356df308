// `npm run bench -- --scale`: the server and the CLI on an empty database and on one with a million installations
// (built once through the store, then reused), side by side, in the same run, on SQLite and on PostgreSQL (`--db`
// picks one); writes each database's table into BENCHMARKS.md and exits 1 when a target of issue 14 is missed.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stopProcess, type Spawned } from './measure.js';
import { machine } from './report.js';
import type { ScaleDatabase } from './scale-database.js';
import { measureDatabase, STARTS } from './scale-measure.js';
import { postgresScaleDatabase } from './scale-postgres.js';
import { startEmulator } from './scale-processes.js';
import { databaseBlock, scaleSection, scaleTable, writeScaleSection, type ScaleResults } from './scale-report.js';
import { sqliteScaleDatabase } from './scale-sqlite.js';

const VERIFY_WEBHOOKS = 10_000;

export type ScaleDatabaseKind = 'sqlite' | 'postgres';

export interface ScaleOptions {
  root: string;
  rows: number;
  write: boolean;
  /** Where the built databases are kept between runs (SWI_SCALE_CACHE). */
  cacheDir: string;
  flowSeconds: number;
  /** Which databases to measure, in this order. */
  databases: ScaleDatabaseKind[];
}

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

const randomKey = () => randomBytes(32).toString('base64');

/** How each database's rows were made, under its table. */
function howBuilt(db: ScaleDatabase, rows: number): string {
  const n = rows.toLocaleString('en-US');
  const built =
    db.buildSeconds === undefined ? 'reused from the cache' : `built in this run in ${db.buildSeconds.toFixed(0)} s`;
  return db.label === 'SQLite'
    ? `The ${n}-row SQLite database is written through the store (\`bench/scale-rows.ts\`, \`insertNow\` and \`revoke\` in transactions of 5,000) and kept in the cache folder; here it was ${built}.`
    : `The ${n}-row PostgreSQL database is written through the store (\`bench/scale-postgres.ts\`: \`insertWith\` in transactions of 2,000, three at once, then \`revoke\`; then \`VACUUM (ANALYZE)\`, as autovacuum would) in a cluster whose data directory is kept in the cache folder and started by the benchmark; here it was ${built}. Empty databases are new databases of the same cluster.`;
}

export async function runScale(opts: ScaleOptions): Promise<number> {
  const started = performance.now();
  const { root, rows } = opts;
  log(
    `Scale benchmark: ${rows.toLocaleString('en-US')} installations against an empty database, on ${opts.databases.join(' and ')}`,
  );
  for (const line of machine(root).lines) log(line);
  const load = loadavg()[0]!;
  log(`- Load average at the start: ${load.toFixed(2)} on ${cpus().length} cores`);
  mkdirSync(opts.cacheDir, { recursive: true, mode: 0o700 });
  const work = mkdtempSync(join(tmpdir(), 'swi-bench-scale-'));
  const problems: string[] = [];
  const missed: string[] = [];
  const blocks = new Map<string, string>();
  let emulator: { proc: Spawned; url: string } | undefined;
  let keep = false;
  try {
    const urlsFile = join(work, 'webhooks.txt');
    mkdirSync(join(work, 'emulator'));
    emulator = await startEmulator(root, join(work, 'emulator'), urlsFile, VERIFY_WEBHOOKS);
    const webhooks = readFileSync(urlsFile, 'utf8').trim().split('\n');
    for (const kind of opts.databases) {
      const dbStarted = performance.now();
      const problemsBefore = problems.length;
      const loadBefore = loadavg()[0]!;
      let db: ScaleDatabase;
      let results: ScaleResults;
      try {
        db =
          kind === 'sqlite'
            ? await sqliteScaleDatabase(opts.cacheDir, rows, work, log, randomKey)
            : await postgresScaleDatabase(opts.cacheDir, rows, log, randomKey);
        try {
          results = await measureDatabase(db, {
            root,
            work,
            emulatorUrl: emulator.url,
            webhooks,
            rows,
            flowSeconds: opts.flowSeconds,
            log,
            problems,
          });
        } finally {
          await db.close();
        }
      } catch (err) {
        // The other database is still measured and written; the run exits 1 and keeps its logs.
        problems.push(`${kind}: ${err instanceof Error ? err.message : String(err)}`);
        log(`
${kind} could not be measured: ${problems.at(-1)}`);
        continue;
      }
      const table = scaleTable(results);
      missed.push(...table.missed);
      const failures = [...table.missed, ...problems.slice(problemsBefore)];
      const seconds = (performance.now() - dbStarted) / 1000;
      log(`\n${table.text}\n`);
      blocks.set(
        db.label,
        databaseBlock(
          db.label,
          [
            `### ${db.label}`,
            '',
            `Written on ${new Date().toISOString()}; this part of the run took ${seconds.toFixed(0)} s. Load average ${loadBefore.toFixed(2)} before and ${loadavg()[0]!.toFixed(2)} after on ${cpus().length} cores.`,
            `Outcome: ${failures.length === 0 ? 'every target met' : `missed: ${failures.join('; ')}`}.`,
            '',
            table.text,
            '',
            howBuilt(db, rows),
          ].join('\n'),
        ),
      );
    }
    const seconds = (performance.now() - started) / 1000;
    if (opts.write) {
      const intro = [
        '## Scale: a million installations',
        '',
        `Last written by \`npm run bench -- --scale\` on ${new Date().toISOString()} (${opts.databases.join(' and ')}; ${seconds.toFixed(0)} s in all).`,
        'The machine may be shared: ratios are taken within the same run of one database, so both columns bear the',
        'same load. Rows: 2,000 workspaces, 20 channels each, one row in fifty org-wide, one in three revoked, sealed',
        `columns as the server writes them. Start-up is spawn to the first answer of \`/healthz\`, median of ${STARTS}`,
        `alternating starts after one unmeasured each. Flows: 16 in flight, ${opts.flowSeconds} s measured after 2 s of warm-up,`,
        'rounds empty, full, full, empty, each on a fresh server against the Slack emulator in its own process. CLI',
        "times are spawn to exit, output read through a pipe; peak RSS is the process's own getrusage maximum",
        "(`bench/max-rss.ts`, preloaded). verify checks the emulator's real webhooks at the default concurrency (8).",
        "`npm run bench -- --scale --db sqlite` (or `postgres`) rewrites that database's part only.",
      ].join('\n');
      const path = join(root, 'BENCHMARKS.md');
      const md = existsSync(path) ? readFileSync(path, 'utf8') : '';
      writeScaleSection(path, scaleSection(intro, blocks, ['SQLite', 'PostgreSQL'], md));
      log('Written to BENCHMARKS.md.');
    }
    log(`Took ${seconds.toFixed(1)} s.`);
    if (problems.length > 0) log(`\nFAILED:\n- ${problems.join('\n- ')}`);
    if (missed.length > 0) log(`\nMISSED ${missed.length} target(s):\n- ${missed.join('\n- ')}`);
    if (problems.length > 0) keep = true;
    return problems.length > 0 || missed.length > 0 ? 1 : 0;
  } catch (err) {
    keep = true;
    throw err;
  } finally {
    if (emulator !== undefined) await stopProcess(emulator.proc);
    if (keep) log(`Logs kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}
