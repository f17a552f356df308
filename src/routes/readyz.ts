import type { FastifyInstance } from 'fastify';

/** GET /readyz: ready to take installs: the database answers and has every migration this build ships. */
export default async function readyzRoute(app: FastifyInstance) {
  const expected = app.store.shippedVersion;
  app.get('/readyz', async (_request, reply) => {
    let version = -1;
    try {
      version = await app.store.schemaVersion();
    } catch (err) {
      app.log.error({ err }, 'readiness check: database did not answer');
    }
    const ready = version === expected;
    return reply
      .status(ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({
        status: ready ? 'ready' : 'unavailable',
        database: version >= 0 ? 'ok' : 'unavailable',
        migrations: { applied: Math.max(version, 0), expected },
      });
  });
}
