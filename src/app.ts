import cookie from '@fastify/cookie';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { createRequire } from 'node:module';
import { DEMO_APP_ID, type Config } from './config.js';
import type { SlackEmulator } from './emulator/state.js';
import { loggerOptions, safeUrl } from './logger.js';
import metrics from './plugins/metrics.js';
import metricsListener from './plugins/metrics-listener.js';
import pages from './plugins/pages.js';
import guessLimit from './plugins/guess-limit.js';
import security from './plugins/security.js';
import slack from './plugins/slack.js';
import store from './plugins/store.js';
import assetsRoute from './routes/assets.js';
import faviconRoute from './routes/favicon.js';
import healthzRoute from './routes/healthz.js';
import installRoute from './routes/install.js';
import metricsRoute from './routes/metrics.js';
import oauthRedirectRoute from './routes/oauth-redirect.js';
import readyzRoute from './routes/readyz.js';
import robotsRoute from './routes/robots.js';
import slackEventsRoute from './routes/slack-events.js';
import testMessageRoute from './routes/test-message.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** What a route adds to the request's one log line (an install's outcome, a refusal's reason). */
    outcome: Record<string, unknown> | null;
  }
  interface FastifyInstance {
    config: Config;
    /** `${PUBLIC_URL}/slack/install/${INSTALL_SECRET}`: the link the operator hands to users. */
    installUrl: string;
    /** The built-in Slack emulator, in demo mode only. */
    emulator: SlackEmulator | undefined;
  }
}

export interface BuildOptions {
  /** A pino logger configuration or instance; defaults to the configured level on stdout. */
  logger?: FastifyServerOptions['logger'];
  loggerInstance?: FastifyServerOptions['loggerInstance'];
}

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

/**
 * Fastify's default schema compilers (Ajv and fast-json-stringify), loaded only if a route ever declares a schema.
 * Fastify loads both when the app is created, which is a fifth of this server's start-up; no route here has a
 * schema (input is checked by src/input.ts), so a production start never loads them.
 */
function schemaCompilersOnDemand(): CompilersFactory {
  const fastifyRequire = createRequire(import.meta.resolve('fastify'));
  type Builder = (...args: unknown[]) => unknown;
  const onDemand = (pkg: string): Builder => {
    let build: Builder | undefined;
    return (...args) => {
      build ??= (fastifyRequire(pkg) as () => Builder)();
      return build(...args);
    };
  };
  return {
    buildValidator: onDemand('@fastify/ajv-compiler') as CompilersFactory['buildValidator'],
    buildSerializer: onDemand('@fastify/fast-json-stringify-compiler') as CompilersFactory['buildSerializer'],
  };
}

/** Builds the whole app from a config object; `server.ts` alone reads the environment and listens. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.loggerInstance
      ? { loggerInstance: options.loggerInstance }
      : { logger: options.logger ?? loggerOptions(config.logLevel) }),
    // One line per request, written below with secrets removed, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024, // no route here takes more than a small form
    http: { maxHeaderSize: 16 * 1024 }, // larger headers are answered 431 by Node
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 5_000,
    return503OnClosing: true,
    trustProxy: config.trustProxy,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    schemaController: { compilersFactory: schemaCompilersOnDemand() },
  });

  app.decorateRequest('outcome', null);
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        url: safeUrl(request.url),
        statusCode: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        client: request.ip, // as resolved through TRUST_PROXY: who made the request (ASVS 16.2.1)
        ...request.outcome,
      },
      'request',
    );
    done();
  });

  app.decorate('config', config);
  await app.register(store, { config });
  const installSecret = config.installSecret ?? (await app.store.settings.installSecret());
  const installUrl = `${config.publicUrl}/slack/install/${installSecret}`;
  app.decorate('installUrl', installUrl);

  await app.register(metrics, { enabled: config.metricsEnabled });
  await app.register(metricsListener, { config });
  await app.register(security, { config });
  // Cookies are parsed only by the two routes that read one (with app.parseCookie), not on every request.
  await app.register(cookie, { hook: false });
  await app.register(pages, { demo: config.demo });
  await app.register(guessLimit, { config });
  await app.register(slack, { config });

  await app.register(assetsRoute);
  await app.register(faviconRoute);
  await app.register(robotsRoute);
  await app.register(healthzRoute);
  await app.register(readyzRoute);
  if (app.metricsRegistry !== undefined && config.metrics.port === undefined)
    await app.register(metricsRoute, { registry: app.metricsRegistry, token: config.metrics.token });
  await app.register(installRoute, { config, installSecret });
  await app.register(oauthRedirectRoute, { config, installUrl });
  await app.register(testMessageRoute, { config, installUrl });
  const { signingSecret } = config.slack;
  if (signingSecret !== undefined) await app.register(slackEventsRoute, { signingSecret });

  let emulator: SlackEmulator | undefined;
  if (config.demo) {
    // Loaded only in demo mode: a production server never runs the emulator's code (the bundle holds it, uninitialised).
    const [{ default: emulatorPlugin }, { SlackEmulator }] = await Promise.all([
      import('./emulator/plugin.js'),
      import('./emulator/state.js'),
    ]);
    emulator = new SlackEmulator({
      apps: [
        {
          clientId: config.slack.clientId,
          clientSecret: config.slack.clientSecret,
          appId: DEMO_APP_ID,
          name: 'Webhook installer (demo)',
          signingSecret,
          eventsUrl: `http://127.0.0.1:${config.port}/slack/events`,
        },
      ],
      publicUrl: `${config.publicUrl}/_emulator`,
    });
    await app.register(emulatorPlugin, { emulator, prefix: '/_emulator' });
  }
  app.decorate('emulator', emulator);
  return app;
}
