import type { CookieSerializeOptions } from '@fastify/cookie';
import { cookieName, cookieOptions } from '../cookies.js';
import { STATE_TTL_MS } from '../store/oauth-states.js';

/**
 * Owned here rather than by @slack/oauth, whose one fixed cookie name lets two installs started in two tabs
 * break each other, which never sets SameSite, always sets Secure (so plain-http demos fail), and whose
 * parser splits on `=`. One cookie per flow, named after its state, binds that state to this browser.
 */
export function stateCookieName(state: string, publicUrl = 'http:'): string {
  // A state starts with its version (`v1`) and then its random nonce: 16 characters hold 84 random bits, plenty to
  // tell one browser's flows apart.
  return cookieName(`slack_state_${state.slice(0, 16).replace(/[^A-Za-z0-9_-]/g, '_')}`, publicUrl);
}

export function stateCookieOptions(publicUrl: string): CookieSerializeOptions {
  return cookieOptions(publicUrl, {
    path: '/slack/oauth_redirect', // over http; over https the name says whose it is (src/cookies.ts)
    sameSite: 'lax', // sent on the top-level redirect back from Slack, not on cross-site subrequests
    maxAge: STATE_TTL_MS / 1000,
  });
}
