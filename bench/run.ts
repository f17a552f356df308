// `npm run bench`: this server, Bolt and the floor, one after another, each a child process with the Slack emulator
// (another child process) as its Slack; prints one table, writes it into BENCHMARKS.md, and exits 1 when a target
// is missed or anything failed.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runFlows, runRedirects, type PhaseResult } from './load.js';
import { benchPostgres, postgresTable } from './postgres.js';
import {
  cpuMs,
  freePort,
  machineCpuMs,
  median,
  percentile,
  rssMiB,
  sleep,
  spawnNode,
  stopProcess,
  timeToFirstAnswer,
  type Spawned,
} from './measure.js';
import { table, writeBenchmarksMd, machine, type Results, type TargetResult } from './report.js';
import { runScale, type ScaleDatabaseKind } from './scale.js';
import { BENCH_APPS, BENCH_INSTALL_SECRET, EMULATOR_PREFIX, type TargetName } from './shared.js';

class BenchError extends Error {}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function parseOptions() {
  return parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      'redirect-duration': { type: 'string' },
      flows: { type: 'string' },
      redirects: { type: 'string' },
      warmup: { type: 'string' },
      starts: { type: 'string' },
      concurrency: { type: 'string' },
      rounds: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      scale: { type: 'boolean', default: false },
      rows: { type: 'string' },
      db: { type: 'string' },
    },
  }).values;
}

function seconds(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > 3600)
    throw new BenchError(`--${name} must be a number of seconds above 0 and at most 3600, got "${text}"`);
  return n;
}

function count(text: string | undefined, fallback: number, name: string, max = 100): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new BenchError(`--${name} must be a whole number from 1 to ${max}, got "${text}"`);
  return n;
}

/** A fixed number of completions instead of a duration (`--flows N`, `--redirects N`), or undefined. */
function completions(text: string | undefined, name: string): number | undefined {
  return text === undefined ? undefined : count(text, 0, name, 1_000_000);
}

function readSettings(args: ReturnType<typeof parseOptions>) {
  const quick = args.quick;
  const rounds = count(args.rounds, quick ? 1 : 4, 'rounds');
  return {
    quick,
    rounds,
    /** Measured seconds per round (the totals per server are split over the rounds). */
    flowsSeconds: seconds(args.duration, quick ? 5 : 20, 'duration') / rounds,
    redirectSeconds: seconds(args['redirect-duration'], quick ? 3 : 10, 'redirect-duration') / rounds,
    /** Per round, instead of flowsSeconds / redirectSeconds when given. */
    flowCount: completions(args.flows, 'flows'),
    redirectCount: completions(args.redirects, 'redirects'),
    /** Per round, before the flows are measured. */
    warmupSeconds: seconds(args.warmup, quick ? 1 : 2, 'warmup'),
    redirectWarmupMs: quick ? 300 : 500,
    starts: count(args.starts, quick ? 3 : 5, 'starts'),
    concurrency: count(args.concurrency, 16, 'concurrency'),
    /** How long a server is left alone after its first answer before its idle RSS is read. */
    idleQuietMs: quick ? 500 : 1000,
    write: !args['no-write'],
    keep: args.keep,
    /** `--scale`: the million-row benchmark (bench/scale.ts) instead of the comparison with Bolt and the floor. */
    scale: args.scale,
    rows: scaleRows(args.rows),
    /** `--db sqlite|postgres|both` (default both): which databases `--scale` measures. */
    databases: scaleDatabases(args.db),
  };
}

function scaleDatabases(text: string | undefined): ScaleDatabaseKind[] {
  if (text === undefined || text === 'both') return ['sqlite', 'postgres'];
  if (text === 'sqlite' || text === 'postgres') return [text];
  throw new BenchError(`--db must be sqlite, postgres or both, got "${text}"`);
}

function scaleRows(text: string | undefined): number {
  if (text === undefined) return 1_000_000;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1000 || n > 10_000_000)
    throw new BenchError(`--rows must be a whole number from 1000 to 10000000, got "${text}"`);
  return n;
}

let settings: ReturnType<typeof readSettings>;
try {
  settings = readSettings(parseOptions());
} catch (err) {
  console.error(`npm run bench: ${(err as Error).message}`);
  process.exit(2);
}
const { quick } = settings;

const ENCRYPTION_KEY = randomBytes(32).toString('base64');
/** Where `--scale` keeps its million-row database between runs (SWI_SCALE_CACHE moves it). */
const SCALE_CACHE = process.env.SWI_SCALE_CACHE ?? join(tmpdir(), 'swi-bench-scale-cache');

interface Context {
  dir: string;
  port: number;
  publicUrl: string;
  emulatorUrl: string;
}

interface Target {
  name: TargetName;
  label: string;
  script: string;
  installPath: string;
  /** A cheap GET for start-up timing: any answer counts. */
  probePath: string;
  env: (ctx: Context) => Record<string, string>;
}

function slackEnv(name: TargetName, ctx: Context): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: String(ctx.port),
    PUBLIC_URL: ctx.publicUrl,
    SLACK_CLIENT_ID: BENCH_APPS[name].clientId,
    SLACK_CLIENT_SECRET: BENCH_APPS[name].clientSecret,
    DATABASE_PATH: join(ctx.dir, 'installations.db'),
  };
}

/** Bolt and the floor: bench/*-server.js, started alike, with the emulator's address to use as Slack. */
function comparison(name: 'bolt' | 'floor', label: string, script: string): Target {
  return {
    name,
    label,
    script,
    installPath: '/slack/install',
    probePath: '/healthz', // a 404, answered at once
    env: (ctx) => ({ ...slackEnv(name, ctx), EMULATOR_URL: ctx.emulatorUrl }),
  };
}

const TARGETS: Target[] = [
  {
    name: 'server',
    label: 'this server',
    script: 'dist/server.js',
    installPath: `/slack/install/${BENCH_INSTALL_SECRET}`,
    probePath: '/healthz',
    env: (ctx) => ({
      ...slackEnv('server', ctx),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SLACK_AUTHORIZE_URL: `${ctx.emulatorUrl}/oauth/v2/authorize`,
      SLACK_API_URL: `${ctx.emulatorUrl}/api/`,
      SLACK_WEBHOOK_ORIGINS: ctx.emulatorUrl,
      ENCRYPTION_KEY,
      INSTALL_SECRET: BENCH_INSTALL_SECRET,
    }),
  },
  comparison('bolt', 'Bolt', 'dist/bench/bolt-server.js'),
  comparison('floor', 'floor', 'dist/bench/floor-server.js'),
];

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function startServer(
  target: Target,
  dir: string,
  emulatorUrl: string,
): Promise<{ proc: Spawned; url: string; startupMs: number }> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const logFile = join(dir, 'server.log');
  const proc = spawnNode([join(root, target.script)], {
    cwd: dir,
    env: target.env({ dir, port, publicUrl, emulatorUrl }),
    logFile,
  });
  try {
    const { ms } = await timeToFirstAnswer(proc, `${publicUrl}${target.probePath}`);
    return { proc, url: publicUrl, startupMs: ms };
  } catch (err) {
    proc.child.kill('SIGKILL');
    throw new BenchError(
      `${target.label} did not start: ${(err as Error).message}\n--- ${logFile} ---\n${tail(logFile)}`,
    );
  }
}

async function startEmulator(dir: string): Promise<{ proc: Spawned; url: string }> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const logFile = join(dir, 'emulator.log');
  const proc = spawnNode([join(root, 'dist/bench/emulator-server.js')], {
    cwd: dir,
    env: { PORT: String(port), NODE_ENV: 'production' },
    logFile,
  });
  const url = `http://127.0.0.1:${port}${EMULATOR_PREFIX}`;
  try {
    await timeToFirstAnswer(proc, `${url}/api/auth.test`);
  } catch (err) {
    proc.child.kill('SIGKILL');
    throw new BenchError(
      `the Slack emulator did not start: ${(err as Error).message}\n--- ${logFile} ---\n${tail(logFile)}`,
    );
  }
  return { proc, url };
}

function storedRows(databasePath: string): number {
  const db = new Database(databasePath);
  try {
    return (db.prepare('SELECT count(*) AS n FROM installations').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function describeErrors(label: string, phase: string, result: PhaseResult): string[] {
  if (result.errors === 0) return [];
  return [`${label}: ${result.errors} failed ${phase}, e.g. ${result.errorSamples.join(' | ')}`];
}

interface Round {
  flows: PhaseResult;
  redirects: PhaseResult;
  idleRssMiB: number;
  endRssMiB: number;
  cpuMs: { server: number; emulator: number; loader: number };
  /** During the flow phase, in % of all cores: CPU used by everything else on the machine, and stolen by the host. */
  backgroundPercent: number;
  stealPercent: number;
  /** Failures: flows, redirects, and stored rows that do not match the completed flows. */
  errors: number;
}

/** One load round on a fresh server and database: idle RSS, flows, end RSS, then the install redirect alone. */
async function loadRound(
  target: Target,
  dir: string,
  emulator: { proc: Spawned; url: string },
  problems: string[],
): Promise<Round> {
  const { proc, url } = await startServer(target, dir, emulator.url);
  let flows: PhaseResult;
  let redirects: PhaseResult;
  let idleRssMiB: number;
  let endRssMiB: number;
  let cpu: Round['cpuMs'];
  let backgroundPercent: number;
  let stealPercent: number;
  try {
    await sleep(settings.idleQuietMs);
    idleRssMiB = rssMiB(proc.pid);
    const before = {
      server: cpuMs(proc.pid),
      emulator: cpuMs(emulator.proc.pid),
      loader: process.cpuUsage(),
      machine: machineCpuMs(),
    };
    flows = await runFlows(`${url}${target.installPath}`, {
      concurrency: settings.concurrency,
      warmupMs: settings.warmupSeconds * 1000,
      durationMs: settings.flowsSeconds * 1000,
      count: settings.flowCount,
    });
    endRssMiB = rssMiB(proc.pid);
    const loader = process.cpuUsage(before.loader);
    cpu = {
      server: cpuMs(proc.pid) - before.server,
      emulator: cpuMs(emulator.proc.pid) - before.emulator,
      loader: (loader.user + loader.system) / 1000,
    };
    const machine = machineCpuMs();
    const elapsed = machine.total - before.machine.total;
    backgroundPercent = Math.max(
      0,
      (100 * (machine.busy - before.machine.busy - cpu.server - cpu.emulator - cpu.loader)) / elapsed,
    );
    stealPercent = (100 * (machine.steal - before.machine.steal)) / elapsed;
    log(
      `  flows: ${flows.completed} completed, ${flows.perSecond.toFixed(1)}/s, p50 ${percentile(flows.latenciesMs, 50).toFixed(1)} ms, p99 ${percentile(flows.latenciesMs, 99).toFixed(1)} ms, ${flows.errors} errors; RSS idle ${idleRssMiB.toFixed(1)} MiB, end ${endRssMiB.toFixed(1)} MiB`,
    );
    log(
      `  CPU: server ${pct(cpu.server, elapsed)}, emulator ${pct(cpu.emulator, elapsed)}, load generator ${pct(cpu.loader, elapsed)}, everything else ${backgroundPercent.toFixed(0)}%, stolen ${stealPercent.toFixed(0)}% (of all ${cpus().length} cores)`,
    );
    redirects = await runRedirects(`${url}${target.installPath}`, {
      concurrency: settings.concurrency,
      warmupMs: settings.redirectWarmupMs,
      durationMs: settings.redirectSeconds * 1000,
      count: settings.redirectCount,
    });
    log(
      `  install redirect alone: ${redirects.completed} completed, ${redirects.perSecond.toFixed(0)}/s, ${redirects.errors} errors`,
    );
  } finally {
    const alive = proc.child.exitCode === null && proc.child.signalCode === null;
    await stopProcess(proc);
    if (!alive) problems.push(`${target.label} exited during the load; see ${proc.logFile}:\n${tail(proc.logFile)}`);
  }
  let errors = flows.errors + redirects.errors;
  problems.push(
    ...describeErrors(target.label, 'flows', flows),
    ...describeErrors(target.label, 'install redirects', redirects),
  );
  const rows = storedRows(join(dir, 'installations.db'));
  if (rows !== flows.totalSucceeded) {
    errors += Math.abs(rows - flows.totalSucceeded);
    problems.push(`${target.label}: ${rows} rows stored for ${flows.totalSucceeded} completed flows`);
  }
  return { flows, redirects, idleRssMiB, endRssMiB, cpuMs: cpu, backgroundPercent, stealPercent, errors };
}

const pct = (ms: number, total: number) => `${((100 * ms) / total).toFixed(0)}%`;
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
/** Completions per second over the measured windows of all rounds. */
const rate = (phases: PhaseResult[]) =>
  sum(phases.map((p) => p.completed)) / (sum(phases.map((p) => p.windowEnd - p.windowStart)) / 1000);

function summarize(target: Target, rounds: Round[], startups: number[]): TargetResult {
  const latencies = rounds.flatMap((r) => r.flows.latenciesMs).sort((a, b) => a - b);
  const succeeded = sum(rounds.map((r) => r.flows.totalSucceeded));
  const perFlow = (pick: (r: Round) => number) => (succeeded > 0 ? sum(rounds.map(pick)) / succeeded : NaN);
  return {
    label: target.label,
    flowsPerSecond: rate(rounds.map((r) => r.flows)),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors: sum(rounds.map((r) => r.errors)),
    idleRssMiB: mean(rounds.map((r) => r.idleRssMiB)),
    endRssMiB: mean(rounds.map((r) => r.endRssMiB)),
    startupMs: median(startups),
    startupSamplesMs: startups,
    redirectsPerSecond: rate(rounds.map((r) => r.redirects)),
    serverCpuMsPerFlow: perFlow((r) => r.cpuMs.server),
    emulatorCpuMsPerFlow: perFlow((r) => r.cpuMs.emulator),
    loaderCpuMsPerFlow: perFlow((r) => r.cpuMs.loader),
    backgroundPercent: mean(rounds.map((r) => r.backgroundPercent)),
    stealPercent: mean(rounds.map((r) => r.stealPercent)),
  };
}

async function main(): Promise<number> {
  const started = performance.now();
  for (const file of [...TARGETS.map((t) => t.script), 'dist/bench/emulator-server.js']) {
    if (!existsSync(join(root, file)))
      throw new BenchError(`${file} is missing: run \`npm run build\` first (\`npm run bench\` does)`);
  }
  const flows =
    settings.flowCount === undefined
      ? `${settings.warmupSeconds} s warm-up + ${settings.flowsSeconds} s of flows`
      : `${settings.flowCount} flows`;
  const redirects =
    settings.redirectCount === undefined
      ? `${settings.redirectSeconds} s of install redirects`
      : `${settings.redirectCount} install redirects`;
  const perRound = `${flows}, ${redirects}`;
  const mode = `${quick ? 'quick' : 'full'}: ${settings.rounds > 1 ? `${settings.rounds} rounds of ${perRound} per server` : `${perRound} per server`}, ${settings.starts} start-ups each`;
  log(`Benchmark (${mode}), ${settings.concurrency} flows in flight`);
  for (const line of machine(root).lines) log(line);

  const workDir = mkdtempSync(join(tmpdir(), 'swi-bench-'));
  const problems: string[] = [];
  let keep = settings.keep;
  let emulator: { proc: Spawned; url: string } | undefined;
  try {
    // One emulator, in its own process, plays Slack for all three (each has its own app, so no state is shared).
    emulator = await startEmulator(join(workDir, 'emulator'));
    const rounds: Record<TargetName, Round[]> = { server: [], bolt: [], floor: [] };
    // Rounds alternate the order (this server, Bolt, floor; then the reverse), so drift in the machine's
    // background load falls on all three alike.
    for (let r = 0; r < settings.rounds; r++) {
      const order = r % 2 === 0 ? TARGETS : [...TARGETS].reverse();
      for (const target of order) {
        log(`\n${target.label}${settings.rounds > 1 ? ` (round ${r + 1} of ${settings.rounds})` : ''}`);
        rounds[target.name].push(
          await loadRound(target, join(workDir, target.name, `round-${r + 1}`), emulator, problems),
        );
      }
    }
    // Start-ups, interleaved (S B F, S B F, …), each on the database its last round left, with the file cache warm.
    log('\nstart-ups');
    const startups: Record<TargetName, number[]> = { server: [], bolt: [], floor: [] };
    for (let i = 0; i < settings.starts; i++) {
      for (const target of TARGETS) {
        const { proc, startupMs } = await startServer(
          target,
          join(workDir, target.name, `round-${settings.rounds}`),
          emulator.url,
        );
        await stopProcess(proc);
        startups[target.name].push(startupMs);
      }
    }
    for (const target of TARGETS)
      log(`  ${target.label} (ms): ${startups[target.name].map((ms) => ms.toFixed(0)).join(', ')}`);
    const results: Results = {
      server: summarize(TARGETS[0]!, rounds.server, startups.server),
      bolt: summarize(TARGETS[1]!, rounds.bolt, startups.bolt),
      floor: summarize(TARGETS[2]!, rounds.floor, startups.floor),
    };
    // The same server on PostgreSQL, against the same emulator, after the SQLite rounds it is compared with.
    const server = TARGETS[0]!;
    const pgRows = await benchPostgres({
      root,
      dir: join(workDir, 'postgres'),
      serverEnv: (port, publicUrl) =>
        server.env({ dir: join(workDir, 'postgres'), port, publicUrl, emulatorUrl: emulator!.url }),
      installPath: server.installPath,
      concurrency: settings.concurrency,
      warmupMs: settings.warmupSeconds * 1000,
      durationMs: settings.flowsSeconds * settings.rounds * 1000,
      count: settings.flowCount,
      log,
      problems,
    });
    const all = results;
    const main = table(all);
    const pg = pgRows === undefined ? undefined : postgresTable(results.server.flowsPerSecond, pgRows);
    const text = pg === undefined ? main.text : `${main.text}\n\n${pg.text}`;
    const missed = [...main.missed, ...(pg?.missed ?? [])];
    const elapsedSeconds = (performance.now() - started) / 1000;
    log(`\n${text}\n`);
    if (settings.write) {
      const command = `npm run bench${quick ? ' -- --quick' : ''}`;
      writeBenchmarksMd(join(root, 'BENCHMARKS.md'), all, {
        postgres: pg,
        root,
        command,
        mode,
        elapsedSeconds,
        ...settings,
      });
      log('Written to BENCHMARKS.md.');
    }
    log(`Took ${elapsedSeconds.toFixed(1)} s.`);
    if (problems.length > 0) {
      keep = true;
      log(`\nFAILED: errors during the run (logs kept in ${workDir}):\n- ${problems.join('\n- ')}`);
    }
    if (missed.length > 0) log(`\nMISSED ${missed.length} target(s):\n- ${missed.join('\n- ')}`);
    return problems.length > 0 || missed.length > 0 ? 1 : 0;
  } catch (err) {
    keep = true;
    throw err;
  } finally {
    if (emulator !== undefined) await stopProcess(emulator.proc);
    if (!keep) rmSync(workDir, { recursive: true, force: true });
    else log(`Temporary folders and logs: ${workDir}`);
  }
}

const run = settings.scale
  ? runScale({
      root,
      rows: settings.rows,
      write: settings.write,
      cacheDir: SCALE_CACHE,
      flowSeconds: quick ? 4 : 10,
      databases: settings.databases,
    })
  : main();
run.then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(
      `\nBenchmark failed: ${err instanceof BenchError ? err.message : ((err as Error).stack ?? String(err))}`,
    );
    process.exit(1);
  },
);
