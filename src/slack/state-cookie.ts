import type { CookieSerializeOptions } from '@fastify/cookie';
import { createHash } from 'node:crypto';
import { STATE_TTL_MS } from '../store/oauth-states.js';

/**
 * Owned here rather than by @slack/oauth, whose one fixed cookie name lets two installs started in two tabs
 * break each other, which never sets SameSite, always sets Secure (so plain-http demos fail), and whose
 * parser splits on `=`. One cookie per flow, named after its state, binds that state to this browser.
 */
export function stateCookieName(state: string): string {
  return `slack_state_${createHash('sha256').update(state).digest('base64url').slice(0, 16)}`;
}

export function stateCookieOptions(publicUrl: string): CookieSerializeOptions {
  return {
    path: '/slack/oauth_redirect',
    httpOnly: true,
    sameSite: 'lax', // sent on the top-level redirect back from Slack, not on cross-site subrequests
    secure: publicUrl.startsWith('https:'),
    maxAge: STATE_TTL_MS / 1000,
  };
}
