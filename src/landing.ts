import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply } from 'fastify';
import type { InstallationRecord } from './store/installations.js';
import { LANDING_SESSION_TTL_MS } from './store/landing-sessions.js';

/** The landing page's session cookie: sent back only to the test-message route, and only from our own pages. */
export const LANDING_COOKIE = 'slack_landing';

export function landingCookieOptions(publicUrl: string): CookieSerializeOptions {
  return {
    path: '/slack/test-message',
    httpOnly: true,
    sameSite: 'strict',
    secure: publicUrl.startsWith('https:'),
    maxAge: LANDING_SESSION_TTL_MS / 1000,
  };
}

export interface LandingExtras {
  installUrl: string;
  /** The CSRF token of the page's session; without it the page has no test-message button. */
  csrf?: string;
  testResult?: { ok: boolean; message: string };
}

/** Renders the landing page for one installation: where it posts, the URL, and how to use it. */
export function renderLanding(reply: FastifyReply, record: InstallationRecord, extras: LandingExtras, status = 200) {
  return reply.page('landing', {
    workspace: record.teamName ?? record.enterpriseName ?? record.teamId ?? record.enterpriseId,
    channel: record.channelName,
    webhookUrl: record.webhookUrl,
    configurationUrl: record.configurationUrl,
    ...extras,
  }, status);
}
