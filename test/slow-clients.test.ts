// Slow and numerous clients: a client that drips its headers or its body is cut off at the configured limits
// while others are answered, and connections beyond MAX_CONNECTIONS are refused. Nothing here waits for a time:
// each test waits for the server to close the connection (the caps below only stop a broken server hanging).
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { dripper, rawGet } from './raw-http.js';
import { startApp } from './helpers.js';

// Small enough to keep the test short, large enough that no stall of a loaded machine cuts off an honest client.
const LIMITS = { HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '2000' };

test('a client dripping its headers is cut off with 408 while /healthz answers', { timeout: 30_000 }, async (t) => {
  const { app, url } = await startApp(t, LIMITS);
  const drip = dripper(app.config.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'x-drip: 1\r\n', 100);
  const health = await fetch(`${url}/healthz`);
  assert.equal(health.status, 200, 'others are answered meanwhile');
  const cut = await drip;
  assert.equal(cut.status, 408, `the dripper got 408: ${cut.text.slice(0, 200)}`);
  assert.ok(cut.linesSent > 0, 'it was still sending when the server closed the connection');
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
});

test('a client dripping its body is cut off at the request timeout', { timeout: 30_000 }, async (t) => {
  const { app } = await startApp(t, LIMITS);
  const drip = dripper(
    app.config.port,
    'POST /slack/test-message HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n\r\ncsrf=',
    'a',
    50,
  );
  const cut = await drip;
  assert.ok(cut.linesSent > 0, 'it was still sending when the server closed the connection');
  assert.ok(cut.status === undefined || cut.status === 408, `no answer but a timeout: ${cut.text.slice(0, 200)}`);
});

test(
  'connections beyond MAX_CONNECTIONS are refused; those already open are served',
  { timeout: 30_000 },
  async (t) => {
    const { app } = await startApp(t, { MAX_CONNECTIONS: '2' });
    const port = app.config.port;
    // Two keep-alive connections, each answered once, so the server has certainly accepted both.
    const open: net.Socket[] = [];
    for (let i = 0; i < 2; i++) {
      const socket = net.connect(port, '127.0.0.1');
      t.after(() => socket.destroy());
      await new Promise<void>((resolve) => {
        socket.once('connect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
        socket.once('data', () => resolve());
      });
      open.push(socket);
    }
    const third = await rawGet(port, '/healthz');
    assert.equal(third.status, undefined, `the third connection got no answer: ${third.text.slice(0, 100)}`);
    const again = await new Promise<string>((resolve) => {
      open[0]!.once('data', (d: Buffer) => resolve(d.toString()));
      open[0]!.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    });
    assert.match(again, /^HTTP\/1\.1 200/);
  },
);

test('the limits default to 15 s for headers, 30 s for a request and 1,000 connections, and are checked', () => {
  const creds = { SLACK_CLIENT_ID: '1.2', SLACK_CLIENT_SECRET: 's' };
  assert.deepEqual(loadConfig(creds).http, {
    headersTimeoutMs: 15_000,
    requestTimeoutMs: 30_000,
    maxConnections: 1000,
  });
  assert.throws(() => loadConfig({ ...creds, HEADERS_TIMEOUT_MS: '40000' }), /HEADERS_TIMEOUT_MS.*REQUEST_TIMEOUT_MS/);
  assert.throws(() => loadConfig({ ...creds, MAX_CONNECTIONS: 'lots' }), /MAX_CONNECTIONS must be a whole number/);
});

test('the HTTP server is created with those limits', async (t) => {
  const { app } = await startApp(t);
  assert.equal(app.server.headersTimeout, 15_000);
  assert.equal(app.server.requestTimeout, 30_000);
  assert.equal(app.server.keepAliveTimeout, 5_000);
  assert.equal(app.server.maxConnections, 1000);
});
