import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { buildApp } from '../src/app.js';
import { testConfig } from './helpers.js';

// Fastify's require cache, where its schema compilers would appear once loaded.
const loadedByFastify = () => Object.keys(createRequire(import.meta.resolve('fastify')).cache);

test('building the app does not load the schema compilers (Ajv, fast-json-stringify) when no route has a schema', async (t) => {
  const app = await buildApp(testConfig({ DATABASE_PATH: ':memory:' }), { logger: false });
  t.after(() => app.close());
  await app.ready();
  // (fast-json-stringify/lib/serializer.js is Fastify's prebuilt error serializer, loaded by Fastify itself.)
  const compilers = loadedByFastify().filter((path) =>
    /node_modules\/(ajv\/|@fastify\/ajv-compiler\/|@fastify\/fast-json-stringify-compiler\/|fast-json-stringify\/index\.js)/.test(
      path,
    ),
  );
  assert.deepEqual(compilers, []);
});

test('a route that declares a schema still gets it: validated input and serialized output', async (t) => {
  const app = await buildApp(testConfig({ DATABASE_PATH: ':memory:' }), { logger: false });
  t.after(() => app.close());
  app.post(
    '/echo',
    {
      schema: {
        body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
        response: { 200: { type: 'object', properties: { n: { type: 'integer' } } } },
      },
    },
    async (request) => ({ n: (request.body as { n: number }).n, dropped: 'by the response schema' }),
  );

  const ok = await app.inject({ method: 'POST', url: '/echo', payload: { n: 7 } });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { n: 7 });
  const bad = await app.inject({ method: 'POST', url: '/echo', payload: { n: 'seven' } });
  assert.equal(bad.statusCode, 400);
  assert.ok(
    loadedByFastify().some((path) => path.includes('node_modules/ajv/')),
    'Ajv is loaded once a schema needs it',
  );
});

/** The files `node dist/server.js` loads before it answers: the entry and the chunks it imports statically. */
function staticallyLoaded(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const code = readFileSync(file, 'utf8');
  for (const m of code.matchAll(/^import\s[^;]*?from\s*"(\.[^"]+)"|^import\s*"(\.[^"]+)"/gm))
    staticallyLoaded(join(dirname(file), (m[1] ?? m[2])!), seen);
  return seen;
}

test('npm start runs one bundle: the native SQLite addon and the cookie plugin are its only package imports, and what is used on demand loads on demand', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts.start, 'node dist/server.js');
  const files = [...staticallyLoaded('dist/server.js')];
  const code = files.map((file) => readFileSync(file, 'utf8')).join('\n');
  const packages = [...code.matchAll(/^import\s[^;]*?from\s*"([^".][^"]*)"|^import\s*"([^".][^"]*)"/gm)]
    .map((m) => (m[1] ?? m[2])!)
    .filter((spec) => !spec.startsWith('node:'));
  assert.deepEqual(
    [...new Set(packages)].sort(),
    ['@fastify/cookie', 'better-sqlite3'],
    'Fastify, pino and the rest are bundled',
  );
  // The demo's emulator (with its multipart parser), PostgreSQL and the Slack SDKs are not loaded by a start on SQLite.
  assert.doesNotMatch(code, /node_modules\/@fastify\/multipart\//);
  assert.doesNotMatch(code, /^import\s[^;]*?from\s*"(pg|@slack\/oauth|@slack\/web-api|prom-client)"/m);
  const everything = readdirSync('dist/chunks').map((name) => readFileSync(join('dist/chunks', name), 'utf8'));
  assert.ok(
    everything.some((chunk) => /node_modules\/@fastify\/multipart\//.test(chunk)),
    'the emulator is in a chunk of its own',
  );
});
