import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { cookieValue, stringFields } from '../input.js';
import { landingCookieName, landingPath } from '../landing.js';
import { refreshIfExpiring } from '../slack/token-refresh.js';
import { sendTestMessage } from '../slack/webhooks.js';
import type { SessionRefusal } from '../store/types.js';

const REFUSALS: Record<Exclude<SessionRefusal, 'used_up'>, string> = {
  unknown: 'This page is not the one that completed the install, or its session has ended.',
  expired: 'The test button works for 10 minutes after the install. Post to the webhook URL yourself to test it.',
  bad_csrf: 'The form was not sent from the page this server made for you.',
};

/**
 * POST /slack/test-message: the landing page's "Send a test message" button. Only the browser that just
 * completed the install holds the session cookie, only for a few minutes, and the form carries a CSRF token.
 * The answer is a 303 back to the landing page, which shows the result (and, once the session has sent all it
 * may, a disabled button that says why): the person never loses the page with the URL, and can reload it.
 */
export default async function testMessageRoute(app: FastifyInstance, opts: { config: Config }) {
  const { config } = opts;
  await app.register(formbody, { bodyLimit: 4096 });
  const lookInSlack = config.demo
    ? 'Have a look in the Slack emulator (this demo’s stand-in for Slack, linked at the top of the page).'
    : 'Have a look in Slack.';

  const landingCookie = landingCookieName(opts.config.publicUrl);
  app.post('/slack/test-message', async (request, reply) => {
    const value = cookieValue(request, landingCookie);
    const { csrf } = stringFields(request.body, ['csrf'], 100);
    const session = value === undefined ? undefined : await app.store.landingSessions.find(value);
    const used =
      value === undefined || csrf === undefined
        ? { refused: 'unknown' as const }
        : await app.store.landingSessions.use(value, csrf);
    if ('refused' in used) {
      request.outcome = { event: 'test message refused', reason: used.refused };
      // All sent: back to the page, whose button now says so. Any other refusal has no page to go back to.
      if (used.refused === 'used_up' && session !== undefined)
        return reply.redirect(landingPath(session.landingId), 303);
      const reason = used.refused === 'used_up' ? 'unknown' : used.refused;
      return reply.page('error', { title: 'No test message was sent', message: REFUSALS[reason] }, 403);
    }
    const record = await app.store.installations.get(used.installationId);
    if (record === undefined || record.revokedAt !== null) {
      return reply.page(
        'error',
        { title: 'No test message was sent', message: 'This installation has been removed.' },
        410,
      );
    }

    // A rotating app's bot token is renewed before the install is used, so it never lapses unnoticed.
    const tokenRefresh = await refreshIfExpiring(app.store.installations, record.id, opts.config.slack);
    if (tokenRefresh === 'revoked') {
      request.outcome = { event: 'test message refused', installationId: record.id, reason: 'invalid_refresh_token' };
      return reply.page(
        'error',
        {
          title: 'No test message was sent',
          message:
            'Slack no longer accepts this installation’s refresh token (invalid_refresh_token), so it has been marked removed. Install again for a working webhook.',
        },
        410,
      );
    }
    if (typeof tokenRefresh === 'object')
      request.log.warn({ installationId: record.id, reason: tokenRefresh.failed }, 'bot token refresh failed');

    const result = await sendTestMessage(record.webhookUrl, record.channelName, config.appName, config.slack.timeoutMs);
    app.metrics.webhookChecks.inc({ outcome: result.ok ? 'live' : result.dead ? 'dead' : 'unknown' });
    if (!result.ok && result.dead) await app.store.installations.revoke(record.id, `webhook dead: ${result.reason}`);
    request.outcome = {
      event: 'test message',
      installationId: record.id,
      tokenRefresh: typeof tokenRefresh === 'object' ? `failed: ${tokenRefresh.failed}` : tokenRefresh,
      ok: result.ok,
      reason: result.ok ? undefined : result.reason,
    };
    const message = result.ok
      ? `A test message was posted to ${record.channelName}. ${lookInSlack}`
      : `Slack did not post the test message: ${result.reason}.${result.dead ? ' This webhook no longer works; install again for a new one.' : ''}`;
    await app.store.landingSessions.recordTest(value!, { ok: result.ok, message });
    return reply.redirect(landingPath(session!.landingId), 303);
  });
}
