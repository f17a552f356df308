import fp from 'fastify-plugin';
import type { Counter, Histogram, Registry } from 'prom-client';

export interface Metrics {
  installsStarted: Pick<Counter, 'inc'>;
  installsCompleted: Pick<Counter, 'inc'>;
  installsFailed: Pick<Counter<'reason'>, 'inc'>;
  slackApiSeconds: Pick<Histogram<'method' | 'outcome'>, 'startTimer'>;
  eventsReceived: Pick<Counter<'type'>, 'inc'>;
  webhookChecks: Pick<Counter<'outcome'>, 'inc'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
    /** Where the metrics are registered; served by routes/metrics.ts when METRICS_ENABLED=true. */
    metricsRegistry: Registry | undefined;
  }
}

const PREFIX = 'slack_webhook_installer_';

/** Label values come only from fixed vocabularies or Slack's short error codes, never from secrets. */
export function label(value: string): string {
  return /^[a-z0-9_.]{1,64}$/.test(value) ? value : 'other';
}

const noop = { inc() {}, startTimer: () => () => 0 };
const DISABLED: Metrics = {
  installsStarted: noop,
  installsCompleted: noop,
  installsFailed: noop,
  slackApiSeconds: noop,
  eventsReceived: noop,
  webhookChecks: noop,
};

/**
 * With METRICS_ENABLED=true, prom-client counters and histograms, the default process metrics, one registry per
 * app (several apps in one process, as in tests, do not collide). Otherwise prom-client is not even loaded, and
 * the routes count into no-ops.
 */
export default fp(
  async (app, opts: { enabled: boolean }) => {
    if (!opts.enabled) {
      app.decorate('metrics', DISABLED);
      app.decorate('metricsRegistry', undefined);
      return;
    }
    const { collectDefaultMetrics, Counter, Histogram, Registry } = await import('prom-client');
    const register = new Registry();
    const registers = [register];
    app.decorate('metrics', {
      installsStarted: new Counter({
        name: `${PREFIX}installs_started_total`,
        help: 'Install URLs opened with the right secret (redirects to Slack).',
        registers,
      }),
      installsCompleted: new Counter({
        name: `${PREFIX}installs_completed_total`,
        help: 'Installs stored and shown on the landing page.',
        registers,
      }),
      installsFailed: new Counter({
        name: `${PREFIX}installs_failed_total`,
        help: 'Installs that ended on a failure page, by reason.',
        labelNames: ['reason'],
        registers,
      }),
      slackApiSeconds: new Histogram({
        name: `${PREFIX}slack_api_duration_seconds`,
        help: 'Time taken by calls to Slack’s Web API, retries included.',
        labelNames: ['method', 'outcome'],
        buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers,
      }),
      eventsReceived: new Counter({
        name: `${PREFIX}events_received_total`,
        help: 'Signed Events API requests, by event type.',
        labelNames: ['type'],
        registers,
      }),
      webhookChecks: new Counter({
        name: `${PREFIX}webhook_checks_total`,
        help: 'Webhook checks and test messages, by outcome (live, dead, unknown).',
        labelNames: ['outcome'],
        registers,
      }),
    });
    app.decorate('metricsRegistry', register);
    collectDefaultMetrics({ register, prefix: PREFIX });
  },
  { name: 'metrics' },
);
