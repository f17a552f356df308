// Process-level measurements: resident memory and CPU time from /proc, start-up timing, percentiles.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';

/** Resident memory of a process, in MiB, from VmRSS in /proc/<pid>/status. */
export function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]) / 1024;
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux this runs on

/** User + system CPU time a process has used so far, in milliseconds, from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Nearest-rank percentile of numbers sorted ascending; NaN when there are none. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Spawned {
  child: ChildProcess;
  pid: number;
  /** performance.now() just before spawn(). */
  spawnedAt: number;
  exited: Promise<number | null>;
  logFile: string;
}

/** `node <args>` as a child process in `cwd`, stdout and stderr appended to `logFile`, with exactly `env` (plus PATH). */
export function spawnNode(
  args: string[],
  opts: { cwd: string; env: Record<string, string>; logFile: string },
): Spawned {
  const fd = openSync(opts.logFile, 'a');
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...opts.env };
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, args, { cwd: opts.cwd, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not spawn node ${args.join(' ')}`);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))),
  );
  return { child, pid: child.pid, spawnedAt, exited, logFile: opts.logFile };
}

/** One GET on a fresh connection; resolves with the status of any answer, rejects on a connection error. */
function probe(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.setTimeout(2000, () => req.destroy(new Error('probe timed out')));
    req.once('error', reject);
    req.end();
  });
}

/**
 * Polls `url` every ~5 ms until anything answers; returns milliseconds from the spawn to that answer.
 * Rejects when the process exits first or nothing answers within `timeoutMs`.
 */
export async function timeToFirstAnswer(
  proc: Spawned,
  url: string,
  // Generous: a loaded machine makes start-up slow, which the figures show; only a server that never answers fails.
  timeoutMs = 60_000,
): Promise<{ ms: number; status: number }> {
  let exitCode: number | null | undefined;
  void proc.exited.then((code) => {
    exitCode = code;
  });
  for (;;) {
    if (exitCode !== undefined)
      throw new Error(`process exited with ${exitCode} before answering; see ${proc.logFile}`);
    if (performance.now() - proc.spawnedAt > timeoutMs)
      throw new Error(`nothing answered ${url} within ${timeoutMs} ms; see ${proc.logFile}`);
    try {
      const status = await probe(url);
      return { ms: performance.now() - proc.spawnedAt, status };
    } catch {
      await sleep(5);
    }
  }
}

/** SIGTERM, then SIGKILL if the process has not exited after `graceMs`. */
export async function stopProcess(proc: Spawned, graceMs = 5000): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

/** Machine-wide CPU time so far from the first line of /proc/stat, in milliseconds summed over all cores. */
export function machineCpuMs(): { busy: number; steal: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const toMs = (ticks: number) => (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  const busy = user! + nice! + system! + irq! + softirq!;
  return { busy: toMs(busy), steal: toMs(steal!), total: toMs(busy + idle! + iowait! + steal!) };
}
