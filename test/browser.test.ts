import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { openServerStore, startServerProcess } from './helpers.js';
import { launchChromium } from './support/chromium.js';

// The install flow as a person does it: Debian's Chromium, the demo server (`npm start`), its built-in emulator.
let browser: Browser;
// Playwright's waits end on the event; its 30 s default is raised so only a hung page, not a loaded machine, fails.
const WAIT_CAP_MS = 120_000;

before(async () => {
  browser = await launchChromium();
});
after(async () => browser?.close());

test('in Chromium: install URL → pick a workspace and channel → Allow → the landing page’s webhook URL posts into that channel', async (t) => {
  const server = await startServerProcess(t, { LOG_LEVEL: 'warn' });
  const context = await browser.newContext();
  context.setDefaultTimeout(WAIT_CAP_MS);
  const violations: string[] = [];
  context.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
  });
  t.after(() => assert.deepEqual(violations, [], 'no CSP violations'));
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  t.after(() => context.close());
  const page = await context.newPage();

  await page.goto(server.installUrl);
  await page.click('[data-team="T0ACME0001"]');
  await page.selectOption('#channel', { label: '#alerts' });
  await page.click('#allow');
  await page.waitForURL(/\/slack\/installed\/[A-Za-z0-9_-]{22}$/);

  assert.equal(await page.textContent('h1'), 'Your Slack webhook is ready');
  assert.equal(await page.textContent('#workspace'), 'Acme Corp');
  assert.equal(await page.textContent('#channel'), '#alerts');
  const webhookUrl = await page.inputValue('#webhook-url');
  assert.match(webhookUrl, /\/_emulator\/services\/T0ACME0001\/B[A-Z0-9]+\/[A-Za-z0-9]{24}$/);
  assert.equal(await page.getAttribute('#webhook-url', 'readonly'), '');

  await page.click('#copy');
  await page.waitForFunction(() => document.getElementById('copy-status')?.textContent === 'Copied');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), webhookUrl);

  // The test button works under the strict CSP: a plain form, no inline script.
  await page.click('#send-test');
  await page.waitForSelector('#test-result');
  assert.match((await page.textContent('#test-result')) ?? '', /test message was posted to #alerts/);
  assert.equal(await page.inputValue('#webhook-url'), webhookUrl);

  const posted = await fetch(webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'posted from the browser test' }),
  });
  assert.equal(posted.status, 200);
  await page.goto(`${server.url}/_emulator`);
  const channel = page.locator('[data-team="T0ACME0001"] .channel', { hasText: '#alerts' });
  assert.match(await channel.innerText(), /posted from the browser test/);
  assert.match(await channel.innerText(), /this webhook works/, 'the test message arrived too');

  // Uninstalling the app on the emulator's page sends signed events to the server, which revokes the install.
  await page.click('[data-uninstall="T0ACME0001"]');
  await page.waitForSelector('#activity li.delivery[data-event="app_uninstalled"]');
  const statuses = await page
    .locator('#activity li.delivery')
    .evaluateAll((items) => items.map((li) => li.getAttribute('data-status')));
  assert.deepEqual([...new Set(statuses)], ['200']);
  const store = await openServerStore(t, server.cwd);
  assert.equal((await store.installations.list({ revoked: true })).length, 1);
  assert.equal(
    (await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"x"}' }))
      .status,
    404,
  );
});

test('in Chromium: Cancel on the consent page leads to the cancel page, with a way to start again', async (t) => {
  const server = await startServerProcess(t, { LOG_LEVEL: 'warn' });
  const context = await browser.newContext();
  context.setDefaultTimeout(WAIT_CAP_MS);
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(server.installUrl);
  await page.click('[data-team="T0ACME0001"]');
  await page.click('#cancel');
  await page.waitForURL(/\/slack\/oauth_redirect\?error=access_denied/);
  assert.equal(await page.textContent('#title'), 'Install cancelled');
  await page.click('#retry');
  await page.waitForURL(/\/_emulator\/oauth\/v2\/authorize/);
});
