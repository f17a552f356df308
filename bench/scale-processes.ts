// The processes the scale benchmark times: the Slack emulator with its seeded webhooks, the server (to its first
// /healthz), and one CLI command at a time with its wall time and peak resident memory.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort, median, spawnNode, timeToFirstAnswer, type Spawned } from './measure.js';
import type { Run } from './scale-report.js';
import { BENCH_APPS, BENCH_INSTALL_SECRET, EMULATOR_PREFIX } from './shared.js';

export async function startEmulator(
  root: string,
  dir: string,
  urlsFile: string,
  webhooks: number,
): Promise<{ proc: Spawned; url: string }> {
  const port = await freePort();
  const proc = spawnNode([join(root, 'dist', 'bench', 'emulator-server.js')], {
    cwd: dir,
    env: {
      PORT: String(port),
      NODE_ENV: 'production',
      SEED_WEBHOOKS: String(webhooks),
      SEED_WEBHOOKS_FILE: urlsFile,
    },
    logFile: join(dir, 'emulator.log'),
  });
  const url = `http://127.0.0.1:${port}${EMULATOR_PREFIX}`;
  await timeToFirstAnswer(proc, `${url}/api/auth.test`, 60_000);
  return { proc, url };
}

/** The server's settings against the emulator; `database` names its database (DATABASE_PATH or DATABASE_URL). */
function serverEnv(port: number, emulatorUrl: string, key: string, database: Record<string, string>) {
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
    LOG_LEVEL: 'info',
    ...database,
  };
}

export async function startServer(
  root: string,
  dir: string,
  database: Record<string, string>,
  emulatorUrl: string,
  key: string,
) {
  const port = await freePort();
  const proc = spawnNode([join(root, 'dist', 'server.js')], {
    cwd: dir,
    env: serverEnv(port, emulatorUrl, key, database),
    logFile: join(dir, 'server.log'),
  });
  const { ms } = await timeToFirstAnswer(proc, `http://127.0.0.1:${port}/healthz`, 60_000);
  return { proc, url: `http://127.0.0.1:${port}`, startupMs: ms };
}

/** One CLI command, its output read through a pipe and counted; wall time and peak RSS. */
export function cli(
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

export async function medianRun(runs: () => Promise<Run>, n = 3): Promise<Run> {
  const all: Run[] = [];
  for (let i = 0; i < n; i++) all.push(await runs());
  return { ms: median(all.map((r) => r.ms)), rssMiB: median(all.map((r) => r.rssMiB)) };
}

/** Has the emulator answer the next `times` webhook posts 429 with Retry-After: 1. */
export async function addFault(emulatorUrl: string, times: number): Promise<void> {
  const res = await fetch(`${emulatorUrl}/control/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ method: 'webhook', fault: { kind: 'status', status: 429, retryAfter: 1 }, times }),
  });
  if (res.status !== 204) throw new Error(`the emulator refused the fault: ${res.status} ${await res.text()}`);
}
