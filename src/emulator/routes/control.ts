import type { FastifyInstance, FastifyReply } from 'fastify';
import { decodeUtf8, mediaType, rawBody } from '../body.js';
import { checkFaultCommand } from '../faults.js';
import type { EmulatorRouteOptions } from '../plugin.js';

/**
 * Fault injection over HTTP, for tests that run the server in another process.
 * Safe to leave unauthenticated: the emulator only runs in demo mode and tests, never with real Slack credentials,
 * so the worst anyone can do is make the fake Slack misbehave.
 */
export default async function controlRoutes(app: FastifyInstance, opts: EmulatorRouteOptions): Promise<void> {
  const { emulator } = opts;

  app.post('/control/faults', async (request, reply) => {
    if (mediaType(request)?.type !== 'application/json') return invalid(reply, 'content-type must be application/json');
    let body: unknown;
    try {
      body = JSON.parse(decodeUtf8(rawBody(request)) ?? '');
    } catch {
      return invalid(reply, 'body is not valid UTF-8 JSON');
    }
    const command = checkFaultCommand(body);
    if (typeof command === 'string') return invalid(reply, command);
    try {
      emulator.failNext(command.method, command.fault, command.times);
    } catch (error) {
      return invalid(reply, (error as Error).message);
    }
    return reply.code(204).send();
  });

  app.delete('/control/faults', async (_request, reply) => {
    emulator.clearFaults();
    return reply.code(204).send();
  });
}

function invalid(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(400).send({ ok: false, error: 'invalid_fault', message });
}
