// The scale benchmark's table: each measure on an empty database and on one with a million installations, the
// targets of issue 14, and the section of BENCHMARKS.md it is written into (kept when `npm run bench` rewrites the
// rest of the file).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { SCALE_TEAMS } from './scale-rows.js';

/** One command's run: wall time and peak resident memory. */
export interface Run {
  ms: number;
  rssMiB: number;
}

export interface ScaleResults {
  database: 'SQLite' | 'PostgreSQL';
  rows: number;
  startupMs: { empty: number; full: number };
  flows: { empty: { perSecond: number; p99Ms: number }; full: { perSecond: number; p99Ms: number } };
  show: { empty: Run; full: Run };
  listTeam: { empty: Run; full: Run };
  listJson: { empty: Run; full: Run };
  /** `list --json --limit` a tenth of the rows, for the time's growth with rows. */
  listJsonTenth: Run;
  exportCsv: { empty: Run; full: Run };
  verify: {
    webhooks: number;
    /** Alone in a database, and appended to the full one (checked with `--after`). */
    empty: Run & { summary: string };
    full: Run & { summary: string };
    /** Again alone, with Slack answering some checks 429 + Retry-After. */
    limited: Run & { summary: string; rateLimited: number };
  };
}

export interface ScaleRow {
  label: string;
  empty: string;
  full: string;
  ratio: string;
  target: string;
  /** undefined: informational. */
  pass: boolean | undefined;
}

const ms = (v: number) => `${v.toFixed(0)} ms`;
const mib = (v: number) => `${v.toFixed(0)} MiB`;
const x = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const run = (r: Run) => `${(r.ms / 1000).toFixed(2)} s, ${mib(r.rssMiB)}`;

/** Every row of the table, each judged against its target. */
export function scaleRows(r: ScaleResults): ScaleRow[] {
  const allLive = (summary: string, n: number) =>
    summary.startsWith(`checked ${n}: ${n} live, 0 dead (revoked), 0 unknown`);
  const linear = r.listJson.full.ms / r.listJsonTenth.ms;
  return [
    {
      label: 'server start-up to /healthz (median)',
      empty: ms(r.startupMs.empty),
      full: ms(r.startupMs.full),
      ratio: x(r.startupMs.full, r.startupMs.empty),
      target: '≤ 1.2× empty',
      pass: r.startupMs.full <= 1.2 * r.startupMs.empty,
    },
    {
      label: 'install flows/s',
      empty: r.flows.empty.perSecond.toFixed(1),
      full: r.flows.full.perSecond.toFixed(1),
      ratio: x(r.flows.full.perSecond, r.flows.empty.perSecond),
      target: '≥ 0.9× empty',
      pass: r.flows.full.perSecond >= 0.9 * r.flows.empty.perSecond,
    },
    {
      label: 'install flow p99',
      empty: ms(r.flows.empty.p99Ms),
      full: ms(r.flows.full.p99Ms),
      ratio: x(r.flows.full.p99Ms, r.flows.empty.p99Ms),
      target: '',
      pass: undefined,
    },
    {
      label: '`show ID` (median of 3)',
      empty: run(r.show.empty),
      full: run(r.show.full),
      ratio: x(r.show.full.ms, r.show.empty.ms),
      target: '',
      pass: undefined,
    },
    {
      label: `\`list --team T\` (median of 3; ${(r.rows / SCALE_TEAMS).toLocaleString('en-US')} rows printed of the full, none of the empty)`,
      empty: run(r.listTeam.empty),
      full: run(r.listTeam.full),
      ratio: x(r.listTeam.full.ms, r.listTeam.empty.ms),
      target: '',
      pass: undefined,
    },
    {
      label: '`list --json`',
      empty: run(r.listJson.empty),
      full: run(r.listJson.full),
      ratio: '',
      target: 'peak RSS ≤ 150 MiB',
      pass: r.listJson.full.rssMiB <= 150,
    },
    {
      label: `\`list --json\`: time for all rows / for the first ${(r.rows / 10).toLocaleString('en-US')}`,
      empty: '',
      full: `${(r.listJson.full.ms / 1000).toFixed(2)} s / ${(r.listJsonTenth.ms / 1000).toFixed(2)} s`,
      ratio: `${linear.toFixed(1)}×`,
      target: 'linear: ≤ 15× for 10× the rows',
      pass: linear <= 15,
    },
    {
      label: '`export --format csv`',
      empty: run(r.exportCsv.empty),
      full: run(r.exportCsv.full),
      ratio: '',
      target: 'peak RSS ≤ 150 MiB',
      pass: r.exportCsv.full.rssMiB <= 150,
    },
    {
      label: `\`verify --all\` over ${r.verify.webhooks.toLocaleString('en-US')} webhooks (full: \`--after\`)`,
      empty: run(r.verify.empty),
      full: run(r.verify.full),
      ratio: x(r.verify.full.ms, r.verify.empty.ms),
      target: 'all live',
      pass: allLive(r.verify.empty.summary, r.verify.webhooks) && allLive(r.verify.full.summary, r.verify.webhooks),
    },
    {
      label: `the same with ${r.verify.limited.rateLimited} answers 429 (Retry-After: 1)`,
      empty: run(r.verify.limited),
      full: '',
      ratio: '',
      target: 'all live, 429s waited out',
      pass: allLive(r.verify.limited.summary, r.verify.webhooks) && r.verify.limited.rateLimited > 0,
    },
  ];
}

export function scaleTable(r: ScaleResults): { text: string; missed: string[] } {
  const rows = scaleRows(r);
  const head = `| ${r.database} | empty database | ${r.rows.toLocaleString('en-US')} rows | ratio | target | |`;
  const lines = rows.map(
    (row) =>
      `| ${row.label} | ${row.empty} | ${row.full} | ${row.ratio} | ${row.target} | ${row.pass === undefined ? '' : row.pass ? 'met' : '**missed**'} |`,
  );
  const missed = rows.filter((row) => row.pass === false).map((row) => `${r.database}: ${row.label}: ${row.target}`);
  return { text: [head, '|---|---|---|---|---|---|', ...lines].join('\n'), missed };
}

export const SCALE_START = '<!-- scale benchmark: written by `npm run bench -- --scale` -->';
export const SCALE_END = '<!-- end of scale benchmark -->';
const blockStart = (label: string) => `<!-- scale: ${label} -->`;
const blockEnd = (label: string) => `<!-- end of scale: ${label} -->`;

/** The scale section of a BENCHMARKS.md text, markers included, or '' when it has none. */
export function scaleSectionOf(md: string): string {
  const start = md.indexOf(SCALE_START);
  const end = md.indexOf(SCALE_END);
  return start === -1 || end < start ? '' : md.slice(start, end + SCALE_END.length);
}

/** One database's part of the section (its own markers included), or '' when the text has none. */
export function databaseBlockOf(md: string, label: string): string {
  const section = scaleSectionOf(md);
  const start = section.indexOf(blockStart(label));
  const end = section.indexOf(blockEnd(label));
  return start === -1 || end < start ? '' : section.slice(start, end + blockEnd(label).length);
}

/** `body` wrapped in its database's markers, so that a run of the other database alone keeps it. */
export function databaseBlock(label: string, body: string): string {
  return `${blockStart(label)}\n${body}\n${blockEnd(label)}`;
}

/** The whole section: `intro`, then each database's block in `order`, new ones from `blocks`, others from `md`. */
export function scaleSection(intro: string, blocks: Map<string, string>, order: string[], md: string): string {
  const parts = order.map((label) => blocks.get(label) ?? databaseBlockOf(md, label)).filter((b) => b !== '');
  return [SCALE_START, intro, ...parts, SCALE_END].join('\n\n');
}

/** Puts `section` (markers included) in place of the file's scale section, or at its end. */
export function writeScaleSection(path: string, section: string): void {
  const md = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const old = scaleSectionOf(md);
  const next = old === '' ? `${md.trimEnd()}\n\n${section}\n` : md.replace(old, () => section);
  writeFileSync(path, next);
}
