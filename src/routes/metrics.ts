import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { sameSecret } from '../input.js';

/**
 * GET /metrics: Prometheus text format; registered only when METRICS_ENABLED=true, on the public listener or on
 * the metrics listener of its own (src/plugins/metrics-listener.ts). With METRICS_TOKEN, only a request that
 * carries `Authorization: Bearer <token>` (Prometheus' `authorization` setting) gets them; the token is compared
 * in constant time.
 */
export default async function metricsRoute(app: FastifyInstance, opts: { registry: Registry; token?: string }) {
  const { registry } = opts;
  const expected = opts.token === undefined ? undefined : Buffer.from(`Bearer ${opts.token}`);
  app.get('/metrics', async (request, reply) => {
    if (expected !== undefined && !sameSecret(request.headers.authorization ?? '', expected)) {
      return reply
        .status(401)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .header('cache-control', 'no-store')
        .type('text/plain; charset=utf-8')
        .send('Metrics need the bearer token set in METRICS_TOKEN: Authorization: Bearer <token>.\n');
    }
    return reply
      .header('cache-control', 'no-store')
      .type(registry.contentType)
      .send(await registry.metrics());
  });
}
