import type { CookieSerializeOptions } from '@fastify/cookie';

/**
 * Names and attributes of this server's cookies. With an https PUBLIC_URL every one is `__Host-`-prefixed, Secure,
 * Path=/ and has no Domain: a browser takes such a cookie only from this very host over https, so neither a sibling
 * subdomain nor a man in the middle on plain http can plant one (cookie tossing: a planted state cookie would let
 * a victim finish an attacker's install and send their notifications to the attacker's channel). The prefix
 * requires Path=/, so what a narrow path did is done by the name: each route reads only the cookie named for it.
 * Over http (a laptop demo) browsers refuse the prefix and Secure cookies, so names stay plain and paths narrow.
 */
export function usesHostPrefix(publicUrl: string): boolean {
  return publicUrl.startsWith('https:');
}

export function cookieName(base: string, publicUrl: string): string {
  return usesHostPrefix(publicUrl) ? `__Host-${base}` : base;
}

export function cookieOptions(
  publicUrl: string,
  options: { path: string; sameSite: 'lax' | 'strict'; maxAge: number },
): CookieSerializeOptions {
  const hostOnly = usesHostPrefix(publicUrl);
  return {
    path: hostOnly ? '/' : options.path,
    httpOnly: true,
    sameSite: options.sameSite,
    secure: hostOnly,
    maxAge: options.maxAge,
  };
}
