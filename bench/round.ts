// One load round on a fresh server and database (idle RSS, flows, end RSS, CPU, then the install redirect alone),
// and the rounds of one server summed up into its row of the table.
import Database from 'better-sqlite3';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { runFlows, runRedirects, type PhaseResult } from './load.js';
import { cpuMs, machineCpuMs, median, percentile, rssMiB, sleep, stopProcess, type Spawned } from './measure.js';
import type { TargetResult } from './report.js';
import type { Settings } from './settings.js';
import { startServer, tail } from './start.js';
import type { Target } from './targets.js';

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

/** What every round is run with: the project's root, the options, and where progress lines go. */
export interface RunContext {
  root: string;
  settings: Settings;
  log: (message: string) => void;
}

export interface Round {
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
export async function loadRound(
  { root, settings, log }: RunContext,
  target: Target,
  dir: string,
  emulator: { proc: Spawned; url: string },
  problems: string[],
): Promise<Round> {
  const { proc, url } = await startServer(root, target, dir, emulator.url);
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

export function summarize(target: Target, rounds: Round[], startups: number[]): TargetResult {
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
