// One database's column pair of the scale benchmark: start-ups, install flows, the CLI and verify, each on an empty
// database and on the million-row one, alternating where the order could favour one side.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runFlows } from './load.js';
import { median, percentile, stopProcess } from './measure.js';
import type { ScaleDatabase, ScaleLog } from './scale-database.js';
import { addFault, cli, medianRun, startServer } from './scale-processes.js';
import type { Run, ScaleResults } from './scale-report.js';
import { BENCH_INSTALL_SECRET } from './shared.js';

export const STARTS = 11;
const LIMITED_CHECKS = 40;

export interface MeasureContext {
  root: string;
  /** The run's temporary folder (servers' logs, SQLite's empty databases). */
  work: string;
  emulatorUrl: string;
  /** The emulator's seeded webhook URLs, for verify. */
  webhooks: string[];
  rows: number;
  flowSeconds: number;
  log: ScaleLog;
  /** Failures (not missed targets) are added here. */
  problems: string[];
}

export async function measureDatabase(db: ScaleDatabase, ctx: MeasureContext): Promise<ScaleResults> {
  const { root, rows, log } = ctx;
  const name = db.label;
  const dir = join(ctx.work, name.toLowerCase());
  mkdirSync(dir, { recursive: true });
  const start = (database: Record<string, string>) => startServer(root, dir, database, ctx.emulatorUrl, db.key);

  // Start-ups: one unmeasured each (migrations, a cold cache), then alternating.
  log(`\n${name}: start-ups`);
  const emptyDb = await db.fresh('empty');
  for (const database of [emptyDb, db.fullEnv]) await stopProcess((await start(database)).proc);
  const startups = { empty: [] as number[], full: [] as number[] };
  for (let i = 0; i < STARTS; i++) {
    for (const which of ['empty', 'full'] as const) {
      const { proc, startupMs } = await start(which === 'empty' ? emptyDb : db.fullEnv);
      await stopProcess(proc);
      startups[which].push(startupMs);
    }
  }
  log(`  empty (ms): ${startups.empty.map((v) => v.toFixed(0)).join(', ')}`);
  log(`  ${rows.toLocaleString('en-US')} rows (ms): ${startups.full.map((v) => v.toFixed(0)).join(', ')}`);

  // Install flows: empty, full, full, empty, each on a fresh server (a fresh empty database each time).
  log(`\n${name}: install flows`);
  const flows = {
    empty: { done: 0, seconds: 0, lat: [] as number[] },
    full: { done: 0, seconds: 0, lat: [] as number[] },
  };
  for (const [i, which] of (['empty', 'full', 'full', 'empty'] as const).entries()) {
    const server = await start(which === 'empty' ? await db.fresh(`flows-${i}`) : db.fullEnv);
    try {
      const result = await runFlows(`${server.url}/slack/install/${BENCH_INSTALL_SECRET}`, {
        concurrency: 16,
        warmupMs: 2000,
        durationMs: ctx.flowSeconds * 1000,
      });
      if (result.errors > 0) {
        ctx.problems.push(`${name} ${which}: ${result.errors} failed flows, e.g. ${result.errorSamples[0]}`);
      }
      flows[which].done += result.completed;
      flows[which].seconds += ctx.flowSeconds;
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
  log(`\n${name}: command line`);
  const envFor = (database: Record<string, string>) => ({ ...database, ENCRYPTION_KEY: db.key });
  const both = async (args: (which: 'empty' | 'full') => string[], n = 1) => {
    const out = {} as { empty: Run; full: Run };
    for (const which of ['empty', 'full'] as const) {
      const env = envFor(which === 'empty' ? emptyDb : db.fullEnv);
      out[which] = await medianRun(() => cli(root, args(which), env, dir), n);
      log(
        `  ${args(which).join(' ')} (${which}): ${(out[which].ms / 1000).toFixed(2)} s, ${out[which].rssMiB.toFixed(0)} MiB`,
      );
    }
    return out;
  };
  const show = await both((w) => ['show', w === 'empty' ? '1' : String(Math.floor(rows / 2))], 3);
  const listTeam = await both(() => ['list', '--team', 'T000000123'], 3);
  const listJson = await both(() => ['list', '--json']);
  const tenth = await cli(root, ['list', '--json', '--limit', String(rows / 10)], envFor(db.fullEnv), dir);
  log(`  list --json --limit ${rows / 10}: ${(tenth.ms / 1000).toFixed(2)} s, ${tenth.rssMiB.toFixed(0)} MiB`);
  const exportCsv = await both(() => ['export', '--format', 'csv']);

  // verify: the emulator's webhooks alone in a database, and after the million (checked with --after).
  log(`\n${name}: verify over ${ctx.webhooks.length.toLocaleString('en-US')} webhooks`);
  const verifyDb = await db.fresh('verify');
  // A new database is migrated by its first user; the store that adds rows does it.
  await db.addVerifyRows(verifyDb, ctx.webhooks);
  const firstFull = await db.addVerifyRows(db.fullEnv, ctx.webhooks);
  const verifyRun = async (database: Record<string, string>, args: string[]) => {
    const r = await cli(root, ['verify', '--all', ...args], envFor(database), dir);
    const summary = r.tail.trim().split('\n').at(-1) ?? '';
    log(`  verify --all ${args.join(' ')}: ${(r.ms / 1000).toFixed(2)} s, ${r.rssMiB.toFixed(0)} MiB: ${summary}`);
    return { ms: r.ms, rssMiB: r.rssMiB, summary };
  };
  const verifyEmpty = await verifyRun(verifyDb, []);
  const verifyFull = await verifyRun(db.fullEnv, ['--after', String(firstFull - 1)]);
  // Again alone, while Slack answers the next LIMITED_CHECKS checks 429 with Retry-After: 1.
  const limitedDb = await db.fresh('verify-limited');
  await db.addVerifyRows(limitedDb, ctx.webhooks);
  await addFault(ctx.emulatorUrl, LIMITED_CHECKS);
  const limitedRun = await verifyRun(limitedDb, []);
  const waited = /; (\d+) rate-limited/.exec(limitedRun.summary);

  return {
    database: name,
    rows,
    startupMs: { empty: median(startups.empty), full: median(startups.full) },
    flows: { empty: flowFigures(flows.empty), full: flowFigures(flows.full) },
    show,
    listTeam,
    listJson,
    listJsonTenth: { ms: tenth.ms, rssMiB: tenth.rssMiB },
    exportCsv,
    verify: {
      webhooks: ctx.webhooks.length,
      empty: verifyEmpty,
      full: verifyFull,
      limited: { ...limitedRun, rateLimited: waited === null ? 0 : Number(waited[1]) },
    },
  };
}
