import type { FastifyInstance } from 'fastify';

/** GET /robots.txt: nothing here is for search engines (install and landing pages are for one person each). */
export default async function robotsRoute(app: FastifyInstance) {
  app.get('/robots.txt', async (_request, reply) =>
    reply
      .header('content-type', 'text/plain; charset=utf-8')
      .header('cache-control', 'public, max-age=86400')
      .send('User-agent: *\nDisallow: /\n'),
  );
}
