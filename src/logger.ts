import type { FastifyServerOptions } from 'fastify';

// Path segments that are credentials: the install secret, and the secret part of an (emulated) webhook URL.
const INSTALL_PATH = '/slack/install/';
const EMULATED_WEBHOOK = /^\/_emulator\/services\/[^/?#]+\/[^/?#]+\//;

/** `path` with the segment that starts at `from` (up to the next `/` or `#`) replaced by `[redacted]`. */
function redactSegment(path: string, from: number): string {
  let end = from;
  while (end < path.length && path[end] !== '/' && path[end] !== '#') end++;
  return `${path.slice(0, from)}[redacted]${path.slice(end)}`;
}

/**
 * The request's path with secrets replaced and the query string (OAuth `code`, `state`) dropped. Written for
 * every request's log line, so the common paths cost a prefix check.
 */
export function safeUrl(url: string): string {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (path.startsWith(INSTALL_PATH)) return redactSegment(path, INSTALL_PATH.length);
  const webhook = path.startsWith('/_emulator/services/') ? EMULATED_WEBHOOK.exec(path) : null;
  return webhook === null ? path : redactSegment(path, webhook[0].length);
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
