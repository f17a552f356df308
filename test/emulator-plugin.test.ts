// The emulator as a Fastify plugin: encapsulation, content security policy, stylesheet.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import emulatorPlugin from '../src/emulator/plugin.js';
import { SlackEmulator } from '../src/emulator/state.js';
import { viewsDir } from '../src/paths.js';
import { APP, CONFIGURED, REDIRECT, startEmulator, authorizeUrl, appAuthorizeUrl } from './support/emulator.js';

describe('encapsulation', () => {
  test('the plugin keeps its view engine, parsers and handlers to itself', async (t) => {
    const emulator = new SlackEmulator({ apps: [APP], publicUrl: 'http://localhost/_emulator' });
    const server = Fastify();
    t.after(() => server.close());
    // The main app may register its own @fastify/view; the emulator must not clash with it.
    await server.register(fastifyView, { engine: { eta: new Eta() }, root: viewsDir });
    server.post('/echo', async (request) => ({ body: request.body }));
    await server.register(emulatorPlugin, { emulator, prefix: '/_emulator' });
    await server.ready();
    assert.equal(server.hasReplyDecorator('emulatorView'), false);
    const echo = await server.inject({ method: 'POST', url: '/echo', payload: { a: 1 } });
    assert.deepEqual(echo.json(), { body: { a: 1 } });
    const badJson = await server.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{',
    });
    assert.equal(badJson.statusCode, 400);
    assert.equal(
      badJson.headers['content-type'],
      'application/json; charset=utf-8',
      'parent keeps its own error handler',
    );
    assert.equal((await server.inject({ url: '/_emulator/' })).statusCode, 200);
  });
});

const CSP_BASE = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'";
const CSP_TAIL = "; base-uri 'none'; frame-ancestors 'none'";

describe('content security policy and stylesheet', () => {
  test('pages allow no inline style or script, link the stylesheet, and the consent form may redirect to the app', async (t) => {
    const emu = await startEmulator(t);
    const res = await fetch(
      appAuthorizeUrl(emu, {
        team: 'T0ACME0001',
      }),
    );
    const csp = res.headers.get('content-security-policy') ?? '';
    // Chromium checks form-action on the redirect after the submit too, so the redirect_uri's origin is listed.
    assert.equal(csp, `${CSP_BASE} http://localhost:9999${CSP_TAIL}`);
    assert.ok(!csp.includes('unsafe-inline'));
    const html = await res.text();
    assert.ok(!/<style|style=/i.test(html), 'no inline style');
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(html)?.[1];
    assert.equal(href, '/_emulator/assets/emulator.css');

    const css = await fetch(new URL(href, res.url));
    assert.equal(css.status, 200);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    assert.equal(css.headers.get('cache-control'), 'public, max-age=3600');
    assert.match(await css.text(), /\.banner \{/);

    // Pages without a form, and the app's configured Redirect URL when none is sent.
    for (const url of [
      emu.base,
      `${emu.base}/services/B0NOPE0001`,
      authorizeUrl(emu, { client_id: APP.clientId, scope: 'x', redirect_uri: REDIRECT }),
    ]) {
      const page = await fetch(url);
      assert.equal(page.headers.get('content-security-policy'), `${CSP_BASE}${CSP_TAIL}`, url);
      assert.match(await page.text(), /href="\/_emulator\/assets\/emulator\.css"/);
    }
    const configured = await fetch(
      authorizeUrl(emu, { client_id: CONFIGURED.clientId, scope: 'incoming-webhook', team: 'T0ACME0001' }),
    );
    assert.equal(configured.headers.get('content-security-policy'), `${CSP_BASE} http://localhost:9999${CSP_TAIL}`);
  });

  test("replaces a parent's helmet policy and follows the prefix it is mounted under", async (t) => {
    const emulator = new SlackEmulator({ apps: [APP], publicUrl: 'http://localhost/slack-emu' });
    const server = Fastify();
    t.after(() => server.close());
    // A parent app's policy, as the main app's security plugin sets it on every answer.
    server.addHook('onRequest', async (_request, reply) => {
      reply.header('content-security-policy', "default-src 'self'; form-action 'self'");
    });
    server.get('/', async () => 'main app');
    await server.register(emulatorPlugin, { emulator, prefix: '/slack-emu' });
    const main = await server.inject({ url: '/' });
    assert.match(String(main.headers['content-security-policy']), /form-action 'self'(;|$)/);
    const query = new URLSearchParams({
      client_id: APP.clientId,
      scope: 'incoming-webhook',
      redirect_uri: 'https://app.example/cb',
      team: 'T0ACME0001',
    });
    const consentPage = await server.inject({ url: `/slack-emu/oauth/v2/authorize?${query.toString()}` });
    assert.equal(consentPage.headers['content-security-policy'], `${CSP_BASE} https://app.example${CSP_TAIL}`);
    assert.match(consentPage.body, /<link rel="stylesheet" href="\/slack-emu\/assets\/emulator\.css">/);
    const css = await server.inject({ url: '/slack-emu/assets/emulator.css' });
    assert.equal(css.statusCode, 200);
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
  });
});
