import type { CookieSerializeOptions } from '@fastify/cookie';
import type { Installation } from '@slack/oauth';
import type { FastifyReply } from 'fastify';
import { cookieName, cookieOptions } from './cookies.js';
import { shellQuoted, tomlQuoted } from './slack/webhook-url.js';
import type { InstallationRecord } from './store/types.js';
import { LANDING_SESSION_TTL_MS } from './store/landing-sessions.js';

/** The landing page's session cookie: sent back only to the test-message route, and only from our own pages. */
export const LANDING_COOKIE = 'slack_landing';

/** Its name: `__Host-slack_landing` over https (src/cookies.ts). */
export function landingCookieName(publicUrl: string): string {
  return cookieName(LANDING_COOKIE, publicUrl);
}

export function landingCookieOptions(publicUrl: string): CookieSerializeOptions {
  return cookieOptions(publicUrl, {
    path: '/slack/test-message',
    sameSite: 'strict',
    maxAge: LANDING_SESSION_TTL_MS / 1000,
  });
}

export interface LandingExtras {
  installUrl: string;
  /** The CSRF token of the page's session; without it the page has no test-message button. */
  csrf?: string;
  testResult?: { ok: boolean; message: string };
}

/** What the landing page shows of an installation. */
export interface LandingFields {
  workspace: string | null;
  channel: string;
  webhookUrl: string;
  configurationUrl: string | null;
}

export function recordFields(r: InstallationRecord): LandingFields {
  return {
    workspace: r.teamName ?? r.enterpriseName ?? r.teamId ?? r.enterpriseId,
    channel: r.channelName,
    webhookUrl: r.webhookUrl,
    configurationUrl: r.configurationUrl,
  };
}

/** The same, straight from Slack's answer, so the callback need not read back what it just stored. */
export function landingFields(i: Installation): LandingFields {
  const hook = i.incomingWebhook!;
  return {
    workspace: i.team?.name ?? i.enterprise?.name ?? i.team?.id ?? i.enterprise?.id ?? null,
    channel: hook.channel ?? '',
    webhookUrl: hook.url,
    configurationUrl: hook.configurationUrl ?? null,
  };
}

/** Renders the landing page for one installation: where it posts, the URL, and how to use it. */
export function renderLanding(reply: FastifyReply, fields: LandingFields, extras: LandingExtras, status = 200) {
  // The snippets quote the URL for their language, though only URL-safe characters get this far (webhook-url.ts).
  const quoted = { shellUrl: shellQuoted(fields.webhookUrl), tomlUrl: tomlQuoted(fields.webhookUrl) };
  return reply.page('landing', { ...fields, ...extras, ...quoted }, status);
}
