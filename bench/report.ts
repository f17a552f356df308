// The results table (printed, and written into BENCHMARKS.md with the machine and versions).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { scaleSectionOf } from './scale-report.js';

export interface TargetResult {
  label: string;
  flowsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Flow and redirect failures, warm-up included, plus stored rows that do not match the completed flows. */
  errors: number;
  idleRssMiB: number;
  endRssMiB: number;
  startupMs: number;
  startupSamplesMs: number[];
  redirectsPerSecond: number;
  serverCpuMsPerFlow: number;
  emulatorCpuMsPerFlow: number;
  loaderCpuMsPerFlow: number;
  /** Mean over the flow phases, in % of all cores: CPU used by other processes and the kernel, and stolen by the host. */
  backgroundPercent: number;
  stealPercent: number;
}

export interface Results {
  server: TargetResult;
  bolt: TargetResult;
  floor: TargetResult;
}

interface Row {
  label: string;
  values: [number, number, number];
  digits: number;
  target: string;
  /** undefined: informational, no target. */
  pass: boolean | undefined;
  /** Ratios that mean nothing are left out. */
  noRatio?: boolean;
}

function rows(r: Results): Row[] {
  const { server: s, bolt: b, floor: f } = r;
  const v = (pick: (t: TargetResult) => number): [number, number, number] => [pick(s), pick(b), pick(f)];
  return [
    {
      label: 'completed flows/s',
      values: v((t) => t.flowsPerSecond),
      digits: 1,
      target: '≥ 1.8× Bolt and ≥ 0.8× floor',
      pass: s.flowsPerSecond >= 1.8 * b.flowsPerSecond && s.flowsPerSecond >= 0.8 * f.flowsPerSecond,
    },
    { label: 'flow p50 (ms)', values: v((t) => t.p50Ms), digits: 1, target: '', pass: undefined },
    { label: 'flow p99 (ms)', values: v((t) => t.p99Ms), digits: 1, target: '≤ Bolt', pass: s.p99Ms <= b.p99Ms },
    {
      label: 'errors',
      values: v((t) => t.errors),
      digits: 0,
      target: '0 for each',
      pass: s.errors === 0 && b.errors === 0 && f.errors === 0,
    },
    {
      label: 'idle RSS (MiB)',
      values: v((t) => t.idleRssMiB),
      digits: 1,
      target: '≤ floor + 15 MiB',
      pass: s.idleRssMiB <= f.idleRssMiB + 15,
    },
    { label: 'RSS at end of load (MiB)', values: v((t) => t.endRssMiB), digits: 1, target: '', pass: undefined },
    {
      label: 'start-up to first answer (ms, median)',
      values: v((t) => t.startupMs),
      digits: 0,
      target: '≤ 1.1× floor',
      pass: s.startupMs <= 1.1 * f.startupMs,
    },
    {
      label: 'install redirect alone (req/s)',
      values: v((t) => t.redirectsPerSecond),
      digits: 0,
      target: '≥ 0.7× floor',
      pass: s.redirectsPerSecond >= 0.7 * f.redirectsPerSecond,
    },
    {
      label: 'server CPU per flow (ms)',
      values: v((t) => t.serverCpuMsPerFlow),
      digits: 2,
      target: '(information)',
      pass: undefined,
    },
    {
      label: 'emulator CPU per flow (ms)',
      values: v((t) => t.emulatorCpuMsPerFlow),
      digits: 2,
      target: '(information)',
      pass: undefined,
    },
    {
      label: 'load generator CPU per flow (ms)',
      values: v((t) => t.loaderCpuMsPerFlow),
      digits: 2,
      target: '(information)',
      pass: undefined,
    },
    {
      label: 'background CPU during flows (% of all cores)',
      values: v((t) => t.backgroundPercent),
      digits: 0,
      target: '(noise: other work)',
      pass: undefined,
      noRatio: true,
    },
  ];
}

function fmt(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}×` : 'n/a';
}

/** One Markdown table, padded so that it also reads well in a terminal. */
export function table(r: Results): { text: string; missed: string[] } {
  const header = [
    'figure',
    r.server.label,
    r.bolt.label,
    r.floor.label,
    'ratio to Bolt',
    'ratio to floor',
    'target',
    'result',
  ];
  const missed: string[] = [];
  const body = rows(r).map((row) => {
    const [s, b, f] = row.values;
    if (row.pass === false) missed.push(`${row.label}: target ${row.target}`);
    const result = row.pass === undefined ? '' : row.pass ? 'pass' : 'FAIL';
    const ratios = row.noRatio ? ['', ''] : [ratio(s, b), ratio(s, f)];
    return [row.label, fmt(s, row.digits), fmt(b, row.digits), fmt(f, row.digits), ...ratios, row.target, result];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 || i >= 6 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 || i >= 6 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return { text: [line(header), rule, ...body.map(line)].join('\n'), missed };
}

function version(root: string, pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'not installed';
  }
}

export interface RunInfo {
  /** The PostgreSQL rows' table and targets (bench/postgres.ts), when PostgreSQL is installed. */
  postgres?: { text: string; missed: string[] } | undefined;
  root: string;
  command: string;
  mode: string;
  rounds: number;
  /** Per round. */
  flowsSeconds: number;
  warmupSeconds: number;
  redirectSeconds: number;
  starts: number;
  concurrency: number;
  elapsedSeconds: number;
}

export function machine(root: string): { lines: string[] } {
  const cpu = cpus();
  return {
    lines: [
      `- Machine: ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, Linux ${release()} (shared with other work, so figures vary from run to run; the ratios come from one run)`,
      `- Node ${process.version}; fastify ${version(root, 'fastify')}, @slack/bolt ${version(root, '@slack/bolt')}, @slack/oauth ${version(root, '@slack/oauth')}, better-sqlite3 ${version(root, 'better-sqlite3')}`,
    ],
  };
}

export function writeBenchmarksMd(path: string, r: Results, info: RunInfo): void {
  const main = table(r);
  const text = info.postgres === undefined ? main.text : `${main.text}\n\n${info.postgres.text}`;
  const missed = [...main.missed, ...(info.postgres?.missed ?? [])];
  const startups = (t: TargetResult) => t.startupSamplesMs.map((ms) => ms.toFixed(0)).join(', ');
  const md = `# Benchmarks

Written by \`${info.command}\`; do not edit by hand: run it again to refresh this file.

- Date: ${new Date().toISOString()}
${machine(info.root).lines.join('\n')}
- Run: ${info.mode}; ${info.concurrency} flows in flight; the whole run took ${info.elapsedSeconds.toFixed(0)} s
- Outcome: ${missed.length === 0 ? 'every target met' : `${missed.length} target(s) missed: ${missed.join('; ')}`}

${text}

Start-ups (ms): this server ${startups(r.server)}; Bolt ${startups(r.bolt)}; floor ${startups(r.floor)}.
CPU stolen by the host during the flow phases: ${[r.server, r.bolt, r.floor].map((t) => `${t.label} ${t.stealPercent.toFixed(1)}%`).join(', ')} of all cores.
Background CPU is what the rest of the machine (other processes, the kernel) used while the flows ran: this machine is
shared, and figures from runs with much of it are less reliable.

## How it was measured

\`npm run bench\` builds the project (\`tsc\`, never timed), starts the Slack emulator alone in a process of its own
(\`bench/emulator-server.ts\`: the project's \`SlackEmulator\` and \`emulatorPlugin\`, one registered app per server),
then runs each server, one after another, as a child process of its own on 127.0.0.1 with a fresh folder and SQLite
file and the emulator as its Slack:

1. **this server**: \`node dist/server.js\` (what \`npm start\` runs) with \`NODE_ENV=production\`, \`LOG_LEVEL=info\` (its log goes to a file),
   the emulator's app credentials, \`SLACK_AUTHORIZE_URL\`/\`SLACK_API_URL\` pointing at the emulator, \`ENCRYPTION_KEY\`,
   \`INSTALL_SECRET\`; every security feature on (its rate limit counts failed requests only), and its own SQLite
   settings (README, *Storage*);
2. **Bolt** (\`bench/bolt-server.ts\`): \`@slack/bolt\`'s \`App\` with \`installerOptions.directInstall\`,
   \`scopes: ['incoming-webhook']\`, a \`stateSecret\`, \`installerOptions.authorizationUrl\` and \`clientOptions.slackApiUrl\`
   pointing at the emulator, an installation store inserting one row per install into SQLite (WAL,
   \`synchronous = FULL\`), and a success page that shows the webhook URL; Bolt logs at its default level;
3. **the floor** (\`bench/floor-server.ts\`): bare Fastify, no logger: a random state in a cookie and a 302 to the
   consent page; on the callback one \`oauth.v2.access\` call (\`fetch\`), one prepared INSERT (WAL,
   \`synchronous = FULL\`) with a random landing id, and a 303 to \`/slack/installed/<id>\`, which looks the row up
   and answers a tiny page. No checks. The floor follows the same requests as this server (install, consent,
   callback, 303, landing page) since this server's landing page became reloadable (Post/Redirect/Get); before that
   it answered the page from the callback, one request fewer per flow.

**This server on PostgreSQL** (the second table): the same \`dist/server.js\` and environment with \`DATABASE_URL\`
pointing at a throwaway PostgreSQL cluster the benchmark starts (\`bench/postgres-cluster.ts\`: \`initdb\`, then
\`pg_ctl\` with the server's default settings, fsync on), a fresh database per row, for as long as all rounds of the
other servers together, after them. *One replica* is one process; *2 replicas, round-robin* is two processes behind a
balancer in the benchmark's own process that sends each request to the next replica in turn, so a flow's install
URL and its callback reach different replicas (the state is claimed in the database, the install written in one
transaction with \`synchronous_commit = on\`). Its target: one replica at least half the flows/s of this server on
SQLite in the same run, with no error. On two cores the second replica adds no CPU: the replicas, PostgreSQL, the
emulator, the load generator and the balancer all share the same two cores, so the two-replica figure shows the cost
of the extra hop and process, not the scaling a second machine would bring.

With more than one round, each round starts every server afresh and the order alternates (this server, Bolt, floor;
then floor, Bolt, this server; and so on), so that drift in the machine's background load falls on all three alike; flows and
redirects are pooled over the rounds, memory figures averaged.

The load generator (\`bench/load.ts\`, in the orchestrating process, node:http with keep-alive connections) keeps
${info.concurrency} complete flows in flight: GET the install URL (each flow with its own cookie jar, which keeps and
sends \`Secure\` cookies on http://127.0.0.1 as browsers do for localhost) → POST the emulator's consent form with
Allow (its fields built from the authorize URL, so the consent page's HTML is not rendered) → GET the callback with
the cookies, which must answer 200 with a webhook URL on the page. A flow's latency runs from the first request to
the last byte of the landing page; flows/s, p50 and p99 count the flows that completed inside the measured window,
after the warm-up. Errors are failed flows or redirects at any time (warm-up included), plus any difference between
the rows stored in the server's database and the flows that completed. Idle RSS is \`VmRSS\` from \`/proc\`, about 1 s
after the server's first answer and before any load; end RSS right after the load stops. Start-up is the time from
\`spawn()\` to the first HTTP answer of any status to \`GET /healthz\` (polled every 5 ms; a 404 for Bolt and the
floor), the median of ${info.starts} starts per server, interleaved between the three, each on the database its last
load round left. The install redirect alone is ${info.concurrency} workers requesting only the install URL, counting
302s. CPU per flow is a process's user + system time over the flow phase, warm-up included, divided by the flows
completed in it; the server, the emulator and the load generator share the machine's ${cpus().length} cores.

Commands: \`npm run bench\` (full), or \`npm run bench -- --quick\` (one short round, under a minute; noisier).
Options: \`--duration <s>\` and \`--redirect-duration <s>\` (measured seconds per server, over all rounds),
\`--warmup <s>\`, \`--rounds <n>\`, \`--starts <n>\`, \`--concurrency <n>\`, \`--no-write\` (print only), \`--keep\` (keep the
temporary folders with the logs). \`npm run bench -- --scale\` measures a million installations (section below).
`;
  // The scale benchmark's section is written by another run (bench/scale.ts): keep it.
  const scale = existsSync(path) ? scaleSectionOf(readFileSync(path, 'utf8')) : '';
  writeFileSync(path, scale === '' ? md : `${md}\n${scale}\n`);
}
