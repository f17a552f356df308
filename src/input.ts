import type { FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';

/** A 4xx the error handler shows as a page (the message is the user's own input described, never a secret). */
export class BadInput extends Error {
  readonly statusCode = 400;
  override name = 'BadInput';
}

/**
 * Narrows a parsed query string or form body to the named optional string fields, each at most `maxLength`
 * characters; a repeated field (an array) or an over-long one is refused. Plain code rather than a JSON schema,
 * so that no validator has to be compiled at start-up for two small routes.
 */
export function stringFields<K extends string>(
  source: unknown,
  names: readonly K[],
  maxLength: number,
): Partial<Record<K, string>> {
  const input = (typeof source === 'object' && source !== null ? source : {}) as Record<string, unknown>;
  const out: Partial<Record<K, string>> = {};
  for (const name of names) {
    const value = input[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new BadInput(`${name} must be given once, as text`);
    if (value.length > maxLength) throw new BadInput(`${name} is longer than ${maxLength} characters`);
    out[name] = value;
  }
  return out;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty string, or undefined: how Slack's JSON answers are read. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Slack's error codes (`invalid_code`, `no_service`, …): short snake_case words, safe to show and to log. */
export function isSlackCode(value: string): boolean {
  return /^[a-z][a-z0-9_]{0,63}$/.test(value);
}

/** Constant-time equality of two secrets; only whether their lengths differ can be learnt from timing. */
export function sameSecret(a: string | Buffer, b: string | Buffer): boolean {
  const x = typeof a === 'string' ? Buffer.from(a) : a;
  const y = typeof b === 'string' ? Buffer.from(b) : b;
  return x.length === y.length && timingSafeEqual(x, y);
}

/** One cookie of the request, parsed only by the routes that read one (cookies are not parsed for every request). */
export function cookieValue(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  return header === undefined ? undefined : request.server.parseCookie(header)[name];
}

/**
 * A request target in origin form: `http://any-host/path?q` (absolute form, which HTTP/1.1 servers must accept)
 * becomes `/path?q`, so that it is routed, limited and logged as the path it names; anything else is unchanged.
 */
export function originForm(url: string): string {
  if (url.startsWith('/')) return url;
  const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(url);
  if (absolute === null) return url;
  const rest = url.slice(absolute[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}
