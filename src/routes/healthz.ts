import type { FastifyInstance } from 'fastify';

/** GET /healthz: cheap liveness for Docker and orchestrators (SQLite: the file answers; PostgreSQL: no round trip). */
export default async function healthzRoute(app: FastifyInstance) {
  app.get('/healthz', async (_request, reply) => {
    let ok = false;
    try {
      ok = await app.store.live();
    } catch (err) {
      app.log.error({ err }, 'health check: database did not answer');
    }
    return reply
      .status(ok ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status: ok ? 'ok' : 'unavailable' });
  });
}
