// Starting a server under test, or the Slack emulator, as a child process, and waiting for its first answer.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, spawnNode, timeToFirstAnswer, type Spawned } from './measure.js';
import { BenchError, EMULATOR_PREFIX } from './shared.js';
import type { Target } from './targets.js';

export function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function startServer(
  root: string,
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

export async function startEmulator(root: string, dir: string): Promise<{ proc: Spawned; url: string }> {
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
