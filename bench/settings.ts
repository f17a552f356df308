// The benchmark's command-line options (`npm run bench -- --quick --rounds 2 …`), checked and turned into settings.
import { parseArgs } from 'node:util';
import type { ScaleDatabaseKind } from './scale.js';
import { BenchError } from './shared.js';

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

function settingsFrom(args: ReturnType<typeof parseOptions>) {
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

export type Settings = ReturnType<typeof settingsFrom>;

/** The settings from process.argv; a BenchError names the option that is wrong. */
export function readSettings(): Settings {
  return settingsFrom(parseOptions());
}
