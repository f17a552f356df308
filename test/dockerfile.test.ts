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

test("the build stage compiles better-sqlite3 from source against the image's own Node headers", () => {
  const build = stages[0]!;
  // node-gyp would otherwise download headers; the official images keep them under /usr/local/include/node.
  assert.match(build, /^ENV npm_config_nodedir=\/usr\/local$/m);
  assert.match(build, /apt-get install .*\bpython3\b.*\bmake\b.*\bg\+\+/);
  // better-sqlite3's own install script would fetch a prebuilt binary from outside the registry, unchecked by the lock.
  const ci = /^RUN npm ci --ignore-scripts \\\n((?: && .*\n)+)/m.exec(build);
  assert.ok(ci, 'npm ci --ignore-scripts, then each install step named');
  assert.match(ci[1]!, /^ && npm run build-release --prefix node_modules\/better-sqlite3 \\$/m);
  assert.ok(build.indexOf('ENV npm_config_nodedir') < build.indexOf('RUN npm ci'), 'the headers are set before');
  // dev dependencies build the project, then leave: the runtime stage copies node_modules without them.
  assert.ok(build.indexOf('npm prune --omit=dev') > build.indexOf('npm run build &&'));
});

test('every package with an install script in the lock file is built by name in the build stage', () => {
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
    packages: Record<string, { hasInstallScript?: boolean }>;
  };
  const withScripts = Object.entries(lock.packages)
    .filter(([, entry]) => entry.hasInstallScript === true)
    .map(([path]) => path.replace(/^.*node_modules\//, ''));
  assert.ok(withScripts.includes('better-sqlite3'));
  const build = stages[0]!;
  for (const name of withScripts) {
    const named = new RegExp(`(npm rebuild ${name}\\b|--prefix node_modules/${name}\\b)`).test(build);
    assert.ok(named, `${name} has an install script that npm ci --ignore-scripts skipped: build it by name`);
  }
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

// compose.yaml (server + PostgreSQL) is checked the same way: what it says must match the image and the server.
const compose = readFileSync('compose.yaml', 'utf8');

/** The lines of one service in compose.yaml (its block under `services:`, indented by two spaces). */
function service(name: string): string {
  const m = new RegExp(`^  ${name}:\\n((?:    .*\\n|\\s*\\n)+)`, 'm').exec(compose);
  assert.ok(m, `compose.yaml has a ${name} service`);
  return m[1]!;
}

/** A service's `environment:` entries, as written (values may hold ${VAR} substitutions). */
function environment(block: string): Map<string, string> {
  const m = /^ {4}environment:\n((?: {6}.*\n|\s*\n)+)/m.exec(block);
  assert.ok(m, 'an environment block');
  return new Map(
    [...m[1]!.matchAll(/^ {6}([A-Z_][A-Z0-9_]*): (.*)$/gm)].map((e) => [e[1]!, e[2]!.replace(/^'(.*)'$/, '$1')]),
  );
}

test('compose.yaml: the server image built from this folder, waiting for a healthy PostgreSQL', () => {
  const server = service('server');
  const db = service('db');
  assert.match(server, /^ {4}build: \.$/m);
  assert.match(server, /depends_on:\n\s+db:\n\s+condition: service_healthy/);
  assert.match(db, /^ {4}image: postgres:\d+/m);
  assert.match(db, /healthcheck:\n\s+test: \[.*pg_isready/);
  assert.match(db, /- db-data:\/var\/lib\/postgresql\/data/);
  assert.match(compose, /^volumes:\n {2}db-data:/m);
  const expose = /^EXPOSE (\d+)$/m.exec(dockerfile)![1];
  assert.match(server, new RegExp(`- '\\d+:${expose}'`), 'the port published is the one the image exposes');
});

test('compose.yaml: the server gets a DATABASE_URL for the db service, ENCRYPTION_KEY, and only variables it reads', () => {
  const env = environment(service('server'));
  const dbEnv = environment(service('db'));
  const url = new URL(env.get('DATABASE_URL')!.replace(/\$\{[^}]+\}/g, 'x'));
  assert.match(url.protocol, /^postgres(ql)?:$/);
  assert.equal(url.hostname, 'db');
  assert.equal(url.username, dbEnv.get('POSTGRES_USER'));
  assert.equal(url.pathname, `/${dbEnv.get('POSTGRES_DB')}`);
  assert.match(env.get('DATABASE_URL')!, /:\$\{POSTGRES_PASSWORD[:?}]/, 'the password is the one the db is given');
  assert.match(env.get('ENCRYPTION_KEY')!, /^\$\{ENCRYPTION_KEY:\?/, 'required, as the server requires it');
  const documented = readFileSync('.env.example', 'utf8');
  for (const name of env.keys())
    assert.match(documented, new RegExp(`^#? ?${name}=`, 'm'), `${name} is a server variable`);
  for (const name of ['PUBLIC_URL', 'SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'SLACK_SIGNING_SECRET'])
    assert.ok(env.has(name), `${name} is passed to the server`);
});

test('the image carries the PostgreSQL migrations too', () => {
  assert.match(dockerfile, /^COPY migrations \.\/migrations$/m);
  assert.ok(existsSync('migrations/postgres/001_installations.sql'));
});
