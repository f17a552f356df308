import type { FastifyInstance } from 'fastify';

/** GET /metrics: Prometheus text format; registered only when METRICS_ENABLED=true. */
export default async function metricsRoute(app: FastifyInstance) {
  const registry = app.metricsRegistry!;
  app.get('/metrics', async (_request, reply) =>
    reply
      .header('cache-control', 'no-store')
      .type(registry.contentType)
      .send(await registry.metrics()),
  );
}
