// `npm run bench`: this server, Bolt and the floor, one after another, each a child process with the Slack emulator
// (another child process) as its Slack; prints one table, writes it into BENCHMARKS.md, and exits 1 when a target
// is missed or anything failed. The options are read in settings.ts, the servers in targets.ts, a round in round.ts.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { benchPostgres, postgresTable } from './postgres.js';
import { stopProcess, type Spawned } from './measure.js';
import { table, writeBenchmarksMd, machine, type Results } from './report.js';
import { loadRound, summarize, type Round } from './round.js';
import { runScale } from './scale.js';
import { readSettings, type Settings } from './settings.js';
import { BenchError, type TargetName } from './shared.js';
import { startEmulator, startServer } from './start.js';
import { TARGETS } from './targets.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

let settings: Settings;
try {
  settings = readSettings();
} catch (err) {
  console.error(`npm run bench: ${(err as Error).message}`);
  process.exit(2);
}
const { quick } = settings;

/** Where `--scale` keeps its million-row database between runs (SWI_SCALE_CACHE moves it). */
const SCALE_CACHE = process.env.SWI_SCALE_CACHE ?? join(tmpdir(), 'swi-bench-scale-cache');

function log(message: string): void {
  process.stdout.write(`${message}\n`);
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
    emulator = await startEmulator(root, join(workDir, 'emulator'));
    const rounds: Record<TargetName, Round[]> = { server: [], bolt: [], floor: [] };
    // Rounds alternate the order (this server, Bolt, floor; then the reverse), so drift in the machine's
    // background load falls on all three alike.
    for (let r = 0; r < settings.rounds; r++) {
      const order = r % 2 === 0 ? TARGETS : [...TARGETS].reverse();
      for (const target of order) {
        log(`\n${target.label}${settings.rounds > 1 ? ` (round ${r + 1} of ${settings.rounds})` : ''}`);
        rounds[target.name].push(
          await loadRound(
            { root, settings, log },
            target,
            join(workDir, target.name, `round-${r + 1}`),
            emulator,
            problems,
          ),
        );
      }
    }
    // Start-ups, interleaved (S B F, S B F, …), each on the database its last round left, with the file cache warm.
    log('\nstart-ups');
    const startups: Record<TargetName, number[]> = { server: [], bolt: [], floor: [] };
    for (let i = 0; i < settings.starts; i++) {
      for (const target of TARGETS) {
        const { proc, startupMs } = await startServer(
          root,
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
