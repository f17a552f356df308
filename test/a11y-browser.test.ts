import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startServerProcess } from './helpers.js';
import {
  assertFocusRings,
  axeViolations,
  consoleErrors,
  launchChromium,
  screenshot,
  scrollsSideways,
} from './support/chromium.js';

// What a person with a keyboard, a screen reader or a phone meets: axe-core finds no serious or critical
// violation on any of our pages, every control shows a focus ring, the webhook URL can be read whole, and the
// pages fit a 390 px wide phone.

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => browser?.close());

async function assertAxeClean(page: Page, name: string): Promise<void> {
  assert.deepEqual(await axeViolations(page), [], `axe-core on ${name} (${page.url()})`);
}

test('axe-core finds nothing serious on the landing, error, 429, demo front and emulator pages; every control shows a focus ring', async (t) => {
  const server = await startServerProcess(t, { LOG_LEVEL: 'warn', RATE_LIMIT_FAILURES: '1' });
  const context = await browser.newContext();
  t.after(() => context.close());
  const errors = consoleErrors(context);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await context.newPage();

  await page.goto(`${server.url}/`);
  await assertAxeClean(page, 'the demo front page');
  await assertFocusRings(page, 4);
  await screenshot(page, 'demo-front');

  await page.click('#install-link');
  await page.waitForSelector('#workspaces');
  await assertAxeClean(page, 'the emulator’s workspace list');
  await page.click('[data-team="T0ACME0001"]');
  await page.waitForSelector('#consent');
  await assertAxeClean(page, 'the emulator’s consent page');
  await assertFocusRings(page, 4);
  await screenshot(page, 'consent');
  await page.selectOption('#channel', { label: '#alerts' });
  await page.click('#allow');
  await page.waitForURL(/\/slack\/installed\//);
  await assertAxeClean(page, 'the landing page');
  await assertFocusRings(page, 6);

  // The URL field: monospace, every character visible (no clipped glyph, nothing scrolled out of sight).
  const field = await page.evaluate(() => {
    const el = document.getElementById('webhook-url') as HTMLTextAreaElement;
    const style = getComputedStyle(el);
    const row = el.parentElement!.getBoundingClientRect();
    return {
      font: style.fontFamily,
      lineHeight: parseFloat(style.lineHeight) / parseFloat(style.fontSize),
      overflowsX: el.scrollWidth > el.clientWidth,
      overflowsY: el.scrollHeight > el.clientHeight + 1,
      widthShare: el.getBoundingClientRect().width / row.width,
    };
  });
  assert.match(field.font, /mono/i);
  assert.ok(field.lineHeight >= 1.4, `line height ${field.lineHeight.toFixed(2)}: room for _ and descenders`);
  assert.equal(field.overflowsX, false, 'no part of the URL is off to the side');
  assert.equal(field.overflowsY, false, 'every line of the URL is in view');
  assert.ok(field.widthShare > 0.95, 'the field is as wide as its row');

  // Copy with the keyboard: focus stays on the button, and the status is announced.
  await page.focus('#copy');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('copy-status')?.textContent === 'Copied');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'copy');
  assert.equal(await page.getAttribute('#copy-status', 'role'), 'status');
  await page.focus('[data-copy-target="snippet-env"]');
  await page.keyboard.press('Space');
  await page.waitForFunction(
    () => document.querySelector('[data-copy-target="snippet-env"] + .copy-status')?.textContent === 'Copied',
  );
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-copy-target')), 'snippet-env');
  assert.match(await page.evaluate(() => navigator.clipboard.readText()), /^export SLACK_WEBHOOK_URL='http/);

  await page.click('#send-test');
  await page.waitForSelector('#test-result');
  await assertAxeClean(page, 'the landing page with a test result');
  await screenshot(page, 'landing');

  const emulator = await context.newPage();
  await emulator.goto(`${server.url}/_emulator`);
  await assertAxeClean(emulator, 'the emulator’s home page');
  await assertFocusRings(emulator, 5);
  await screenshot(emulator, 'emulator-home');

  // Error pages: not found, a callback used elsewhere, and the 429 (the limit is 1 here).
  const other = await browser.newContext();
  t.after(() => other.close());
  const otherErrors = consoleErrors(other);
  const stranger = await other.newPage();
  await stranger.goto(`${server.url}/no/such/page`);
  await assertAxeClean(stranger, 'the not-found page');
  await stranger.goto(page.url());
  await assertAxeClean(stranger, 'the landing page seen from another browser');
  await stranger.goto(`${server.url}/slack/install/wrong`);
  assert.equal((await stranger.goto(`${server.url}/slack/install/wrong-again`))?.status(), 429);
  await assertAxeClean(stranger, 'the 429 page');
  await assertFocusRings(stranger, 1);
  assert.deepEqual([...errors, ...otherErrors], []);
});

test('on a 390 px phone: no sideways scrolling, the whole URL in view, a short consent heading', async (t) => {
  const server = await startServerProcess(t, { LOG_LEVEL: 'warn', RATE_LIMIT_FAILURES: '1' });
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
  });
  t.after(() => phone.close());
  const errors = consoleErrors(phone);
  const page = await phone.newPage();

  await page.goto(`${server.url}/`);
  assert.equal(await scrollsSideways(page), false, 'the demo front page fits');
  await page.goto(server.installUrl);
  await page.click('[data-team="T0ACME0001"]');
  await page.waitForSelector('#consent');
  const heading = await page.evaluate(() => {
    const h1 = document.querySelector('h1')!;
    return {
      lines: h1.getBoundingClientRect().height / parseFloat(getComputedStyle(h1).lineHeight),
      text: h1.innerText,
    };
  });
  assert.ok(heading.lines <= 3.05, `the consent heading takes ${heading.lines.toFixed(1)} lines: "${heading.text}"`);
  assert.equal(await scrollsSideways(page), false, 'the consent page fits');
  await screenshot(page, 'phone-consent');
  await page.selectOption('#channel', { label: '#alerts' });
  await page.click('#allow');
  await page.waitForURL(/\/slack\/installed\//);
  assert.equal(await scrollsSideways(page), false, 'the landing page fits');
  const field = await page.evaluate(() => {
    const el = document.getElementById('webhook-url') as HTMLTextAreaElement;
    return { x: el.scrollWidth > el.clientWidth, y: el.scrollHeight > el.clientHeight + 1 };
  });
  assert.deepEqual(field, { x: false, y: false }, 'the URL wraps, all of it in view');
  await screenshot(page, 'phone-landing');

  await page.goto(`${server.url}/slack/install/wrong`);
  await page.goto(`${server.url}/slack/install/wrong-again`);
  assert.equal(await page.textContent('#title'), 'Too many attempts');
  assert.equal(await scrollsSideways(page), false, 'the 429 page fits');
  await page.goto(`${server.url}/_emulator`);
  assert.equal(await scrollsSideways(page), false, 'the emulator fits');
  await screenshot(page, 'phone-emulator');
  assert.deepEqual(errors, []);
});
