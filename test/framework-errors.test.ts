// Errors that Fastify or Node's HTTP parser raise before any route runs get the same treatment as every other
// refusal: our page, our security headers, and one log line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rawGet, rawRequest, type RawAnswer } from './raw-http.js';
import { startApp } from './helpers.js';
import { captureLogs } from './support/logs.js';

function header(res: RawAnswer, name: string): string | undefined {
  return new RegExp(`\\r\\n${name}: ([^\\r]*)`, 'i').exec(res.text)?.[1];
}

function post(port: number, contentType: string, body: string): Promise<RawAnswer> {
  return rawRequest(
    port,
    `POST /slack/test-message HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

test('bad URLs, 413, 414, 415, 431 and unparseable requests get our page, our headers and one log line', async (t) => {
  const logs = captureLogs();
  const { app } = await startApp(t, { LOG_LEVEL: 'info' }, { logger: logs.logger });
  const port = app.config.port;

  const cases: Array<[string, number, () => Promise<RawAnswer>, RegExp]> = [
    ['a bad percent-escape', 400, () => rawGet(port, '/%'), /could not understand the request/],
    ['a bad escape in a route', 400, () => rawGet(port, '/slack/install/%zz'), /could not understand the request/],
    ['an over-long parameter', 414, () => rawGet(port, `/slack/install/${'x'.repeat(300)}`), /longer than/],
    [
      'a body over the limit',
      413,
      () => post(port, 'application/x-www-form-urlencoded', `csrf=${'a'.repeat(5000)}`),
      /larger than/,
    ],
    ['an unsupported body type', 415, () => post(port, 'application/xml', '<csrf/>'), /does not accept that kind/],
    ['headers over the limit', 431, () => rawGet(port, '/healthz', `x-big: ${'a'.repeat(20_000)}\r\n`), /headers/],
    ['no HTTP at all', 400, () => rawRequest(port, 'HELLO THERE\r\n\r\n'), /could not understand the request/],
  ];
  for (const [what, status, send, message] of cases) {
    const before = logs.lines.length;
    const res = await send();
    assert.equal(res.status, status, `${what}: ${res.text.slice(0, 300)}`);
    assert.match(header(res, 'content-type') ?? '', /^text\/html/, what);
    assert.match(header(res, 'content-security-policy') ?? '', /default-src 'none'/, what);
    assert.equal(header(res, 'x-content-type-options'), 'nosniff', what);
    assert.equal(header(res, 'x-frame-options'), 'DENY', what);
    assert.equal(header(res, 'cache-control'), 'no-store', what);
    assert.match(res.text, /<!doctype html>[\s\S]*<h1 id="title">/, `${what}: our page`);
    assert.match(res.text, message, what);
    assert.doesNotMatch(res.text, /FST_ERR|"statusCode"/, `${what}: not Fastify's JSON`);
    const lines = logs.lines.slice(before).filter((l) => l.includes(`"statusCode":${status}`));
    assert.equal(lines.length, 1, `${what}: one log line, got ${lines.join('\n')}`);
  }
});
