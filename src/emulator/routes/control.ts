import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { body } from '../body.js';
import { checkFaultCommand } from '../faults.js';
import type { EmulatorRouteOptions } from '../plugin.js';
import { EmulatorError, isWebhookError, UNINSTALL_ORDERS, WEBHOOK_ERRORS, type UninstallOrder } from '../state.js';

const MAX_ID = 64;
const MAX_URL = 2048;

/**
 * Fault injection, uninstalls and webhook kills over HTTP, for tests that run the server in another process.
 * Safe to leave unauthenticated: the emulator only runs in demo mode and tests, never with real Slack credentials,
 * so the worst anyone can do is make the fake Slack misbehave.
 */
export default async function controlRoutes(app: FastifyInstance, opts: EmulatorRouteOptions): Promise<void> {
  const { emulator } = opts;

  app.post('/control/faults', async (request, reply) => {
    const body = readJson(request);
    if (!body.ok) return invalid(reply, 'invalid_fault', body.message);
    const command = checkFaultCommand(body.value);
    if (typeof command === 'string') return invalid(reply, 'invalid_fault', command);
    try {
      emulator.failNext(command.method, command.fault, command.times);
    } catch (error) {
      return invalid(reply, 'invalid_fault', (error as Error).message);
    }
    return reply.code(204).send();
  });

  app.delete('/control/faults', async (_request, reply) => {
    emulator.clearFaults();
    return reply.code(204).send();
  });

  // { teamId, appId, order?, repeat? } → { ok: true, deliveries: [{ type, status, retry, error? }] }
  app.post('/control/uninstall', async (request, reply) => {
    const body = readCommand(request, { teamId: 'id', appId: 'id', order: 'order?', repeat: 'boolean?' });
    if (!body.ok) return invalid(reply, 'invalid_request', body.message);
    const { teamId, appId, order, repeat } = body.value as {
      teamId: string;
      appId: string;
      order?: UninstallOrder;
      repeat?: boolean;
    };
    try {
      return { ok: true, deliveries: await emulator.uninstall(teamId, appId, { order, repeat }) };
    } catch (error) {
      if (!(error instanceof EmulatorError)) throw error;
      return reply.code(error.status).send({ ok: false, error: error.code, message: error.message });
    }
  });

  // { url, reason? } → { ok: true, reason }; 404 unknown_webhook when no webhook has that URL.
  app.post('/control/kill', async (request, reply) => {
    const body = readCommand(request, { url: 'url', reason: 'reason?' });
    if (!body.ok) return invalid(reply, 'invalid_request', body.message);
    const { url, reason = 'no_service' } = body.value as { url: string; reason?: keyof typeof WEBHOOK_ERRORS };
    if (!emulator.killWebhook(url, reason))
      return reply.code(404).send({ ok: false, error: 'unknown_webhook', message: 'no webhook has this URL' });
    return { ok: true, reason };
  });
}

/** The body as parsed JSON, or what is wrong with it. */
function readJson(request: FastifyRequest): { ok: true; value: unknown } | { ok: false; message: string } {
  const parsed = body(request);
  if (parsed.kind === 'json') return { ok: true, value: parsed.value };
  if (parsed.kind === 'unreadable' && parsed.type === 'json')
    return { ok: false, message: 'body is not valid UTF-8 JSON' };
  return { ok: false, message: 'content-type must be application/json' };
}

type FieldKind = 'id' | 'url' | 'order?' | 'boolean?' | 'reason?';

/** A JSON body checked against its fields. */
function readCommand(
  request: FastifyRequest,
  fields: Record<string, FieldKind>,
): { ok: true; value: unknown } | { ok: false; message: string } {
  const body = readJson(request);
  const problem = body.ok ? checkFields(body.value, fields) : body.message;
  return problem === undefined ? body : { ok: false, message: problem };
}

/** Checks a JSON object strictly against its fields (unknown ones included); undefined when it is fine. */
function checkFields(value: unknown, fields: Record<string, FieldKind>): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'body must be a JSON object';
  const body = value as Record<string, unknown>;
  const extra = Object.keys(body).find((key) => !Object.hasOwn(fields, key));
  if (extra !== undefined) return `unknown field ${extra}`;
  for (const [name, kind] of Object.entries(fields)) {
    const field = body[name];
    if (field === undefined && kind.endsWith('?')) continue;
    switch (kind) {
      case 'id':
        if (typeof field !== 'string' || !/^[A-Za-z0-9.]+$/.test(field) || field.length > MAX_ID)
          return `${name} must be a Slack id such as T0ACME0001`;
        break;
      case 'url':
        if (typeof field !== 'string' || field === '' || field.length > MAX_URL) return `${name} must be a webhook URL`;
        break;
      case 'order?':
        if (!(UNINSTALL_ORDERS as readonly unknown[]).includes(field))
          return `${name} must be one of ${UNINSTALL_ORDERS.join(', ')}`;
        break;
      case 'boolean?':
        if (typeof field !== 'boolean') return `${name} must be true or false`;
        break;
      case 'reason?':
        if (!isWebhookError(field)) return `${name} must be one of ${Object.keys(WEBHOOK_ERRORS).join(', ')}`;
        break;
    }
  }
  return undefined;
}

function invalid(reply: FastifyReply, error: string, message: string): FastifyReply {
  return reply.code(400).send({ ok: false, error, message });
}
