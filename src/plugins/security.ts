import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';

/**
 * The headers helmet sets, worked out once. @fastify/helmet builds a new helmet middleware on every request
 * (parsing the CSP each time), a large share of the install redirect's cost; the headers never vary here
 * (no CSP nonces), so helmet runs once, at start-up, against a response that only records them.
 */
function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: unknown) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err instanceof Error ? err : new Error('helmet failed', { cause: err });
  });
  return Object.freeze(headers);
}

/**
 * Security headers on every answer, and a limit on failed requests per client address. Only failures count
 * (unknown paths, wrong install secrets, refused callbacks: anything answered 4xx), so a guesser is stopped
 * while any number of successful installs from one address (an office behind one NAT) go through.
 */
export default fp(
  async (app, opts: { config: Config }) => {
    const { config } = opts;
    const headers = securityHeaders({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          scriptSrc: ["'self'"], // the copy button's script is a file: no inline script anywhere
          styleSrc: ["'self'"],
          imgSrc: ["'self'"],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          baseUri: ["'none'"],
          frameAncestors: ["'none'"],
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
      xFrameOptions: { action: 'deny' },
      strictTransportSecurity: config.publicUrl.startsWith('https:') ? { maxAge: 31_536_000 } : false,
    });
    // A redirect has no document for CSP, framing or cross-origin policies to act on; it keeps the headers that
    // act on the redirect itself (Referrer-Policy keeps the install URL out of Slack's Referer, and HSTS).
    const redirectHeaders = Object.fromEntries(
      Object.entries(headers).filter(([name]) =>
        ['referrer-policy', 'x-content-type-options', 'strict-transport-security'].includes(name),
      ),
    );
    app.addHook('onSend', (_request, reply, payload, done) => {
      const status = reply.statusCode;
      reply.headers(status >= 300 && status < 400 ? redirectHeaders : headers);
      done(null, payload);
    });

    const { maxFailures, windowMs } = config.rateLimit;
    await app.register(rateLimit, { global: false });
    const failures = app.createRateLimit({ max: maxFailures, timeWindow: windowMs });

    // Addresses with a failure in the current window, keyed as the limiter keys them (IPv6 by /64): only they are
    // looked up in the limiter's store, so the great majority of requests, from clients that do not fail, skip it.
    const suspects = new Map<string, number>();
    const keyOf = (ip: string) => normalizeIP(ip);

    app.addHook('onRequest', (request, reply, done) => {
      if (suspects.size === 0) return done();
      const key = keyOf(request.ip);
      const since = suspects.get(key);
      if (since === undefined) return done();
      if (Date.now() - since > windowMs) {
        suspects.delete(key);
        return done();
      }
      failures(request, { increment: false }).then((seen) => {
        if (seen.isAllowed || seen.remaining > 0) return done();
        reply
          .status(429)
          .header('retry-after', String(seen.ttlInSeconds))
          .header('cache-control', 'no-store')
          .type('text/plain; charset=utf-8')
          .send(`Too many failed requests from this address. Try again in ${seen.ttlInSeconds} seconds.\n`);
      }, done);
    });

    app.addHook('onResponse', async (request, reply) => {
      if (reply.statusCode < 400 || reply.statusCode >= 500 || reply.statusCode === 429) return;
      const key = keyOf(request.ip);
      if (!suspects.has(key)) {
        if (suspects.size >= 100_000) suspects.clear(); // a flood of addresses: forget the oldest all at once
        suspects.set(key, Date.now());
      }
      const counted = await failures(request);
      // Logged once: on the failure that uses up the client's allowance for this window.
      if (!counted.isAllowed && counted.remaining === 0 && !counted.isExceeded) {
        request.log.warn({ client: counted.key, maxFailures, windowMs }, 'client reached the limit of failed requests');
      }
    });
  },
  { name: 'security' },
);
