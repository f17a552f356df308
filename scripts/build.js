#!/usr/bin/env node
// npm run build (and before npm start, npm test, npm run cli): compiles with tsc and bundles the server with esbuild,
// each only when its inputs changed since the last build, so a start or a CLI call on a built tree costs no build.
// `--force` builds whatever the stamps say. The stamps live in dist/, so a clean clone (or `rm -rf dist`) builds all.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inputsStamp, readStamp, writeStamp } from './build-stamp.js';
import { pruneDist } from './prune-dist.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const force = process.argv.includes('--force');
const quiet = process.argv.includes('--quiet');
const require = createRequire(import.meta.url);

// What tsc reads: every source tree it compiles and what configures it (a dependency's types come with the lock).
const TSC_INPUTS = ['src', 'test', 'bench', 'tools', 'tsconfig.json', 'package-lock.json'];
const tscStampFile = join(dist, '.tsc-inputs');
const bundleStampFile = join(dist, '.bundle-inputs');
const bundle = join(dist, 'server.js');

function run(what, args) {
  const started = Date.now();
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`build: ${what} failed`);
    process.exit(result.status ?? 1);
  }
  if (!quiet) console.error(`build: ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

mkdirSync(dist, { recursive: true });

const tscStamp = inputsStamp(root, TSC_INPUTS, (path) => path.endsWith('.ts') || path.endsWith('.json'));
const compiled = existsSync(join(dist, '.tsbuildinfo')) && existsSync(join(dist, 'src', 'server.js'));
if (force || !compiled || readStamp(tscStampFile) !== tscStamp) {
  run('tsc', [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json']);
  pruneDist(root);
  writeStamp(tscStampFile, tscStamp);
}

// Packages left out of the bundle, each for a reason: a native addon found beside its own files (better-sqlite3);
// code loaded only when a feature is used (PostgreSQL, the Slack SDKs on the first install, Prometheus metrics); and
// @fastify/cookie, which import()s its CommonJS `cookie` at run time: bundled, that import gives only a default
// export and the plugin finds no stringifySetCookie. Everything else (Fastify, pino, the templates…) is bundled:
// resolving and reading ~300 files from node_modules on every start cost more CPU than the whole of the server's own
// start-up (measured: ~215 ms of CPU to the first answer unbundled, ~130 ms bundled).
const EXTERNAL = [
  'better-sqlite3',
  '@fastify/cookie',
  'pg',
  'pg-native',
  '@slack/oauth',
  '@slack/web-api',
  'prom-client',
];

// The bundle is made of tsc's output for src/ and of the locked packages it includes, as this script says.
const bundleStamp = inputsStamp(
  root,
  ['dist/src', 'package.json', 'package-lock.json', 'scripts/build.js'],
  (path) => path.endsWith('.js') || path.endsWith('.json'),
);
if (force || !existsSync(bundle) || readStamp(bundleStampFile) !== bundleStamp) {
  const { engines } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const target = `node${/\d+/.exec(engines.node)[0]}`;
  const started = Date.now();
  const { build } = await import('esbuild');
  // Code splitting keeps what is loaded only on demand (the demo's Slack emulator with @fastify/multipart, the
  // PostgreSQL store with pg, the Slack SDKs) in chunks of their own, so a production start on SQLite never loads
  // them: without it esbuild hoists every package a dynamic import needs to the top of the one file.
  rmSync(join(dist, 'chunks'), { recursive: true, force: true });
  await build({
    entryPoints: { server: join(dist, 'src', 'server.js') },
    bundle: true,
    external: EXTERNAL,
    // Bundled CommonJS packages call require() for Node's own modules, which an ES module has no binding for.
    banner: {
      js: "import { createRequire as swiCreateRequire } from 'node:module'; const require = swiCreateRequire(import.meta.url);",
    },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'node',
    format: 'esm',
    target,
    sourcemap: true,
    logLevel: 'warning',
    outdir: dist,
  });
  if (!quiet) console.error(`build: esbuild (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  writeStamp(bundleStampFile, bundleStamp);
}
