import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import emulatorPlugin from '../src/emulator/plugin.js';
import { SlackEmulator } from '../src/emulator/state.js';
import { Browser, consent, startApp, TEST_APP, webhookUrlFrom, type RunningEmulator } from './helpers.js';

test('two callbacks of one state at once make one oauth.v2.access call: the second is refused at once', async (t) => {
  // The emulator as the tests' Slack, counting oauth.v2.access calls and holding the first one until the
  // second callback has been answered, so that the two callbacks overlap whatever the machine's speed.
  const emulator = new SlackEmulator({ apps: [TEST_APP], publicUrl: 'http://127.0.0.1/_emulator' });
  const server = Fastify();
  let calls = 0;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let arrived!: () => void;
  const firstCall = new Promise<void>((resolve) => (arrived = resolve));
  server.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/_emulator/api/oauth.v2.access')) return;
    calls++;
    if (calls === 1) {
      arrived();
      await held;
    }
  });
  await server.register(emulatorPlugin, { emulator, prefix: '/_emulator' });
  emulator.publicUrl = `${await server.listen({ port: 0, host: '127.0.0.1' })}/_emulator`;
  t.after(() => server.close());
  const emu: RunningEmulator = { emulator, url: emulator.publicUrl, server };
  const { app } = await startApp(t, {}, { emu });

  const browser = new Browser();
  const callback = await consent(browser, app.installUrl);
  const first = browser.get(callback);
  await firstCall;
  const second = await browser.get(callback);
  const secondHtml = await second.text();
  release();
  const landing = await first;

  assert.equal(second.status, 400);
  assert.match(secondHtml, /already used/);
  // The first answers 303 to its landing page, which shows the webhook.
  assert.equal(landing.status, 303);
  const page = await browser.get(new URL(landing.headers.get('location')!, callback).href);
  assert.equal(page.status, 200);
  webhookUrlFrom(await page.text());
  assert.equal(calls, 1, 'Slack was asked once');
  assert.equal(await app.store.installations.count(), 1);
});
