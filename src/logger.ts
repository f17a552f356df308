import type { FastifyServerOptions } from 'fastify';

// Path segments that are credentials: the install secret, and the secret part of an (emulated) webhook URL.
const SECRET_PATH = /^(\/slack\/install\/|\/_emulator\/services\/[^/?#]+\/[^/?#]+\/)[^/?#]*/;

/** The request's path with secrets replaced and the query string (OAuth `code`, `state`) dropped. */
export function safeUrl(url: string): string {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  return path.replace(SECRET_PATH, '$1[redacted]');
}

/**
 * Values that must never be written out in full. Explicit paths, no wildcards: pino compiles these into direct
 * property checks, where wildcard paths walk every object of every line (a tenth of the install redirect's cost).
 * The paths cover the request and response headers that carry secrets, the fields of Slack's answers that are
 * credentials when an SDK error carries them, and the names this code base gives to secrets.
 */
export const REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  'err.data.access_token',
  'err.data.incoming_webhook.url',
  'err.body',
  'webhookUrl',
  'botToken',
  'code',
  'state',
  'clientSecret',
  'installSecret',
];

export function loggerOptions(level: string): NonNullable<FastifyServerOptions['logger']> & object {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: { method?: string; url?: string; ip?: string }) => ({
        method: req.method,
        url: safeUrl(req.url ?? ''),
        remoteAddress: req.ip,
      }),
    },
  };
}
