import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitInWords } from '../src/plugins/guess-limit.js';
import { Browser, install, startApp } from './helpers.js';

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

test('favicons, probes, assets and unknown paths never count, and are never refused', async (t) => {
  const { app, url } = await startApp(t, {
    RATE_LIMIT_FAILURES: '5',
    METRICS_ENABLED: 'true',
    METRICS_TOKEN: 'metrics-token-0123456789',
  });
  const paths = ['/favicon.ico', '/no/such/page', '/assets/nope.css', '/robots.txt', '/healthz', '/readyz', '/metrics'];
  for (let i = 0; i < 120; i++) {
    const path = paths[i % paths.length]!;
    const res = await fetch(`${url}${path}`, { headers: HTML });
    assert.notEqual(res.status, 429, `${path} (request ${i + 1})`);
    await res.arrayBuffer();
  }
  assert.equal((await fetch(`${url}/no/such/page`)).status, 404);
  assert.equal((await fetch(app.installUrl, { redirect: 'manual' })).status, 302, 'the install URL still works');
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  assert.equal((await install(new Browser(), app.installUrl)).res.status, 200, 'and installs complete');
});

test('wrong install secrets are limited, with a styled page for a person and Retry-After for everyone', async (t) => {
  const { app, url } = await startApp(t, { RATE_LIMIT_FAILURES: '5' });
  for (let i = 0; i < 5; i++) assert.equal((await fetch(`${url}/slack/install/guess-${i}`)).status, 404);

  const page = await fetch(`${url}/slack/install/guess-6`, { headers: HTML });
  assert.equal(page.status, 429);
  const wait = Number(page.headers.get('retry-after'));
  assert.ok(wait > 0 && wait <= 60, `Retry-After ${wait}`);
  assert.equal(page.headers.get('cache-control'), 'no-store');
  assert.match(page.headers.get('content-type')!, /^text\/html/);
  const html = await page.text();
  assert.match(html, /<link rel="stylesheet" href="\/assets\/style.css">/);
  assert.match(html, /<h1 id="title">Too many attempts<\/h1>/);
  assert.match(html, /Try again in (1 minute|\d{1,2} seconds)\./);

  const script = await fetch(`${url}/slack/install/guess-7`);
  assert.equal(script.status, 429);
  assert.match(script.headers.get('content-type')!, /^text\/plain/);
  assert.match(await script.text(), /Try again in \d+ seconds/);

  assert.equal((await fetch(app.installUrl, { redirect: 'manual' })).status, 429, 'the install URL waits too');
  // Everything else answers as usual while the address waits.
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  assert.equal((await fetch(`${url}/favicon.ico`)).status, 200);
  assert.equal((await fetch(`${url}/robots.txt`)).status, 200);
  assert.equal((await fetch(`${url}/somewhere`)).status, 404);
});

test('forged callbacks count as guesses; a cancel does not', async (t) => {
  const { app, url } = await startApp(t, { RATE_LIMIT_FAILURES: '3' });
  for (let i = 0; i < 5; i++)
    assert.equal((await fetch(`${url}/slack/oauth_redirect?error=access_denied`)).status, 400, 'a cancel');
  assert.equal((await fetch(app.installUrl, { redirect: 'manual' })).status, 302);
  for (let i = 0; i < 3; i++)
    assert.equal((await fetch(`${url}/slack/oauth_redirect?code=x&state=forged-${i}`)).status, 400);
  assert.equal((await fetch(`${url}/slack/oauth_redirect?code=x&state=forged`)).status, 429);
  assert.equal((await fetch(app.installUrl, { redirect: 'manual' })).status, 429);
});

test('the wait is said in minutes and seconds', () => {
  assert.equal(waitInWords(1), '1 second');
  assert.equal(waitInWords(45), '45 seconds');
  assert.equal(waitInWords(60), '1 minute');
  assert.equal(waitInWords(61), '1 minute 1 second');
  assert.equal(waitInWords(125), '2 minutes 5 seconds');
  assert.equal(waitInWords(0.2), '1 second');
});

test('/favicon.ico is a small icon cached for long; /robots.txt keeps crawlers out', async (t) => {
  const { url } = await startApp(t);
  const icon = await fetch(`${url}/favicon.ico`);
  assert.equal(icon.status, 200);
  assert.equal(icon.headers.get('content-type'), 'image/x-icon');
  assert.match(icon.headers.get('cache-control')!, /max-age=(\d{6,})/);
  const body = Buffer.from(await icon.arrayBuffer());
  assert.ok(body.length < 2048, `${body.length} bytes`);
  assert.deepEqual([...body.subarray(0, 4)], [0, 0, 1, 0], 'an ICO header');
  const robots = await fetch(`${url}/robots.txt`);
  assert.equal(robots.status, 200);
  assert.match(robots.headers.get('content-type')!, /^text\/plain/);
  assert.equal(await robots.text(), 'User-agent: *\nDisallow: /\n');
});
