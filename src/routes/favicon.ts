import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { viewsDir } from '../paths.js';

/**
 * GET /favicon.ico: every browser asks for it on every page; without it each page logged an error in the console.
 * A 663-byte icon (16 and 32 px), cached for a month.
 */
export default async function faviconRoute(app: FastifyInstance) {
  const icon = readFileSync(resolve(viewsDir, 'assets', 'favicon.ico'));
  app.get('/favicon.ico', async (_request, reply) =>
    reply.header('content-type', 'image/x-icon').header('cache-control', 'public, max-age=2592000').send(icon),
  );
}
