#!/usr/bin/env node
// npm run measure:rebuild: what a second `npm start` and an `npm run cli -- install-url` cost on a built tree with
// no source change (the README's figures). Each runs a few times in a throwaway data folder; the medians print.
// What the CLI prints (a secret install URL) is discarded, never shown.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNS = 3;
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/** Milliseconds from running `npm start` to the server's first answer on /healthz. */
async function startOnce(dir) {
  const port = await freePort();
  const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_PATH: join(dir, 'db.sqlite') };
  const started = performance.now();
  // Its own process group, so npm, its shell and the server all stop together.
  const child = spawn(npm[0], [...npm.slice(1), 'start'], { cwd: root, env, stdio: 'ignore', detached: true });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
      const answered = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (res) => res.ok,
        () => false,
      );
      if (answered) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    process.kill(-child.pid, 'SIGTERM');
  }
}

/** Milliseconds for `npm run cli -- install-url` to finish. */
function cliOnce(dir) {
  const env = { ...process.env, DATABASE_PATH: join(dir, 'db.sqlite'), PUBLIC_URL: 'http://localhost:3000' };
  const started = performance.now();
  const run = spawnSync(npm[0], [...npm.slice(1), 'run', 'cli', '--silent', '--', 'install-url'], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`npm run cli -- install-url exited with ${run.status}: ${run.stderr}`);
  return performance.now() - started;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const build = spawnSync(process.execPath, ['scripts/build.js'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
const dir = mkdtempSync(join(tmpdir(), 'swi-measure-'));
try {
  const starts = [];
  for (let i = 0; i < RUNS; i++) starts.push(await startOnce(dir));
  const clis = [];
  for (let i = 0; i < RUNS; i++) clis.push(cliOnce(dir));
  const show = (values) =>
    `${(median(values) / 1000).toFixed(2)} s (runs: ${values.map((v) => (v / 1000).toFixed(2)).join(', ')})`;
  console.log(`npm start, nothing changed, to the first answer: ${show(starts)}`);
  console.log(`npm run cli -- install-url, nothing changed:     ${show(clis)}`);
  console.log(`Node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
