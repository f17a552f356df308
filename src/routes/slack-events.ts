import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isRecord, text } from '../input.js';
import { label } from '../plugins/metrics.js';
import { eventContext } from '../slack/event-context.js';
import { verifySlackRequest } from '../slack/signature.js';

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A short answer in words, for whoever reads the Slack app's delivery log. */
function plain(reply: FastifyReply, status: number, words: string) {
  return reply.status(status).type('text/plain; charset=utf-8').send(words);
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * POST /slack/events: Slack's Events API. The signature is checked before anything else, over the raw bytes, so
 * this route parses its own bodies. `app_uninstalled` and `tokens_revoked` mark installations revoked; both
 * touch only active rows, so either order, and Slack's retries, give the same outcome.
 */
export default async function slackEventsRoute(app: FastifyInstance, opts: { signingSecret: string }) {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, (_request, body, done) =>
    done(null, body),
  );

  app.post('/slack/events', async (request, reply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const signed = verifySlackRequest(
      opts.signingSecret,
      {
        timestamp: header(request, 'x-slack-request-timestamp'),
        signature: header(request, 'x-slack-signature'),
      },
      raw,
    );
    if (!signed) {
      request.outcome = { event: 'events: bad signature' };
      return reply.status(401).send();
    }

    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return plain(reply, 400, 'The body is not JSON.\n');
    }
    if (!isRecord(body)) return plain(reply, 400, 'The body is not a JSON object.\n');

    if (body.type === 'url_verification') {
      app.metrics.eventsReceived.inc({ type: 'url_verification' });
      return plain(reply, 200, text(body.challenge) ?? '');
    }
    const event = isRecord(body.event) ? body.event : {};
    const type = text(event.type) ?? text(body.type) ?? 'unknown';
    app.metrics.eventsReceived.inc({ type: label(type) });
    if (body.type !== 'event_callback') {
      request.outcome = { event: label(type), handled: false };
      return reply.status(200).send();
    }
    // Slack dates and names every delivery. Without a date an old uninstall, replayed within the signature's five
    // minutes, would reach installs made since; without a name a replay could not be told from a new event.
    const eventId = text(body.event_id);
    const eventTime = body.event_time;
    if (eventId === undefined || eventId.length > 128 || typeof eventTime !== 'number' || !Number.isFinite(eventTime)) {
      request.outcome = { event: 'events: no event_id or event_time', type: label(type) };
      return plain(reply, 400, 'An event_callback must carry an event_id and a numeric event_time.\n');
    }
    if (!(await app.store.seenEvents.firstSighting(eventId))) {
      request.outcome = { event: label(type), eventId, duplicate: true };
      return reply.status(200).send(); // a retry or a replay: answered, so Slack stops, and changes nothing
    }
    try {
      await handleEvent(app, request, body, type, eventTime);
    } catch (err) {
      await app.store.seenEvents.forget(eventId); // not handled: Slack's retry must be
      throw err;
    }
    return reply.status(200).send();
  });
}

/** `app_uninstalled` and `tokens_revoked` revoke what they name; other events are only counted. */
async function handleEvent(
  app: FastifyInstance,
  request: FastifyRequest,
  body: Record<string, unknown>,
  type: string,
  eventTime: number,
): Promise<void> {
  const event = isRecord(body.event) ? body.event : {};
  const where = eventContext(body);
  // When Slack sent the event (a retry keeps the first time), to the end of that second: installs made
  // after it are not its subject.
  const sentAt = new Date(Math.min((Math.floor(eventTime) + 1) * 1000, Date.now()));
  if (type === 'app_uninstalled') {
    // A workspace's uninstall revokes that workspace's installs; an org-wide app's, the org-wide installs of the org.
    const revoked = await app.store.installations.revokeWorkspace(where, 'app_uninstalled', sentAt);
    request.outcome = {
      event: type,
      teamId: where.teamId,
      enterpriseId: where.enterpriseId,
      isEnterpriseInstall: where.isEnterpriseInstall,
      revoked,
    };
  } else if (type === 'tokens_revoked') {
    const tokens = isRecord(event.tokens) ? event.tokens : {};
    // Users named for an org-wide install are matched on its org-wide rows only, a workspace's on that workspace.
    const revoked = await app.store.installations.revokeByUsers(
      where.isEnterpriseInstall ? { enterpriseId: where.enterpriseId } : { teamId: where.teamId },
      { botUserIds: strings(tokens.bot), installerUserIds: strings(tokens.oauth) },
      'tokens_revoked',
      sentAt,
    );
    request.outcome = { event: type, teamId: where.teamId, enterpriseId: where.enterpriseId, revoked };
  } else {
    request.outcome = { event: label(type), handled: false };
  }
}
