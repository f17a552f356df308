import type { FastifyInstance } from 'fastify';

/**
 * GET /, in demo mode only: a newcomer's first click after `npm start`, so it says what this is and links to the
 * install URL and the emulator. A production server has no page here (the plain 404): its install URL is a secret.
 */
export default async function demoHomeRoute(app: FastifyInstance, opts: { installUrl: string }) {
  app.get('/', async (_request, reply) => reply.page('demo-home', { title: 'Demo', installUrl: opts.installUrl }));
}
