#!/usr/bin/env node
// npm run test:node -- 22 (or 24, 20, 24.1.0): the whole `npm test` suite, build included, on another Node.js
// release than the machine's, to keep the `engines` promise honest. The release comes from the npm registry
// (node-<platform>-<arch>), and runs against a throwaway copy of the project whose node_modules has better-sqlite3
// compiled for its ABI: this folder, its node_modules and its dist/ are never written. Slow (a first run compiles
// SQLite), so it is for operators and contributors, not part of npm test or CI.
//   --keep      keep the throwaway copy (its path is printed) to look at a failure
//   --jobs N    compile with N jobs (default 1: the machines here are shared)
// TEST_NODE_CACHE moves the cache (default ~/.cache/slack-webhook-installer/test-node). PostgreSQL and Chromium
// tests run or skip as in npm test; CI=true makes a missing one fail.
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cacheDir,
  fetchNode,
  npmCli,
  parseSummary,
  parseVersionSpec,
  prepareAddon,
  runtimeEnv,
} from './node-runtime.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const log = (message) => console.log(`test:node: ${message}`);

function parseArgs(argv) {
  const options = { keep: false, jobs: 1, spec: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--keep') options.keep = true;
    else if (arg === '--jobs') options.jobs = Number(argv[++i]);
    else if (arg.startsWith('--jobs=')) options.jobs = Number(arg.slice('--jobs='.length));
    else if (options.spec === undefined) options.spec = parseVersionSpec(arg);
    else throw new Error(`unexpected argument ${arg}`);
  }
  if (options.spec === undefined) throw new Error('which Node.js? For example: npm run test:node -- 22');
  if (!Number.isInteger(options.jobs) || options.jobs < 1) throw new Error('--jobs takes a whole number from 1');
  return options;
}

/** The project's own files as they are now (committed or not, never ignored ones), else all but the bulky ones. */
function copyProject(into) {
  let files;
  try {
    const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    files = listed.split('\0').filter((f) => f && existsSync(join(root, f)));
  } catch {
    files = undefined;
  }
  if (files) {
    for (const file of files) {
      mkdirSync(dirname(join(into, file)), { recursive: true });
      cpSync(join(root, file), join(into, file), { verbatimSymlinks: true });
    }
  } else {
    const skip = new Set(['node_modules', 'dist', '.git', '.stryker-tmp', 'reports'].map((d) => join(root, d)));
    cpSync(root, into, { recursive: true, verbatimSymlinks: true, filter: (src) => !skip.has(src) });
  }
  cpSync(join(root, 'node_modules'), join(into, 'node_modules'), { recursive: true, verbatimSymlinks: true });
}

/** npm test in the copy with the fetched Node first on PATH; its output shown and kept in a log file. */
function runTests(copy, runtime, npm, logFile) {
  return new Promise((resolvePromise, reject) => {
    const out = createWriteStream(logFile);
    let output = '';
    const env = { ...process.env };
    // npm passes its own settings down to the scripts it runs; the fetched Node must not inherit the machine's.
    for (const name of Object.keys(env)) if (name.startsWith('npm_') && name !== 'npm_config_nodedir') delete env[name];
    Object.assign(env, runtimeEnv(runtime));
    const child = spawn(runtime.node, [npm, 'test'], { cwd: copy, env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk) => {
        const target = stream === child.stdout ? process.stdout : process.stderr;
        target.write(chunk);
        out.write(chunk);
        output += chunk.toString();
      });
    }
    const forward = (signal) => child.kill(signal);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, forward);
    child.on('error', reject);
    child.on('close', (code, signal) => out.end(() => resolvePromise({ code, signal, output })));
  });
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const npm = npmCli();
  const cache = cacheDir();
  mkdirSync(cache, { recursive: true });

  const runtime = fetchNode(options.spec, { npm, cache, log });
  log(`Node v${runtime.version} (ABI ${runtime.abi}) in ${runtime.dir}`);

  const copy = mkdtempSync(join(tmpdir(), `swi-node${runtime.version.split('.')[0]}-`));
  const cleanup = () => {
    if (!options.keep) rmSync(copy, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  try {
    log(`copying the project and its node_modules to ${copy}…`);
    copyProject(copy);
    prepareAddon(join(copy, 'node_modules'), runtime, { npm, cache, jobs: options.jobs, log });

    mkdirSync(join(cache, 'logs'), { recursive: true });
    const logFile = join(
      cache,
      'logs',
      `node-v${runtime.version}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`,
    );
    log(`npm test with Node v${runtime.version} (log: ${logFile})…`);
    const testsStarted = Date.now();
    const result = await runTests(copy, runtime, npm, logFile);
    const s = parseSummary(result.output);
    const seconds = (ms) => `${Math.round(ms / 1000)} s`;
    const passed = result.code === 0;
    console.log(
      [
        `test:node: Node v${runtime.version} (ABI ${runtime.abi}): npm test ${passed ? 'passed' : `FAILED (${result.signal ?? `exit ${result.code}`})`}`,
        `  tests ${s.tests ?? '?'}, pass ${s.pass ?? '?'}, fail ${s.fail ?? '?'}, skipped ${s.skipped ?? '?'}, todo ${s.todo ?? '?'}, cancelled ${s.cancelled ?? '?'}`,
        `  build + tests ${seconds(Date.now() - testsStarted)}, whole run ${seconds(Date.now() - started)}`,
        options.keep ? `  the copy is kept in ${copy}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
    process.exitCode = passed ? 0 : 1;
  } finally {
    cleanup();
  }
}

main().catch((error) => {
  console.error(`test:node: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
