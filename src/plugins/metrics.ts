import fp from 'fastify-plugin';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export interface Metrics {
  installsStarted: Counter;
  installsCompleted: Counter;
  installsFailed: Counter<'reason'>;
  slackApiSeconds: Histogram<'method' | 'outcome'>;
  eventsReceived: Counter<'type'>;
  webhookChecks: Counter<'outcome'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
    /** Where the metrics are registered; served by routes/metrics.ts when METRICS_ENABLED=true. */
    metricsRegistry: Registry;
  }
}

const PREFIX = 'slack_webhook_installer_';

/** Label values come only from fixed vocabularies or Slack's short error codes, never from secrets. */
export function label(value: string): string {
  return /^[a-z0-9_.]{1,64}$/.test(value) ? value : 'other';
}

/**
 * Counters are always kept (each costs an addition); the process metrics are collected only when
 * METRICS_ENABLED=true. One registry per app, so several apps in one process (tests) do not collide.
 */
export default fp(
  async (app, opts: { enabled: boolean }) => {
    const registers = [new Registry()];
    const [register] = registers as [Registry];
    const metrics: Metrics = {
      installsStarted: new Counter({ name: `${PREFIX}installs_started_total`, help: 'Install URLs opened with the right secret (redirects to Slack).', registers }),
      installsCompleted: new Counter({ name: `${PREFIX}installs_completed_total`, help: 'Installs stored and shown on the landing page.', registers }),
      installsFailed: new Counter({ name: `${PREFIX}installs_failed_total`, help: 'Installs that ended on a failure page, by reason.', labelNames: ['reason'], registers }),
      slackApiSeconds: new Histogram({
        name: `${PREFIX}slack_api_duration_seconds`,
        help: 'Time taken by calls to Slack’s Web API, retries included.',
        labelNames: ['method', 'outcome'],
        buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers,
      }),
      eventsReceived: new Counter({ name: `${PREFIX}events_received_total`, help: 'Signed Events API requests, by event type.', labelNames: ['type'], registers }),
      webhookChecks: new Counter({ name: `${PREFIX}webhook_checks_total`, help: 'Webhook checks and test messages, by outcome (live, dead, unknown).', labelNames: ['outcome'], registers }),
    };
    app.decorate('metrics', metrics);
    app.decorate('metricsRegistry', register);
    if (opts.enabled) collectDefaultMetrics({ register, prefix: PREFIX });
  },
  { name: 'metrics' },
);
