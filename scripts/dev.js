#!/usr/bin/env node
// npm run dev: one command for working on the server. Builds what changed, then keeps `tsc --watch` compiling and
// `node --watch` restarting the server on tsc's output whenever it changes. Without Slack credentials in the
// environment or .env the server runs in demo mode, with its built-in Slack emulator. Ctrl-C stops both.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

const first = spawnSync(process.execPath, ['scripts/build.js'], { cwd: root, stdio: 'inherit' });
if (first.status !== 0) process.exit(first.status ?? 1);

const children = [
  // tsc keeps its own output quiet between runs (--preserveWatchOutput) and reports errors as it finds them.
  spawn(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json', '--watch', '--preserveWatchOutput'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  ),
  // The unbundled modules, so a change restarts the server without a bundling step; source maps point into src/.
  spawn(process.execPath, ['--watch', '--enable-source-maps', 'dist/src/server.js'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'development' },
  }),
];

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  process.exitCode = code;
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(0));
// If either ends on its own (a crash of tsc, or node --watch giving up), stop the other rather than half-run.
for (const child of children) child.on('exit', (code) => stop(code ?? 0));
