import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { viewsDir } from '../paths.js';

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/** GET /assets/:file: the page script and style, read once at start-up; nothing outside the list is served. */
export default async function assetsRoute(app: FastifyInstance) {
  const files = new Map(
    ['copy.js', 'style.css'].map((name) => [
      name,
      {
        body: readFileSync(resolve(viewsDir, 'assets', name)),
        type: TYPES[name.slice(name.lastIndexOf('.'))]!,
      },
    ]),
  );
  app.get<{ Params: { file: string } }>('/assets/:file', async (request, reply) => {
    const file = files.get(request.params.file);
    if (file === undefined) return reply.callNotFound();
    return reply.header('content-type', file.type).header('cache-control', 'public, max-age=3600').send(file.body);
  });
}
