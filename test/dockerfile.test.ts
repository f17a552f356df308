import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

// No Docker engine runs here, so the Dockerfile is checked for what can be checked without one.
const dockerfile = readFileSync('Dockerfile', 'utf8');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  scripts: Record<string, string>;
  engines: { node: string };
};
const stages = dockerfile.split(/^FROM /m).slice(1);

test('the Dockerfile is multi-stage on node:24-slim, the current LTS, inside the engines range', () => {
  assert.ok(stages.length >= 2);
  for (const stage of stages) assert.match(stage, /^node:24-slim\b/);
  assert.match(pkg.engines.node, /(^|\|\|)\s*\^24\b/);
});

test('the runtime stage runs as a non-root user, keeps data in a volume, and checks /healthz', () => {
  const runtime = stages.at(-1)!;
  assert.match(runtime, /^USER (?!root\b)\S+/m);
  assert.match(runtime, /^VOLUME .*\/data/m);
  assert.match(runtime, /DATABASE_PATH=\/data\//);
  assert.match(runtime, /HOST=0\.0\.0\.0/);
  assert.match(runtime, /^HEALTHCHECK .*[\s\S]*\/healthz/m);
});

test('every file the Dockerfile copies from the build context exists', () => {
  for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
    for (const source of m[1]!.trim().split(/\s+/)) assert.ok(existsSync(source), `${source} exists`);
  }
});

test('the container starts with the same command as npm start', () => {
  const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
  assert.ok(cmd);
  assert.equal((JSON.parse(cmd[1]!) as string[]).join(' '), pkg.scripts.start);
});

test('the runtime stage creates /data owned by node with mode 700, and runs as node', () => {
  const runtime = stages.at(-1)!;
  const mkdir = /^RUN mkdir -p \/data\b(.*)$/m.exec(runtime);
  assert.ok(mkdir, 'the runtime stage creates /data');
  assert.match(mkdir[1]!, /&& chown node:node \/data\b/);
  assert.match(mkdir[1]!, /&& chmod 700 \/data\b/);
  assert.match(runtime, /^USER node$/m);
  // VOLUME comes after: Docker copies the folder's owner and mode into a new named volume.
  assert.ok(runtime.indexOf('VOLUME') > runtime.indexOf('chmod 700 /data'));
});
