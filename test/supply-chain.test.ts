// The supply-chain checks of `npm run lint` and `.ci/run`: the lockfile names registry packages with integrity
// hashes only, and `npm audit` fails the build on a known vulnerability or says loudly that it could not run.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { freePort, tempDir } from './helpers.js';

const ROOT = process.cwd();
const CHECK = join(ROOT, '.ci', 'check-lockfile.mjs');
const AUDIT = join(ROOT, '.ci', 'audit.mjs');

test('check-lockfile passes this project’s lockfile', () => {
  const run = spawnSync(process.execPath, [CHECK, ROOT], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /\d+ packages, all from the npm registry with a sha512 integrity hash/);
});

test('check-lockfile names every package from elsewhere or without an integrity hash', (t) => {
  const dir = tempDir(t);
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const names = Object.keys(lock.packages).filter((k) => k.startsWith('node_modules/'));
  lock.packages[names[0]!].resolved = 'git+ssh://git@github.com/evil/pkg.git#abc';
  lock.packages[names[1]!].resolved = 'https://evil.example/pkg-1.0.0.tgz';
  delete lock.packages[names[2]!].integrity;
  lock.packages[names[3]!].integrity = 'sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=';
  lock.packages['node_modules/local-thing'] = { resolved: '../local-thing', link: true };
  manifest.dependencies['left-pad'] = 'github:someone/left-pad';
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock));
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
  const run = spawnSync(process.execPath, [CHECK, dir], { encoding: 'utf8' });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /6 problem\(s\)/);
  assert.ok(run.stderr.includes(`${names[0]} comes from git+ssh://`), run.stderr);
  assert.ok(run.stderr.includes(`${names[1]} comes from https://evil.example/`));
  assert.ok(run.stderr.includes(`${names[2]} has no sha512 integrity hash (none)`));
  assert.ok(run.stderr.includes(`${names[3]} has no sha512 integrity hash (sha1-`));
  assert.ok(run.stderr.includes('node_modules/local-thing is a link'));
  assert.ok(run.stderr.includes('dependencies.left-pad is "github:someone/left-pad"'));
});

/** A stand-in for the registry's audit endpoint on loopback, answering the bulk advisory request as given. */
async function fakeRegistry(t: TestContext, answer: (res: http.ServerResponse) => void): Promise<string> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST' && req.url!.includes('/-/npm/v1/security/advisories/bulk')) answer(res);
      else res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
}

/** .ci/audit.mjs in a copy of this project's manifest and lockfile, against `registry`. */
function audit(t: TestContext, registry: string, env: Record<string, string> = {}) {
  const dir = tempDir(t);
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(ROOT, file), join(dir, file));
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, [AUDIT], {
      cwd: dir,
      env: { ...process.env, npm_config_registry: registry, npm_config_fetch_retries: '0', ...env },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

test('audit fails on a known vulnerability in a production dependency, naming it and the advisory', async (t) => {
  // The shape of the registry's bulk advisory answer: package name → advisories (npm's own audit report types).
  const registry = await fakeRegistry(t, (res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        fastify: [
          {
            id: 1,
            url: 'https://github.com/advisories/GHSA-test-test-test',
            title: 'Test advisory',
            severity: 'high',
            vulnerable_versions: '<99.0.0',
            cwe: ['CWE-400'],
            cvss: { score: 7.5, vectorString: null },
          },
        ],
      }),
    ),
  );
  const run = await audit(t, registry);
  assert.equal(run.code, 1, run.out);
  assert.match(run.out, /1 known vulnerability in production dependencies/);
  assert.match(run.out, /fastify \[high\]: Test advisory \(https:\/\/github\.com\/advisories\/GHSA-test-test-test\)/);
});

test('audit says loudly that it was skipped when the advisory service does not answer, and exits 0', async (t) => {
  const refusing = await fakeRegistry(t, (res) => res.writeHead(405, { allow: 'GET,HEAD' }).end());
  const closed = `http://127.0.0.1:${await freePort()}/`;
  for (const registry of [refusing, closed]) {
    const run = await audit(t, registry);
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /!!! npm audit SKIPPED: the advisory service could not be asked/);
    assert.match(run.out, /NOT checked for known vulnerabilities/);
  }
  const strict = await audit(t, closed, { AUDIT_REQUIRED: 'true' });
  assert.equal(strict.code, 1, 'AUDIT_REQUIRED=true turns the skip into a failure');
});
