import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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

test("npm start runs one module holding all of the server's own code; dependencies come from node_modules", () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts.start, 'node dist/server.js');
  const code = readFileSync('dist/server.js', 'utf8');
  const imported = [...code.matchAll(/(?:^import\s[^;]*?from\s*|^import\s*|\bimport\()"([^"]+)"/gm)].map((m) => m[1]!);
  assert.ok(imported.includes('fastify') && imported.includes('better-sqlite3'), 'packages stay imports');
  assert.deepEqual(
    imported.filter((spec) => spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('file:')),
    [],
  );
});
