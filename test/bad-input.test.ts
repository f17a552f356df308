import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { INSTALL_SECRET, startApp } from './helpers.js';

const ROUTES = [
  '/slack/install/',
  `/slack/install/${INSTALL_SECRET}`,
  '/slack/oauth_redirect',
  '/healthz',
  '/assets/',
  '/assets/copy.js',
  '/',
  '/_emulator/',
  '/_emulator/oauth/v2/authorize',
  '/_emulator/api/oauth.v2.access',
  '/_emulator/api/auth.test',
  '/_emulator/services/T0ACME0001/B0000000001/',
  '/_emulator/services/',
  '/_emulator/control/faults',
  '/_emulator/assets/',
];
const KEYS = ['code', 'state', 'error', 'error_description', 'team', 'x'];

// Text that stresses parsers: any unicode, lone surrogates, percent-escapes (valid, invalid, overlong UTF-8).
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom('%', 'Z', 'F', 'f', '0', 'C', '3', '2', '8', '/', '.', '?', '&', '=', ';', '#', '+', ' '),
    maxLength: 40,
  }),
  fc.constantFrom(
    '%ZZ',
    '%C3%28',
    '%FF%FE',
    '%C0%AF',
    '%00',
    '%E2%82',
    '..%2F..%2Fetc%2Fpasswd',
    '%25',
    '\u0000',
    '\ud800',
  ),
  fc.string({ maxLength: 5000 }),
);

const encodeLoosely = (s: string) => {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80';
  }
};
const pathArb = fc
  .tuple(fc.constantFrom(...ROUTES), nasty, fc.boolean())
  .map(
    ([route, tail, raw]) =>
      route + (raw ? tail.replace(/[^\x21-\x7e]/g, (c) => encodeLoosely(c)) : encodeLoosely(tail)),
  );
const queryArb = fc.oneof(
  fc
    .array(fc.tuple(fc.constantFrom(...KEYS), nasty), { maxLength: 6 })
    .map((pairs) => pairs.map(([k, v]) => `${k}=${encodeLoosely(v)}`).join('&')),
  nasty.map((s) => s.replace(/[^\x21-\x7e]/g, (c) => encodeLoosely(c))),
);
const headerValue = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 3000,
});
const requestArb = fc.record({
  method: fc.constantFrom('GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'),
  path: pathArb,
  query: queryArb,
  cookie: fc.option(
    fc.oneof(
      headerValue,
      fc
        .array(fc.tuple(fc.constantFrom('slack_state_x', 'a', ''), headerValue))
        .map((p) => p.map(([k, v]) => `${k}=${v}`).join('; ')),
    ),
  ),
  headers: fc.dictionary(
    fc.constantFrom(
      'accept',
      'content-type',
      'x-forwarded-for',
      'accept-language',
      'authorization',
      'range',
      'if-none-match',
      'x-whatever',
    ),
    headerValue,
    { maxKeys: 4 },
  ),
  body: fc.option(fc.string({ maxLength: 2000 })),
});

for (const demo of [false, true])
  test(`${demo ? 'demo mode' : 'with Slack credentials'}: a thousand and more random, huge, repeated and malformed requests all get a 4xx (or a normal answer), never a 5xx`, async (t) => {
    // Demo mode adds the emulator's routes; the same rules hold for them.
    const { app } = await startApp(t, {
      RATE_LIMIT_FAILURES: '1000000',
      ...(demo ? { SLACK_CLIENT_ID: '', SLACK_CLIENT_SECRET: '' } : {}),
    });
    assert.equal(app.config.demo, demo);
    const before = await app.store.installations.count();
    let requests = 0;
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        requests++;
        const headers: Record<string, string> = { ...r.headers };
        if (r.cookie !== null) headers.cookie = r.cookie;
        const url = r.query === '' ? r.path : `${r.path}?${r.query}`;
        let res;
        try {
          res = await app.inject({
            method: r.method as 'GET',
            url,
            headers,
            ...(r.body !== null && r.method !== 'GET' && r.method !== 'HEAD' ? { payload: r.body } : {}),
          });
        } catch (err) {
          // light-my-request parses the URL with WHATWG rules and refuses some (`/\\`); a real socket takes them.
          if ((err as { code?: string }).code !== 'ERR_INVALID_URL') throw err;
          const status = await raw(
            app.config.port,
            Buffer.from(`${r.method} ${url} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 'latin1'),
          );
          assert.match(status, /^HTTP\/1\.1 [1-4]\d\d /, `${r.method} ${url.slice(0, 80)} → ${status}`);
          return;
        }
        assert.ok(
          res.statusCode < 500,
          `${r.method} ${r.path.slice(0, 80)} → ${res.statusCode}: ${res.body.slice(0, 200)}`,
        );
        if (res.statusCode >= 400 && r.method !== 'HEAD') {
          assert.ok(res.body.length > 0, 'an error says something');
          assert.doesNotMatch(res.body, /at [\w.<>]+ \(.*:\d+:\d+\)|node_modules/, 'no stack trace');
        }
      }),
      { numRuns: 1200 },
    );
    assert.ok(requests >= 1000);
    assert.equal(await app.store.installations.count(), before);
    assert.equal((await app.inject('/healthz')).statusCode, 200);
  });

/** Sends bytes no HTTP client library would, and returns the status line. */
function raw(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => {
      answer += d.toString('latin1');
    });
    socket.on('end', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
    // Only a server that never answers nor closes meets this cap; a slow one is waited for.
    socket.setTimeout(60_000, () => {
      socket.destroy();
      resolve(answer.split('\r\n')[0] ?? '');
    });
    socket.end(bytes);
  });
}

test('non-UTF-8 bytes, oversized headers and broken request lines over a real socket get a 4xx', async (t) => {
  const { app } = await startApp(t, { RATE_LIMIT_FAILURES: '1000000' });
  const port = app.config.port;
  const crlf = (s: string) => Buffer.from(s.replace(/\n/g, '\r\n'), 'latin1');
  const cases: Array<[string, Buffer]> = [
    [
      'raw 0xFF in the path',
      Buffer.concat([
        crlf('GET /slack/oauth_redirect?state='),
        Buffer.from([0xff, 0xfe]),
        crlf(' HTTP/1.1\nHost: x\nConnection: close\n\n'),
      ]),
    ],
    [
      'raw 0xFF in a cookie',
      Buffer.concat([
        crlf('GET /slack/oauth_redirect?state=a&code=b HTTP/1.1\nHost: x\nConnection: close\nCookie: slack_state_a='),
        Buffer.from([0xff, 0xc3, 0x28]),
        crlf('\n\n'),
      ]),
    ],
    ['a 20 KiB header', crlf(`GET /healthz HTTP/1.1\nHost: x\nConnection: close\nX-Big: ${'a'.repeat(20_000)}\n\n`)],
    ['a broken request line', crlf('GET\u0000/ HTTP/1.1\nHost: x\n\n')],
    [
      'a body over the limit',
      crlf(
        `POST /slack/oauth_redirect HTTP/1.1\nHost: x\nConnection: close\nContent-Type: application/json\nContent-Length: 100000\n\n${'x'.repeat(100_000)}`,
      ),
    ],
    [
      'a percent-encoded invalid UTF-8 path',
      crlf('GET /slack/install/%C3%28%FF HTTP/1.1\nHost: x\nConnection: close\n\n'),
    ],
  ];
  for (const [name, bytes] of cases) {
    const status = await raw(port, bytes);
    assert.match(status, /^HTTP\/1\.1 4\d\d /, `${name}: ${status}`);
  }
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200, 'the server is still up');
});
