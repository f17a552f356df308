// The benchmark's PostgreSQL rows: this server on a throwaway PostgreSQL cluster, as one replica and as two
// replicas behind a small round-robin balancer, in the same run as the SQLite figures they are compared with.
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runFlows, type PhaseResult } from './load.js';
import { freePort, percentile, spawnNode, stopProcess, timeToFirstAnswer, type Spawned } from './measure.js';
import { INSTALL_HINT, PostgresCluster, postgresBin } from './postgres-cluster.js';

export interface PostgresRow {
  label: string;
  replicas: number;
  flowsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Failed flows, plus any difference between the rows stored and the flows completed. */
  errors: number;
}

export interface PostgresOptions {
  root: string;
  dir: string;
  /** The environment this server runs with on SQLite, for a given port and public URL. */
  serverEnv: (port: number, publicUrl: string) => Record<string, string>;
  installPath: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** A number of flows to complete instead of a duration (`--flows N`). */
  count: number | undefined;
  log: (line: string) => void;
  problems: string[];
}

/**
 * A balancer as small as one can be: each request goes to the next replica in turn (so the two requests of a flow
 * that reach this server, the install URL and the callback, land on different replicas), over keep-alive connections.
 */
async function startBalancer(port: number, backends: number[]): Promise<Server> {
  const agent = new Agent({ keepAlive: true });
  let next = 0;
  const server = createServer((req, res) => {
    const upstream = httpRequest(
      {
        agent,
        host: '127.0.0.1',
        port: backends[next++ % backends.length],
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.once('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  server.once('close', () => agent.destroy());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

async function storedRows(cluster: PostgresCluster, url: string): Promise<number> {
  const [row] = await cluster.sql<{ n: number }>(url, 'SELECT count(*)::int AS n FROM installations');
  return row!.n;
}

async function measure(cluster: PostgresCluster, replicas: number, opts: PostgresOptions): Promise<PostgresRow> {
  const label = replicas === 1 ? 'one replica' : `${replicas} replicas, round-robin`;
  opts.log(`\nthis server on PostgreSQL: ${label}`);
  const url = await cluster.createDatabase();
  const ports = await Promise.all(Array.from({ length: replicas }, () => freePort()));
  const publicPort = replicas === 1 ? ports[0]! : await freePort();
  const publicUrl = `http://127.0.0.1:${publicPort}`;
  const procs: Spawned[] = [];
  let balancer: Server | undefined;
  let flows: PhaseResult;
  try {
    for (const [i, port] of ports.entries()) {
      const dir = join(opts.dir, `postgres-${replicas}`, `replica-${i + 1}`);
      mkdirSync(dir, { recursive: true });
      const proc = spawnNode([join(opts.root, 'dist/server.js')], {
        cwd: dir,
        env: { ...opts.serverEnv(port, publicUrl), PORT: String(port), DATABASE_URL: url },
        logFile: join(dir, 'server.log'),
      });
      procs.push(proc);
      await timeToFirstAnswer(proc, `http://127.0.0.1:${port}/readyz`);
    }
    if (replicas > 1) balancer = await startBalancer(publicPort, ports);
    flows = await runFlows(`${publicUrl}${opts.installPath}`, {
      concurrency: opts.concurrency,
      warmupMs: opts.warmupMs,
      durationMs: opts.durationMs,
      count: opts.count,
    });
  } finally {
    await new Promise((resolve) => (balancer === undefined ? resolve(undefined) : balancer.close(resolve)));
    await Promise.all(procs.map((p) => stopProcess(p)));
  }
  const rows = await storedRows(cluster, url);
  let errors = flows.errors;
  if (flows.errors > 0)
    opts.problems.push(`PostgreSQL, ${label}: ${flows.errors} failed flows, e.g. ${flows.errorSamples.join(' | ')}`);
  if (rows !== flows.totalSucceeded) {
    errors += Math.abs(rows - flows.totalSucceeded);
    opts.problems.push(`PostgreSQL, ${label}: ${rows} rows stored for ${flows.totalSucceeded} completed flows`);
  }
  const row = {
    label,
    replicas,
    flowsPerSecond: flows.perSecond,
    p50Ms: percentile(flows.latenciesMs, 50),
    p99Ms: percentile(flows.latenciesMs, 99),
    errors,
  };
  opts.log(
    `  flows: ${flows.completed} completed, ${row.flowsPerSecond.toFixed(1)}/s, p50 ${row.p50Ms.toFixed(1)} ms, p99 ${row.p99Ms.toFixed(1)} ms, ${errors} errors`,
  );
  return row;
}

/** The PostgreSQL rows, or undefined (with one loud line) when no PostgreSQL server is installed. */
export async function benchPostgres(opts: PostgresOptions): Promise<PostgresRow[] | undefined> {
  const bin = postgresBin();
  if (bin === undefined) {
    opts.log(`\n!!! PostgreSQL rows SKIPPED: no /usr/lib/postgresql/*/bin/initdb: ${INSTALL_HINT}`);
    return undefined;
  }
  const cluster = await PostgresCluster.create(bin);
  try {
    return [await measure(cluster, 1, opts), await measure(cluster, 2, opts)];
  } finally {
    await cluster.destroy();
  }
}

/** The target for one replica: at least half the flows/s of this server on SQLite in the same run, and no error. */
export function postgresTable(sqliteFlowsPerSecond: number, rows: PostgresRow[]): { text: string; missed: string[] } {
  const missed: string[] = [];
  const header = [
    'this server on PostgreSQL',
    'flows/s',
    'p50 (ms)',
    'p99 (ms)',
    'errors',
    'ratio to SQLite',
    'target',
    'result',
  ];
  const body = rows.map((r) => {
    const ratio = r.flowsPerSecond / sqliteFlowsPerSecond;
    const targeted = r.replicas === 1;
    const pass = !targeted || (ratio >= 0.5 && r.errors === 0);
    if (!pass) missed.push(`PostgreSQL, ${r.label}: target ≥ 0.5× SQLite flows/s with 0 errors`);
    return [
      r.label,
      r.flowsPerSecond.toFixed(1),
      Number.isFinite(r.p50Ms) ? r.p50Ms.toFixed(1) : 'n/a',
      Number.isFinite(r.p99Ms) ? r.p99Ms.toFixed(1) : 'n/a',
      String(r.errors),
      Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : 'n/a',
      targeted ? '≥ 0.5× SQLite, 0 errors' : '(reported)',
      targeted ? (pass ? 'pass' : 'FAIL') : '',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 || i >= 6 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 || i >= 6 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return { text: [line(header), rule, ...body.map(line)].join('\n'), missed };
}
