import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance } from 'fastify';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import { viewsDir } from '../paths.js';
import { registerBodyParsers } from './body.js';
import { contentSecurityPolicy, VIEW_PROPERTY } from './html.js';
import type { SlackEmulator } from './state.js';
import apiRoutes from './routes/api.js';
import authorizeRoutes from './routes/authorize.js';
import controlRoutes from './routes/control.js';
import homeRoutes from './routes/home.js';
import webhookRoutes from './routes/webhooks.js';

export interface EmulatorPluginOptions {
  emulator: SlackEmulator;
}

/** What the route plugins get: the state, and a signal that aborts when the server closes (see faults.ts). */
export interface EmulatorRouteOptions {
  emulator: SlackEmulator;
  closing: AbortSignal;
}

/**
 * The Slack emulator as an encapsulated plugin: register it with `{ prefix: '/_emulator' }`.
 * Not wrapped in fastify-plugin on purpose, so its view engine, body parsers, hooks and handlers stay inside.
 */
export default async function emulatorPlugin(app: FastifyInstance, opts: EmulatorPluginOptions): Promise<void> {
  const { emulator } = opts;
  const viewRoot = resolve(viewsDir, 'emulator');
  const stylesheet = await readFile(resolve(viewRoot, 'emulator.css'), 'utf8');

  // Own Eta instance: @fastify/view reconfigures the engine's `views` on every render.
  await app.register(fastifyView, {
    engine: { eta: new Eta({ autoEscape: true }) },
    root: viewRoot,
    layout: 'layout',
    propertyName: VIEW_PROPERTY,
    // An absolute path under our own prefix, right on every page depth and wherever the emulator is mounted.
    defaultContext: { stylesheet: `${app.prefix}/assets/emulator.css` },
  });

  // Always our own policy, replacing any a parent (e.g. @fastify/helmet) set: its `form-action 'self'` would block
  // the consent form's redirect to an app on another origin. Our onSend runs after the parent's hooks.
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', contentSecurityPolicy(reply));
    return payload;
  });

  // Hung and delayed requests (fault injection) would otherwise hold server.close() up: preClose runs before it waits.
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());

  // Fastify's content-type parsers, which leave what they could not read for each route to answer as Slack does.
  await registerBodyParsers(app);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply
        .code(status)
        .type('text/plain; charset=utf-8')
        .send(STATUS_CODES[status] ?? 'Bad Request');
    }
    request.log.error({ err: error }, 'emulator error');
    return reply.code(500).type('text/plain; charset=utf-8').send('Internal Server Error');
  });

  app.setNotFoundHandler((_request, reply) => reply.code(404).type('text/plain; charset=utf-8').send('Not Found'));

  app.get('/assets/emulator.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(stylesheet),
  );

  const routeOptions: EmulatorRouteOptions = { emulator, closing: closing.signal };
  await app.register(homeRoutes, routeOptions);
  await app.register(authorizeRoutes, routeOptions);
  await app.register(apiRoutes, routeOptions);
  await app.register(webhookRoutes, routeOptions);
  await app.register(controlRoutes, routeOptions);
}
