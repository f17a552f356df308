import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { body } from '../body.js';
import { playFault } from '../faults.js';
import { errorPage, renderPage } from '../html.js';
import type { EmulatorRouteOptions } from '../plugin.js';
import { WEBHOOK_ERRORS } from '../state.js';

const MAX_ATTACHMENTS = 100;

/** Incoming webhooks: the POST endpoint behind each webhook URL, and its configuration page. */
export default async function webhookRoutes(app: FastifyInstance, opts: EmulatorRouteOptions): Promise<void> {
  const { emulator, closing } = opts;

  app.post('/services/:teamId/:serviceId/:secret', async (request, reply) => {
    const { teamId, serviceId, secret } = request.params as { teamId: string; serviceId: string; secret: string };
    // A fault comes before the URL check: a Slack in trouble fails whatever is posted.
    if (await playFault(emulator.takeFault('webhook'), request, reply, closing)) return reply;
    // Slack checks the URL before the payload: a dead URL answers 404 whatever is posted to it.
    const webhook = emulator.findWebhook(teamId, serviceId, secret);
    if (typeof webhook === 'string') return plain(reply, 404, webhook);
    if (webhook.error) return plain(reply, WEBHOOK_ERRORS[webhook.error], webhook.error);
    const payload = readPayload(request);
    if (typeof payload === 'string') return plain(reply, 400, payload);
    emulator.recordMessage(webhook, typeof payload.text === 'string' ? payload.text : '', payload);
    return plain(reply, 200, 'ok');
  });

  app.get('/services/:serviceId', async (request, reply) => {
    const { serviceId } = request.params as { serviceId: string };
    const webhook = emulator.webhookByServiceId(serviceId);
    if (!webhook) return errorPage(reply, 404, 'no_service', 'No incoming webhook has this id.');
    const team = emulator.workspace(webhook.teamId);
    return renderPage(reply, 200, 'webhook', {
      title: 'Incoming webhook',
      serviceId: webhook.serviceId,
      teamName: team?.name ?? webhook.teamId,
      channelName: webhook.channelName,
      channelId: webhook.channelId,
      active: webhook.active,
      error: webhook.error ? `${WEBHOOK_ERRORS[webhook.error]} ${webhook.error}` : undefined,
      archived: webhook.error === 'channel_is_archived',
      createdAt: webhook.createdAt.toISOString(),
      messageCount: emulator.messages(webhook.channelId).length,
      homeHref: `${app.prefix}/`,
    });
  });
}

/** The message as a JSON object, or the plain-text error code Slack would answer with. */
function readPayload(request: FastifyRequest): Record<string, unknown> | string {
  const parsed = body(request);
  let value: unknown;
  if (parsed.kind === 'json') value = parsed.value;
  else {
    // A form carries the message as JSON text in its `payload` field.
    const json = parsed.kind === 'form' ? parsed.fields.get('payload') : undefined;
    if (json === undefined) return 'invalid_payload';
    try {
      value = JSON.parse(json);
    } catch {
      return 'invalid_payload';
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'invalid_payload';
  const payload = value as Record<string, unknown>;
  const { text: message, blocks, attachments } = payload;
  if (message != null && typeof message !== 'string') return 'invalid_payload';
  if (blocks != null && !Array.isArray(blocks)) return 'invalid_blocks';
  if (attachments != null && !Array.isArray(attachments)) return 'invalid_payload';
  if (Array.isArray(attachments) && attachments.length > MAX_ATTACHMENTS) return 'too_many_attachments';
  const hasContent =
    (typeof message === 'string' && message !== '') ||
    (Array.isArray(blocks) && blocks.length > 0) ||
    (Array.isArray(attachments) && attachments.length > 0);
  return hasContent ? payload : 'no_text';
}

function plain(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/plain; charset=utf-8').send(body);
}
