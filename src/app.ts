import cookie from '@fastify/cookie';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { createRequire } from 'node:module';
import { DEMO_APP_ID, type Config } from './config.js';
import type { SlackEmulator } from './emulator/state.js';
import { FrameworkErrors } from './framework-errors.js';
import { originForm } from './input.js';
import { loadInstructions, type RenderInstructions } from './instructions.js';
import { loggerOptions, safeUrl } from './logger.js';
import metrics from './plugins/metrics.js';
import metricsListener from './plugins/metrics-listener.js';
import retention from './plugins/retention.js';
import pages from './plugins/pages.js';
import guessLimit from './plugins/guess-limit.js';
import security from './plugins/security.js';
import slack from './plugins/slack.js';
import { secretBoxFor } from './crypto/keys.js';
import { Pkce } from './slack/pkce.js';
import store from './plugins/store.js';
import assetsRoute from './routes/assets.js';
import faviconRoute from './routes/favicon.js';
import demoHomeRoute from './routes/demo-home.js';
import healthzRoute from './routes/healthz.js';
import installRoute from './routes/install.js';
import installedRoute from './routes/installed.js';
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
    /** Renders the landing page's "How to use it" block (LANDING_INSTRUCTIONS, or the shipped one). */
    instructions: RenderInstructions;
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

/**
 * TRUST_PROXY as Fastify takes it. A hop count is a function: Fastify 5 ignores a plain number (it cannot check
 * who sent the header); the operator who sets one says that only those proxies can reach this server.
 */
function trustProxyOption(trust: Config['trustProxy']): FastifyServerOptions['trustProxy'] {
  if (typeof trust !== 'number') return trust;
  return (_address: string, hop: number) => hop < trust;
}

/** Builds the whole app from a config object; `server.ts` alone reads the environment and listens. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const frameworkErrors = new FrameworkErrors();
  const { headersTimeoutMs, requestTimeoutMs, maxConnections } = config.http;
  const app = Fastify({
    ...(options.loggerInstance
      ? { loggerInstance: options.loggerInstance }
      : { logger: options.logger ?? loggerOptions(config.logLevel) }),
    // One line per request, written below with secrets removed, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024, // no route here takes more than a small form
    // Given to Node when the server is created: headersTimeout cannot be lowered afterwards (Fastify sets only
    // requestTimeout, later), and Node looks for overdue requests every connectionsCheckingInterval (30 s by
    // default), which would let a slow client hold its connection well past the limit.
    http: {
      maxHeaderSize: 16 * 1024, // larger headers are answered 431
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeoutMs / 5))),
    },
    connectionTimeout: 30_000,
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: 5_000,
    return503OnClosing: true,
    trustProxy: trustProxyOption(config.trustProxy),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    schemaController: { compilersFactory: schemaCompilersOnDemand() },
    // An absolute-form request line (`GET http://any-host/path`) is answered as its path, like any other.
    rewriteUrl: (request) => originForm(request.url ?? '/'),
    frameworkErrors: frameworkErrors.frameworkErrors,
    clientErrorHandler: frameworkErrors.clientErrorHandler,
  });
  // Connections beyond the limit are closed as they arrive; said in the log on the first and every 1,000th.
  app.server.maxConnections = maxConnections;
  let dropped = 0;
  app.server.on('drop', () => {
    if (dropped++ % 1000 === 0)
      app.log.warn({ maxConnections, dropped }, 'MAX_CONNECTIONS reached: connection refused');
  });

  app.decorateRequest('outcome', null);
  const secrets: string[] = []; // the install secret, once known: cut out of any path, however it is spelt
  const logRequest = (request: FastifyRequest, reply: FastifyReply) =>
    request.log.info(
      {
        method: request.method,
        url: safeUrl(request.url, secrets),
        statusCode: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        client: request.ip, // as resolved through TRUST_PROXY: who made the request (ASVS 16.2.1)
        ...request.outcome,
      },
      'request',
    );
  app.addHook('onResponse', (request, reply, done) => {
    logRequest(request, reply);
    done();
  });

  app.decorate('config', config);
  app.decorate(
    'instructions',
    loadInstructions(config.landingInstructions, (err) =>
      app.log.error({ err }, 'LANDING_INSTRUCTIONS did not render: the shipped instructions were shown instead'),
    ),
  );
  await app.register(store, { config });
  const installSecret = config.installSecret ?? (await app.store.settings.installSecret());
  secrets.push(installSecret);
  const installUrl = `${config.publicUrl}/slack/install/${installSecret}`;
  app.decorate('installUrl', installUrl);

  await app.register(metrics, { enabled: config.metricsEnabled });
  await app.register(metricsListener, { config });
  await app.register(retention, { config });
  await app.register(security, { config });
  // Cookies are parsed only by the two routes that read one (with app.parseCookie), not on every request.
  await app.register(cookie, { hook: false });
  await app.register(pages, { demo: config.demo, appName: config.appName });
  await app.register(guessLimit, { config });
  await frameworkErrors.attach(app, app.securityHeaders, logRequest);
  // PKCE's verifiers are derived from each flow's state under a key of their own, derived from ENCRYPTION_KEY.
  const pkce = config.slack.pkce ? new Pkce(secretBoxFor(config).deriveKey('pkce verifier')) : undefined;
  await app.register(slack, { config, pkce });

  await app.register(assetsRoute);
  await app.register(faviconRoute);
  await app.register(robotsRoute);
  await app.register(healthzRoute);
  await app.register(readyzRoute);
  if (app.metricsRegistry !== undefined && config.metrics.port === undefined)
    await app.register(metricsRoute, { registry: app.metricsRegistry, token: config.metrics.token });
  await app.register(installRoute, { config, installSecret });
  await app.register(oauthRedirectRoute, { config, installUrl, pkce });
  await app.register(installedRoute, { config, installUrl });
  await app.register(testMessageRoute, { config });
  const { signingSecret } = config.slack;
  if (signingSecret !== undefined) await app.register(slackEventsRoute, { signingSecret });

  let emulator: SlackEmulator | undefined;
  if (config.demo) {
    await app.register(demoHomeRoute, { installUrl });
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
          pkce: config.slack.pkce,
        },
      ],
      publicUrl: `${config.publicUrl}/_emulator`,
    });
    await app.register(emulatorPlugin, { emulator, prefix: '/_emulator' });
  }
  app.decorate('emulator', emulator);
  return app;
}
