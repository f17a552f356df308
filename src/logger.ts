import type { FastifyServerOptions } from 'fastify';

/**
 * The path as a server reads it, for a log line: no query string or fragment (OAuth `code` and `state`), no scheme
 * or host (an absolute-form request line, `GET http://any-host/…`), percent-encoding undone (up to three times, so
 * `%2569` is `i`), and empty, `.` and `..` segments resolved (`/slack//install/x` is `/slack/install/x`). Redaction
 * works on this, so no spelling of a path gets a secret past it. The common path (nothing to undo) is a scan.
 */
export function logPath(url: string): string {
  const cut = url.search(/[?#]/);
  let path = cut === -1 ? url : url.slice(0, cut);
  if (!path.startsWith('/')) {
    const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/\\]*/.exec(path);
    if (scheme !== null) path = path.slice(scheme[0].length);
  }
  if (path.startsWith('/') && !/%|\/\/|\/\.|\\/.test(path)) return path;
  for (let round = 0; round < 3 && path.includes('%'); round++) {
    const decoded = path.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run; // not UTF-8: left as it is
      }
    });
    if (decoded === path) break;
    path = decoded;
  }
  const segments: string[] = [];
  for (const segment of path.split(/[/\\]/)) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

/**
 * The request's path as `logPath` reads it, with the segments that are credentials replaced by `[redacted]`: the
 * install secret (`/slack/install/…`), the secret part of an emulated webhook URL, and any of `secrets` wherever it
 * appears. Written for every request's log line, so the common paths cost a prefix check.
 */
export function safeUrl(url: string, secrets: readonly string[] = []): string {
  let path = logPath(url);
  for (const secret of secrets) if (path.includes(secret)) path = path.replaceAll(secret, '[redacted]');
  if (path.startsWith('/slack/install')) {
    const parts = path.split('/'); // ['', 'slack', 'install', secret, …]
    if (parts[2] === 'install') return ['', 'slack', 'install', '[redacted]', ...parts.slice(4)].join('/');
  }
  if (path.startsWith('/_emulator/services/')) {
    const parts = path.split('/'); // ['', '_emulator', 'services', team, service, secret, …]
    if (parts.length > 5) parts[5] = '[redacted]';
    return parts.join('/');
  }
  return path;
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
