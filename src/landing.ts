import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply } from 'fastify';
import { cookieName, cookieOptions } from './cookies.js';
import type { RenderInstructions } from './instructions.js';
import { shellQuoted, tomlQuoted } from './slack/webhook-url.js';
import type { InstallationRecord, LandingSession } from './store/types.js';
import { LANDING_SESSION_MAX_USES, LANDING_SESSION_TTL_MS } from './store/landing-sessions.js';

/** The landing session's cookie: it alone lets a browser see an install's webhook URL again, for a few minutes. */
export const LANDING_COOKIE = 'slack_landing';

/** Its name: `__Host-slack_landing` over https (src/cookies.ts). */
export function landingCookieName(publicUrl: string): string {
  return cookieName(LANDING_COOKIE, publicUrl);
}

/**
 * Sent to every /slack/ page (over https, as a `__Host-` cookie, to every path): the landing page (after the
 * callback's 303), the test-message form and the callback (which then tells a reload of the used callback from a
 * stranger). SameSite=Lax, not Strict: the callback and the landing page are reached by a redirect chain that
 * started on Slack's site, where a Strict cookie is withheld. Forms still need the page's CSRF token.
 */
export function landingCookieOptions(publicUrl: string): CookieSerializeOptions {
  return cookieOptions(publicUrl, {
    path: '/slack/',
    sameSite: 'lax',
    maxAge: LANDING_SESSION_TTL_MS / 1000,
  });
}

/** The landing page's address: an opaque id, no secret (it shows the webhook only with the session cookie). */
export function landingPath(landingId: string): string {
  return `/slack/installed/${landingId}`;
}

/** What the landing page needs to know about the test messages of its session. */
export interface TestState {
  csrf: string;
  remaining: number;
  max: number;
  result: { ok: boolean; message: string } | undefined;
}

export function testState(session: LandingSession, csrf: string): TestState {
  return {
    csrf,
    remaining: Math.max(0, LANDING_SESSION_MAX_USES - session.uses),
    max: LANDING_SESSION_MAX_USES,
    result: session.lastTest,
  };
}

/** Renders the landing page for one installation: where it posts, the URL, how to use it, and the test button. */
export function renderLanding(
  reply: FastifyReply,
  record: InstallationRecord,
  session: LandingSession,
  extras: { installUrl: string; csrf: string; appName: string; instructions: RenderInstructions },
) {
  const workspace = record.teamName ?? record.enterpriseName ?? record.teamId ?? record.enterpriseId ?? '';
  const instructions = extras.instructions({
    webhookUrl: record.webhookUrl,
    channel: record.channelName,
    workspace,
    appName: extras.appName,
    // Quoted for their language, though only URL-safe characters get this far (slack/webhook-url.ts).
    shellUrl: shellQuoted(record.webhookUrl),
    tomlUrl: tomlQuoted(record.webhookUrl),
  });
  return reply.page('landing', {
    title: 'Your Slack webhook is ready',
    channel: record.channelName,
    workspace,
    webhookUrl: record.webhookUrl,
    configurationUrl: record.configurationUrl,
    installUrl: extras.installUrl,
    minutesLeft: Math.max(1, Math.floor((session.expiresAt - Date.now()) / 60_000)),
    test: testState(session, extras.csrf),
    instructions,
  });
}
