import fp from 'fastify-plugin';
import type { Config } from '../config.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface Retention {
  /** Deletes revoked installations older than REVOKED_RETENTION_DAYS now; resolves with how many. */
  run: () => Promise<number>;
  /** The run under way or last done (the first starts when the app is ready). */
  lastRun: Promise<number> | undefined;
  /** The daily timer while the app is open. */
  timer: NodeJS.Timeout | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** With REVOKED_RETENTION_DAYS: the pruning of old revoked installations; undefined keeps them forever. */
    retention: Retention | undefined;
  }
}

class Closing extends Error {}

/**
 * REVOKED_RETENTION_DAYS (ASVS 14.2.7, data retention): revoked installations, history no one can use any more,
 * are deleted once older than that, at start-up and once a day, in the store's batches (installs go on between
 * them). Active installations are never deleted. The timer does not keep the process alive, and a shutdown stops a
 * run between two batches.
 */
export default fp(
  async (app, opts: { config: Config }) => {
    const days = opts.config.revokedRetentionDays;
    if (days === undefined) {
      app.decorate('retention', undefined);
      return;
    }
    let closing = false;
    const retention: Retention = {
      lastRun: undefined,
      timer: undefined,
      run: () => {
        const before = new Date(Date.now() - days * DAY_MS);
        const run = app.store.installations
          .pruneRevokedBefore(before, {
            onBatch: () => {
              if (closing) throw new Closing();
            },
          })
          .then(
            (deleted) => {
              if (deleted > 0)
                app.log.info({ deleted, revokedBefore: before.toISOString() }, 'pruned revoked installations');
              return deleted;
            },
            (err: unknown) => {
              if (!(err instanceof Closing)) app.log.error({ err }, 'pruning revoked installations failed');
              return 0;
            },
          );
        retention.lastRun = run;
        return run;
      },
    };
    app.decorate('retention', retention);
    app.addHook('onReady', async () => {
      void retention.run();
      retention.timer = setInterval(() => void retention.run(), DAY_MS).unref();
    });
    app.addHook('preClose', async () => {
      closing = true;
      clearInterval(retention.timer);
      retention.timer = undefined;
      await retention.lastRun; // before the store closes
    });
  },
  { name: 'retention', dependencies: ['store'] },
);
