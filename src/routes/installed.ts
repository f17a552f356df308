import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { cookieValue } from '../input.js';
import { landingCookieName, renderLanding } from '../landing.js';
import { csrfFor } from '../store/landing-sessions.js';

const LANDING_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * GET /slack/installed/:landingId: where the callback sends the browser (303) once an install is stored, so the
 * page can be reloaded. It shows the webhook URL only to the browser that made the install, while its landing
 * session lasts; anyone else (or later) learns that the install exists and that its URL is not shown again.
 */
export default async function installedRoute(app: FastifyInstance, opts: { config: Config; installUrl: string }) {
  const { config, installUrl } = opts;
  const landingCookie = landingCookieName(config.publicUrl);

  app.get<{ Params: { landingId: string } }>('/slack/installed/:landingId', async (request, reply) => {
    const { landingId } = request.params;
    const record = LANDING_ID.test(landingId) ? await app.store.installations.byLandingId(landingId) : undefined;
    if (record === undefined) return reply.callNotFound();

    const value = cookieValue(request, landingCookie);
    const session = value === undefined ? undefined : await app.store.landingSessions.find(value);
    const mine = session !== undefined && session.installationId === record.id && session.expiresAt > Date.now();
    if (!mine || value === undefined) {
      request.outcome = {
        event: 'landing page without webhook',
        installationId: record.id,
        reason:
          session === undefined ? 'no_session' : session.installationId !== record.id ? 'other_install' : 'expired',
      };
      return reply.page('error', {
        title: 'This install was completed',
        message:
          'A Slack webhook was made here. Its URL is a secret, so it was shown only in the browser that made the install, for 10 minutes, and it is not shown again, here or anywhere.',
        retryHint:
          'If that was you and the URL was not saved, open the install link you were given once more: each install makes a new webhook.',
      });
    }
    if (record.revokedAt !== null) {
      // A dead URL is not worth saving: the page says why it stopped, and offers a new install.
      request.outcome = { event: 'landing page of a removed install', installationId: record.id };
      const why = record.revokedReason ?? 'removed';
      return reply.page(
        'error',
        {
          title: 'This webhook no longer works',
          message: `Slack no longer accepts messages for the webhook this install made (${why}), so its URL is not shown. Install again for a new one.`,
          retryUrl: installUrl,
        },
        410,
      );
    }
    request.outcome = { event: 'landing page', installationId: record.id };
    return renderLanding(reply, record, session, {
      installUrl,
      csrf: csrfFor(value),
      appName: config.appName,
      instructions: app.instructions,
    });
  });
}
