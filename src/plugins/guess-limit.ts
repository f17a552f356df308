import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route where a secret can be guessed (the install URL, the OAuth callback): limited per client address. */
    guessable?: boolean;
  }
  interface FastifyRequest {
    /** Set by a guessable route when this request failed the way a guess fails; only such requests are counted. */
    guessed: boolean;
  }
}

/** Route options of the routes where a secret can be guessed. */
export const GUESSABLE = { guessable: true } as const;

/** "1 minute 5 seconds", "45 seconds": how long a person has to wait, in words. */
export function waitInWords(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  const minutes = Math.floor(s / 60);
  const rest = s % 60;
  const part = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (minutes === 0) return part(rest, 'second');
  return rest === 0 ? part(minutes, 'minute') : `${part(minutes, 'minute')} ${part(rest, 'second')}`;
}

function wantsHtml(request: FastifyRequest): boolean {
  return /\btext\/html\b/i.test(request.headers.accept ?? '');
}

/** The 429: a page for a person, a line of text for a script; Retry-After either way. */
function tooMany(request: FastifyRequest, reply: FastifyReply, seconds: number) {
  reply.status(429).header('retry-after', String(seconds)).header('cache-control', 'no-store');
  if (wantsHtml(request)) {
    return reply.page(
      'error',
      {
        title: 'Too many attempts',
        message: `This address has made too many attempts that failed, so this page is paused for a while. Try again in ${waitInWords(seconds)}.`,
        retryHint:
          'If many people share this network (an office, a VPN), one of them may have mistyped a link: waiting is all it takes.',
      },
      429,
    );
  }
  return reply
    .type('text/plain; charset=utf-8')
    .send(`Too many failed attempts from this address. Try again in ${seconds} seconds.\n`);
}

/**
 * A limit on guessing. Only requests that fail the way a guess fails count: a wrong install secret, a callback
 * whose state or code does not hold (routes set `request.guessed`). Only the routes where a secret can be guessed
 * (`config.guessable`) are ever refused, so people and probes are spared: /healthz, /readyz, /metrics, assets,
 * /favicon.ico, /robots.txt, unknown paths and landing pages neither count nor wait, and an office behind one NAT
 * address can fetch favicons all day and still install.
 */
export default fp(
  async (app, opts: { config: Config }) => {
    const { maxFailures, windowMs } = opts.config.rateLimit;
    app.decorateRequest('guessed', false);
    await app.register(rateLimit, { global: false });
    const failures = app.createRateLimit({ max: maxFailures, timeWindow: windowMs });

    // Addresses whose last request here was a counted failure, keyed as the limiter keys them (IPv6 by /64): only
    // they are looked up in the limiter's store, so the great majority of requests skip it. An address the store
    // allows again is dropped: its next failure adds it back, before the failure is counted, so no address can
    // reach the limit while off this list.
    const suspects = new Set<string>();

    app.addHook('onRequest', (request, reply, done) => {
      if (request.routeOptions.config.guessable !== true) return done();
      const key = normalizeIP(request.ip);
      if (!suspects.has(key)) return done();
      failures(request, { increment: false }).then((seen) => {
        if (seen.isAllowed || seen.remaining > 0) {
          suspects.delete(key);
          return done();
        }
        tooMany(request, reply, seen.ttlInSeconds).then(() => undefined, done);
      }, done);
    });

    app.addHook('onResponse', async (request) => {
      if (!request.guessed) return;
      const key = normalizeIP(request.ip);
      if (!suspects.has(key)) {
        if (suspects.size >= 100_000) suspects.clear(); // a flood of addresses: forget the oldest all at once
        suspects.add(key);
      }
      const counted = await failures(request);
      // Logged once: on the failure that uses up the client's allowance for this window.
      if (!counted.isAllowed && counted.remaining === 0 && !counted.isExceeded) {
        request.log.warn({ client: counted.key, maxFailures, windowMs }, 'client reached the limit of failed requests');
      }
    });
  },
  { name: 'guess-limit', dependencies: ['pages'] },
);
