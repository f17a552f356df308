import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { loggerOptions } from '../src/logger.js';
import { startApp } from './helpers.js';

// ASVS 16.2.1: each request's log line says who made it (the client address, as resolved through TRUST_PROXY).

/** The app's log lines, parsed; `next(match)` resolves with the first line, seen or still to come, that matches. */
function captureLogs() {
  const lines: Array<Record<string, unknown>> = [];
  const waiting: Array<{
    match: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) {
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        for (const w of waiting.filter((w) => w.match(line))) {
          waiting.splice(waiting.indexOf(w), 1);
          w.resolve(line);
        }
      }
      done();
    },
  });
  const next = (match: (l: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const seen = lines.find(match);
      if (seen) resolve(seen);
      else waiting.push({ match, resolve });
    });
  return { next, logger: { logger: { ...loggerOptions('info'), stream } } };
}

const requestLine = (path: string) => (l: Record<string, unknown>) => l.msg === 'request' && l.url === path;

test('the request log line carries the client address; X-Forwarded-For is believed only from a trusted proxy', async (t) => {
  const direct = captureLogs();
  const plain = await startApp(t, {}, { logger: direct.logger });
  await fetch(`${plain.url}/healthz?a=1`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
  const line = await direct.next(requestLine('/healthz'));
  assert.equal(line.client, '127.0.0.1', 'a client that is no trusted proxy cannot choose the logged address');
  assert.equal(line.statusCode, 200);

  const proxied = captureLogs();
  const behindProxy = await startApp(t, { TRUST_PROXY: '127.0.0.1' }, { logger: proxied.logger });
  await fetch(`${behindProxy.url}/no-such-page`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
  const refused = await proxied.next(requestLine('/no-such-page'));
  assert.equal(refused.client, '203.0.113.7', 'behind the trusted proxy, the address it forwarded');
  assert.equal(refused.statusCode, 404);
});
