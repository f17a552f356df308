import view from '@fastify/view';
import { Eta } from 'eta';
import type { FastifyError, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { viewsDir } from '../paths.js';
import { StoreUnavailableError } from '../store/errors.js';

declare module 'fastify' {
  interface FastifyReply {
    /** Renders views/<template>.eta inside the layout, kept out of caches (the security plugin adds the rest). */
    page(template: string, data: object, status?: number): Promise<FastifyReply>;
  }
}

export interface ErrorPage {
  title: string;
  message: string;
  /** Where "start again" points; omitted where there is nothing to start again. */
  retryUrl?: string;
  /** Said instead of a link where the link would be a secret the reader has not shown they hold. */
  retryHint?: string;
  /** Where to go next, when there is a page to go to (shown as a button). */
  link?: { href: string; text: string };
}

/** A status line a person can read, for Fastify's own 4xx errors (their messages carry no secrets, but are terse). */
function describeClientError(error: FastifyError, status: number): ErrorPage {
  if (status === 413)
    return { title: 'Request too large', message: 'The request was larger than this server accepts.' };
  if (status === 415)
    return { title: 'Unsupported content type', message: 'This server does not accept that kind of request body.' };
  if (status === 405) return { title: 'Method not allowed', message: 'That method is not allowed here.' };
  return { title: 'Bad request', message: `The request could not be understood: ${error.message}` };
}

export default fp(
  async (app, opts: { demo: boolean; appName: string }) => {
    await app.register(view, {
      engine: { eta: new Eta() },
      root: viewsDir,
      layout: 'layout.eta',
      production: true, // compile each template once
      defaultContext: { demo: opts.demo, appName: opts.appName },
    });

    app.decorateReply('page', async function (this: FastifyReply, template: string, data: object, status = 200) {
      return this.status(status).header('cache-control', 'no-store').view(`${template}.eta`, data);
    });

    app.setNotFoundHandler((_request, reply) =>
      reply.page(
        'error',
        { title: 'Not found', message: 'There is nothing at this address.' } satisfies ErrorPage,
        404,
      ),
    );

    app.setErrorHandler((error: FastifyError, request, reply) => {
      const status =
        error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
      if (error instanceof StoreUnavailableError) {
        request.log.error({ err: error }, 'request failed: the database is unavailable');
        return reply.header('retry-after', '5').page(
          'error',
          {
            title: 'Temporarily unavailable',
            message:
              'This server cannot reach its database right now. Nothing was changed. Please try again in a moment.',
          },
          503,
        );
      }
      if (status === 500) {
        request.log.error({ err: error }, 'request failed');
        return reply.page(
          'error',
          { title: 'Something went wrong', message: 'The server could not answer this request. Nothing was changed.' },
          500,
        );
      }
      request.outcome = { event: 'rejected', errorCode: error.code };
      return reply.page('error', describeClientError(error, status), status);
    });
  },
  { name: 'pages' },
);
