import { resolve } from 'node:path';
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance } from 'fastify';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import { viewsDir } from '../paths.js';
import { VIEW_PROPERTY } from './html.js';
import type { SlackEmulator } from './state.js';
import apiRoutes from './routes/api.js';
import authorizeRoutes from './routes/authorize.js';
import homeRoutes from './routes/home.js';
import webhookRoutes from './routes/webhooks.js';

export interface EmulatorPluginOptions {
  emulator: SlackEmulator;
}

/**
 * The Slack emulator as an encapsulated plugin: register it with `{ prefix: '/_emulator' }`.
 * Not wrapped in fastify-plugin on purpose, so its view engine, body parsers and handlers stay inside.
 */
export default async function emulatorPlugin(app: FastifyInstance, opts: EmulatorPluginOptions): Promise<void> {
  const { emulator } = opts;

  // Own Eta instance: @fastify/view reconfigures the engine's `views` on every render.
  await app.register(fastifyView, {
    engine: { eta: new Eta({ autoEscape: true }) },
    root: resolve(viewsDir, 'emulator'),
    layout: 'layout',
    propertyName: VIEW_PROPERTY,
  });

  // Bodies stay raw Buffers here; each route decodes them and answers bad input the way Slack does.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 128 * 1024 }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).type('text/plain; charset=utf-8').send(STATUS_CODES[status] ?? 'Bad Request');
    }
    request.log.error({ err: error }, 'emulator error');
    return reply.code(500).type('text/plain; charset=utf-8').send('Internal Server Error');
  });

  app.setNotFoundHandler((_request, reply) => reply.code(404).type('text/plain; charset=utf-8').send('Not Found'));

  await app.register(homeRoutes, { emulator });
  await app.register(authorizeRoutes, { emulator });
  await app.register(apiRoutes, { emulator });
  await app.register(webhookRoutes, { emulator });
}
