import Fastify, { LogController, type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import metricsRoute from '../routes/metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** With METRICS_PORT: the listener that serves /metrics alone; server.ts listens on it after the app. */
    metricsServer: FastifyInstance | undefined;
  }
}

/**
 * With METRICS_PORT, /metrics is served by a Fastify instance of its own, on METRICS_HOST (loopback unless a
 * METRICS_TOKEN guards it), so the port a reverse proxy exposes never serves it. It closes with the app.
 */
export default fp(
  async (app, opts: { config: Config }) => {
    const { metrics } = opts.config;
    if (!opts.config.metricsEnabled || metrics.port === undefined || app.metricsRegistry === undefined) {
      app.decorate('metricsServer', undefined);
      return;
    }
    const server: FastifyInstance = Fastify({
      loggerInstance: app.log.child({ listener: 'metrics' }),
      logController: new LogController({ disableRequestLogging: true }),
      connectionTimeout: 30_000,
      requestTimeout: 30_000,
      keepAliveTimeout: 5_000,
    });
    await server.register(metricsRoute, { registry: app.metricsRegistry, token: metrics.token });
    app.decorate('metricsServer', server);
    app.addHook('onClose', async () => {
      await server.close();
    });
  },
  { name: 'metrics-listener', dependencies: ['metrics'] },
);
