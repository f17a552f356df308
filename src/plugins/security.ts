import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The headers every page carries, for answers written outside Fastify's hooks (src/framework-errors.ts). */
    securityHeaders: Readonly<Record<string, string>>;
  }
}

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

/** Security headers on every answer (the limit on guessing is in guess-limit.ts). */
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
          objectSrc: ["'none'"], // default-src covers it; named because ASVS 3.4.3 and CSP checkers look for it
          frameAncestors: ["'none'"],
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
      xFrameOptions: { action: 'deny' },
      strictTransportSecurity: config.publicUrl.startsWith('https:') ? { maxAge: 31_536_000 } : false,
    });
    app.decorate('securityHeaders', headers);
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
  },
  { name: 'security' },
);
