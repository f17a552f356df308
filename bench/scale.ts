// `npm run bench -- --scale`: the server and the CLI on an empty database and on one with a million installations
// (built once through the store, then reused), side by side, in the same run; writes the table into BENCHMARKS.md
// and exits 1 when a target of issue 14 is missed.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SecretBox } from '../src/crypto/secret-box.js';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { runFlows } from './load.js';
import { freePort, median, percentile, spawnNode, stopProcess, timeToFirstAnswer, type Spawned } from './measure.js';
import { machine } from './report.js';
import { addScaleRows, scaleInstallation } from './scale-rows.js';
import { scaleTable, SCALE_END, SCALE_START, writeScaleSection, type Run, type ScaleResults } from './scale-report.js';
import { BENCH_APPS, BENCH_INSTALL_SECRET, EMULATOR_PREFIX } from './shared.js';

/** Bump when scale-rows.ts writes different rows, so that cached databases are rebuilt. */
const GENERATOR_VERSION = 1;
const VERIFY_WEBHOOKS = 10_000;
const LIMITED_CHECKS = 40;
const STARTS = 11;

export interface ScaleOptions {
  root: string;
  rows: number;
  write: boolean;
  /** Where the built database is kept between runs. */
  cacheDir: string;
  flowSeconds: number;
}

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

interface Cached {
  path: string;
  key: string;
  maxId: number;
}

/**
 * The database of `rows` installations: reused when a previous run left it (rows added by that run's installs and
 * checks are deleted first), else built through the store. The key sits beside it, mode 600.
 */
async function scaleDatabase(opts: ScaleOptions): Promise<Cached> {
  const dir = join(opts.cacheDir, `rows-${opts.rows}-v${GENERATOR_VERSION}`);
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
      if (n === opts.rows) {
        log(`reusing the ${opts.rows.toLocaleString('en-US')}-row database in ${dir}`);
        return { ...cached, path };
      }
    } finally {
      db.close();
    }
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`, manifestPath]) rmSync(file, { force: true });
  const key = randomBytes(32).toString('base64');
  log(`building a ${opts.rows.toLocaleString('en-US')}-row database through the store in ${dir} (reused next time)…`);
  const started = performance.now();
  const store = await SqliteStore.open(path, new SecretBox(Buffer.from(key, 'base64')));
  let shown = 0;
  addScaleRows(store, 0, opts.rows, (done) => {
    if (done - shown >= opts.rows / 10 || done === opts.rows) {
      shown = done;
      log(`  ${done.toLocaleString('en-US')} rows, ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
  });
  const maxId = opts.rows; // ids run 1..rows in a fresh database
  await store.close();
  writeFileSync(manifestPath, JSON.stringify({ path, key, maxId }), { mode: 0o600 });
  return { path, key, maxId };
}

async function startEmulator(root: string, dir: string, urlsFile: string): Promise<{ proc: Spawned; url: string }> {
  const port = await freePort();
  const proc = spawnNode([join(root, 'dist', 'bench', 'emulator-server.js')], {
    cwd: dir,
    env: {
      PORT: String(port),
      NODE_ENV: 'production',
      SEED_WEBHOOKS: String(VERIFY_WEBHOOKS),
      SEED_WEBHOOKS_FILE: urlsFile,
    },
    logFile: join(dir, 'emulator.log'),
  });
  const url = `http://127.0.0.1:${port}${EMULATOR_PREFIX}`;
  await timeToFirstAnswer(proc, `${url}/api/auth.test`, 60_000);
  return { proc, url };
}

function serverEnv(databasePath: string, port: number, emulatorUrl: string, key: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    SLACK_CLIENT_ID: BENCH_APPS.server.clientId,
    SLACK_CLIENT_SECRET: BENCH_APPS.server.clientSecret,
    SLACK_AUTHORIZE_URL: `${emulatorUrl}/oauth/v2/authorize`,
    SLACK_API_URL: `${emulatorUrl}/api/`,
    SLACK_WEBHOOK_ORIGINS: emulatorUrl,
    ENCRYPTION_KEY: key,
    INSTALL_SECRET: BENCH_INSTALL_SECRET,
    DATABASE_PATH: databasePath,
    LOG_LEVEL: 'info',
  };
}

async function startServer(root: string, dir: string, databasePath: string, emulatorUrl: string, key: string) {
  const port = await freePort();
  const proc = spawnNode([join(root, 'dist', 'server.js')], {
    cwd: dir,
    env: serverEnv(databasePath, port, emulatorUrl, key),
    logFile: join(dir, 'server.log'),
  });
  const { ms } = await timeToFirstAnswer(proc, `http://127.0.0.1:${port}/healthz`, 60_000);
  return { proc, url: `http://127.0.0.1:${port}`, startupMs: ms };
}

/** One CLI command, its output read through a pipe and counted; wall time and peak RSS. */
function cli(
  root: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<Run & { code: number | null; bytes: number; head: string; tail: string }> {
  const rssFile = join(cwd, `rss-${process.hrtime.bigint()}`);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      ['--import', join(root, 'dist', 'bench', 'max-rss.js'), join(root, 'dist', 'src', 'cli.js'), ...args],
      { cwd, env: { PATH: process.env.PATH ?? '', ...env, MAX_RSS_FILE: rssFile }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let bytes = 0;
    let head = '';
    let tail = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      bytes += d.length;
      if (head.length < 200) head += d.slice(0, 200);
      tail = (tail + d).slice(-200);
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code !== 0 && code !== 1) {
        reject(new Error(`cli ${args.join(' ')} exited ${code}: ${stderr.slice(-500)}`));
        return;
      }
      const rssMiB = Number(readFileSync(rssFile, 'utf8')) / 1024;
      rmSync(rssFile, { force: true });
      resolve({ ms, rssMiB, code, bytes, head, tail });
    });
  });
}

async function medianRun(runs: () => Promise<Run>, n = 3): Promise<Run> {
  const all: Run[] = [];
  for (let i = 0; i < n; i++) all.push(await runs());
  return { ms: median(all.map((r) => r.ms)), rssMiB: median(all.map((r) => r.rssMiB)) };
}

/** Appends one installation per webhook (through the store); returns the first new id. */
async function addVerifyRows(path: string, key: string, urls: string[]): Promise<number> {
  const store = await SqliteStore.open(path, new SecretBox(Buffer.from(key, 'base64')));
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
}

async function addFault(emulatorUrl: string, times: number): Promise<void> {
  const res = await fetch(`${emulatorUrl}/control/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ method: 'webhook', fault: { kind: 'status', status: 429, retryAfter: 1 }, times }),
  });
  if (res.status !== 204) throw new Error(`the emulator refused the fault: ${res.status} ${await res.text()}`);
}

export async function runScale(opts: ScaleOptions): Promise<number> {
  const started = performance.now();
  const { root, rows } = opts;
  log(`Scale benchmark: ${rows.toLocaleString('en-US')} installations against an empty database`);
  for (const line of machine(root).lines) log(line);
  const load = loadavg()[0]!;
  log(`- Load average at the start: ${load.toFixed(2)} on ${cpus().length} cores`);
  const full = await scaleDatabase(opts);
  const work = mkdtempSync(join(tmpdir(), 'swi-bench-scale-'));
  const key = full.key;
  const problems: string[] = [];
  let emulator: { proc: Spawned; url: string } | undefined;
  try {
    const urlsFile = join(work, 'webhooks.txt');
    mkdirSync(join(work, 'emulator'));
    emulator = await startEmulator(root, join(work, 'emulator'), urlsFile);
    const emu = emulator;
    const fresh = (name: string) => {
      const dir = join(work, name);
      mkdirSync(dir, { recursive: true });
      return { dir, path: join(dir, 'installations.db') };
    };

    // Start-ups: one unmeasured each (migrations, a cold file cache), then alternating.
    log('\nstart-ups');
    const emptyDb = fresh('empty-startups');
    for (const path of [emptyDb.path, full.path]) {
      const { proc } = await startServer(root, work, path, emu.url, key);
      await stopProcess(proc);
    }
    const startups = { empty: [] as number[], full: [] as number[] };
    for (let i = 0; i < STARTS; i++) {
      for (const which of ['empty', 'full'] as const) {
        const { proc, startupMs } = await startServer(
          root,
          work,
          which === 'empty' ? emptyDb.path : full.path,
          emu.url,
          key,
        );
        await stopProcess(proc);
        startups[which].push(startupMs);
      }
    }
    log(`  empty (ms): ${startups.empty.map((v) => v.toFixed(0)).join(', ')}`);
    log(`  ${rows.toLocaleString('en-US')} rows (ms): ${startups.full.map((v) => v.toFixed(0)).join(', ')}`);

    // Install flows: empty, full, full, empty, each on a fresh server (a fresh empty database each time).
    log('\ninstall flows');
    const flows = {
      empty: { done: 0, seconds: 0, lat: [] as number[] },
      full: { done: 0, seconds: 0, lat: [] as number[] },
    };
    for (const [i, which] of (['empty', 'full', 'full', 'empty'] as const).entries()) {
      const path = which === 'empty' ? fresh(`empty-flows-${i}`).path : full.path;
      const server = await startServer(root, work, path, emu.url, key);
      try {
        const result = await runFlows(`${server.url}/slack/install/${BENCH_INSTALL_SECRET}`, {
          concurrency: 16,
          warmupMs: 2000,
          durationMs: opts.flowSeconds * 1000,
        });
        if (result.errors > 0) problems.push(`${which}: ${result.errors} failed flows, e.g. ${result.errorSamples[0]}`);
        flows[which].done += result.completed;
        flows[which].seconds += opts.flowSeconds;
        flows[which].lat.push(...result.latenciesMs);
        log(`  ${which}: ${result.perSecond.toFixed(1)} flows/s, ${result.errors} errors`);
      } finally {
        await stopProcess(server.proc);
      }
    }
    const flowFigures = (f: typeof flows.empty) => ({
      perSecond: f.done / f.seconds,
      p99Ms: percentile(
        f.lat.sort((a, b) => a - b),
        99,
      ),
    });

    // The CLI. The empty database is the one the start-ups made (migrated, no rows).
    log('\ncommand line');
    const envFor = (path: string) => ({ DATABASE_PATH: path, ENCRYPTION_KEY: key });
    const both = async (args: (which: 'empty' | 'full') => string[], n = 1) => {
      const out = {} as { empty: Run; full: Run };
      for (const which of ['empty', 'full'] as const) {
        const env = envFor(which === 'empty' ? emptyDb.path : full.path);
        out[which] = await medianRun(() => cli(root, args(which), env, work), n);
        log(
          `  ${args(which).join(' ')} (${which}): ${(out[which].ms / 1000).toFixed(2)} s, ${out[which].rssMiB.toFixed(0)} MiB`,
        );
      }
      return out;
    };
    const show = await both((w) => ['show', w === 'empty' ? '1' : String(Math.floor(rows / 2))], 3);
    const listTeam = await both(() => ['list', '--team', 'T000000123'], 3);
    const listJson = await both(() => ['list', '--json']);
    const tenth = await cli(root, ['list', '--json', '--limit', String(rows / 10)], envFor(full.path), work);
    log(`  list --json --limit ${rows / 10}: ${(tenth.ms / 1000).toFixed(2)} s, ${tenth.rssMiB.toFixed(0)} MiB`);
    const exportCsv = await both(() => ['export', '--format', 'csv']);

    // verify: the emulator's 10,000 webhooks alone in a database, and after the million (checked with --after).
    log(`\nverify over ${VERIFY_WEBHOOKS.toLocaleString('en-US')} webhooks`);
    const urls = readFileSync(urlsFile, 'utf8').trim().split('\n');
    const verifyDb = fresh('verify');
    await addVerifyRows(verifyDb.path, key, urls);
    const firstFull = await addVerifyRows(full.path, key, urls);
    const verifyRun = async (path: string, args: string[]) => {
      const r = await cli(root, ['verify', '--all', ...args], envFor(path), work);
      const summary = r.tail.trim().split('\n').at(-1) ?? '';
      log(`  verify --all ${args.join(' ')}: ${(r.ms / 1000).toFixed(2)} s, ${r.rssMiB.toFixed(0)} MiB: ${summary}`);
      return { ms: r.ms, rssMiB: r.rssMiB, summary };
    };
    const verifyEmpty = await verifyRun(verifyDb.path, []);
    const verifyFull = await verifyRun(full.path, ['--after', String(firstFull - 1)]);
    // Again alone, while Slack answers the next LIMITED_CHECKS checks 429 with Retry-After: 1.
    const limitedDb = fresh('verify-limited');
    await addVerifyRows(limitedDb.path, key, urls);
    await addFault(emu.url, LIMITED_CHECKS);
    const limitedRun = await verifyRun(limitedDb.path, []);
    const waited = /; (\d+) rate-limited/.exec(limitedRun.summary);

    const results: ScaleResults = {
      rows,
      startupMs: { empty: median(startups.empty), full: median(startups.full) },
      flows: { empty: flowFigures(flows.empty), full: flowFigures(flows.full) },
      show,
      listTeam,
      listJson,
      listJsonTenth: { ms: tenth.ms, rssMiB: tenth.rssMiB },
      exportCsv,
      verify: {
        webhooks: VERIFY_WEBHOOKS,
        empty: verifyEmpty,
        full: verifyFull,
        limited: { ...limitedRun, rateLimited: waited === null ? 0 : Number(waited[1]) },
      },
    };
    const { text, missed } = scaleTable(results);
    const seconds = (performance.now() - started) / 1000;
    const loadEnd = loadavg()[0]!;
    log(`\n${text}\n`);
    if (opts.write) {
      const section = [
        SCALE_START,
        '## Scale: a million installations',
        '',
        `Written by \`npm run bench -- --scale\` on ${new Date().toISOString()}; the whole run took ${seconds.toFixed(0)} s.`,
        `Load average ${load.toFixed(2)} at the start and ${loadEnd.toFixed(2)} at the end on ${cpus().length} cores: the machine is shared, and`,
        'figures from a loaded machine are noisier (ratios are taken within the same run, so both columns bear it).',
        `Outcome: ${missed.length === 0 && problems.length === 0 ? 'every target met' : `missed: ${[...missed, ...problems].join('; ')}`}.`,
        '',
        text,
        '',
        `The ${rows.toLocaleString('en-US')}-row SQLite database is written through the store (\`bench/scale-rows.ts\`:`,
        'sealed columns as the server writes them, 2,000 workspaces, 20 channels each, one row in fifty org-wide, one in',
        'three revoked) and kept between runs. Start-up is spawn to the first answer of `/healthz`, median of',
        `${STARTS} alternating starts after one unmeasured each. Flows: 16 in flight, ${opts.flowSeconds} s measured after 2 s of warm-up,`,
        'rounds empty, full, full, empty, each on a fresh server against the Slack emulator in its own process. CLI',
        "times are spawn to exit, output read through a pipe; peak RSS is the process's own getrusage maximum",
        "(`bench/max-rss.ts`, preloaded). verify checks the emulator's real webhooks at the default concurrency (8).",
        SCALE_END,
      ].join('\n');
      writeScaleSection(join(root, 'BENCHMARKS.md'), section);
      log('Written to BENCHMARKS.md.');
    }
    log(`Took ${seconds.toFixed(1)} s.`);
    if (problems.length > 0) log(`\nFAILED:\n- ${problems.join('\n- ')}`);
    if (missed.length > 0) log(`\nMISSED ${missed.length} target(s):\n- ${missed.join('\n- ')}`);
    return problems.length > 0 || missed.length > 0 ? 1 : 0;
  } finally {
    if (emulator !== undefined) await stopProcess(emulator.proc);
    rmSync(work, { recursive: true, force: true });
  }
}
