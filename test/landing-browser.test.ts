import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { freePort, startServerProcess, tempDir } from './helpers.js';
import { consoleErrors, launchChromium, screenshot } from './support/chromium.js';

// A person's walk after Allow, in Debian's Chromium against `npm start` in demo mode, with the emulator on another
// site (127.0.0.1) than this server (localhost), as Slack is: install → reload → the callback URL again → another
// browser → six test messages → a flood of favicons and unknown paths → guessing → APP_NAME and the README's own
// LANDING_INSTRUCTIONS example on the page.

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => browser?.close());

/** The README's example of LANDING_INSTRUCTIONS for a CI tool, as a file: the README shows what really works. */
function readmeExample(dir: string): string {
  const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
  const m = /```html\n<!-- buildbot-instructions\.eta -->\n([\s\S]*?)```/.exec(readme);
  assert.ok(m, 'the README has the BuildBot example');
  const file = join(dir, 'buildbot-instructions.eta');
  writeFileSync(file, m[1]!);
  return file;
}

async function webhookShown(page: Page): Promise<string> {
  return page.inputValue('#webhook-url');
}

test('after Allow: reload, the callback again, another browser, six test messages, a flood of favicons, guessing', async (t) => {
  const port = await freePort();
  const server = await startServerProcess(t, {
    PORT: String(port),
    LOG_LEVEL: 'info',
    APP_NAME: 'BuildBot CI',
    LANDING_INSTRUCTIONS: readmeExample(tempDir(t)),
    RATE_LIMIT_FAILURES: '5',
    // The consent page on another site, as Slack's is: the cookies must survive a cross-site redirect chain.
    SLACK_AUTHORIZE_URL: `http://127.0.0.1:${port}/_emulator/oauth/v2/authorize`,
  });
  const mine = await browser.newContext();
  t.after(() => mine.close());
  const errors = consoleErrors(mine);
  await mine.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await mine.newPage();
  let callback = '';
  page.on('request', (request) => {
    if (request.url().includes('/slack/oauth_redirect?')) callback = request.url();
  });

  // Install.
  await page.goto(server.installUrl);
  await page.click('[data-team="T0ACME0001"]');
  await page.selectOption('#channel', { label: '#alerts' });
  await page.click('#allow');
  await page.waitForURL(/\/slack\/installed\/[A-Za-z0-9_-]{22}$/);
  const landingUrl = page.url();
  assert.ok(callback.startsWith(`${server.url}/slack/oauth_redirect?`), callback);
  const webhookUrl = await webhookShown(page);
  assert.match(webhookUrl, /\/_emulator\/services\/T0ACME0001\/B[A-Z0-9]+\/[A-Za-z0-9]{24}$/);
  assert.equal(await page.title(), 'Your Slack webhook is ready · BuildBot CI');
  assert.equal(await page.textContent('#app-name'), 'BuildBot CI');
  assert.match((await page.textContent('#save-now')) ?? '', /Save it now\..*secrets manager/s);
  // The README's LANDING_INSTRUCTIONS example, in place of the shipped block.
  assert.equal(await page.textContent('#instructions h3'), 'In BuildBot CI');
  assert.match((await page.textContent('#snippet-ci')) ?? '', new RegExp(`webhook_url: "${webhookUrl}"`));
  assert.match((await page.textContent('#instructions')) ?? '', /to post build results to #alerts in Acme Corp/);
  assert.equal(await page.locator('#snippet-toml').count(), 0);
  await screenshot(page, 'walk-landing');

  // Copy: the URL is on the clipboard and focus stays on the button.
  await page.focus('#copy');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('copy-status')?.textContent === 'Copied');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'copy');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), webhookUrl);

  // Reload: the same page, the same URL.
  await page.reload();
  assert.equal(page.url(), landingUrl);
  assert.equal(await webhookShown(page), webhookUrl);

  // The callback URL again (Back, or a reload of it): this browser is told it completed the install.
  await page.goto(callback);
  assert.equal(await page.textContent('#title'), 'This install was completed');
  assert.doesNotMatch((await page.textContent('main')) ?? '', /another browser/);
  await screenshot(page, 'walk-callback-again');
  await page.click('#next');
  await page.waitForURL(landingUrl);
  assert.equal(await webhookShown(page), webhookUrl);
  assert.match(server.output(), /"reason":"state_used_same_browser"/);

  // Another browser, on the landing page and on the callback: no webhook, no install URL.
  const other = await browser.newContext();
  t.after(() => other.close());
  const otherErrors = consoleErrors(other);
  const stranger = await other.newPage();
  await stranger.goto(landingUrl);
  assert.equal(await stranger.textContent('#title'), 'This install was completed');
  const strangerHtml = await stranger.content();
  assert.ok(!strangerHtml.includes(webhookUrl.split('/').at(-1)!), 'no webhook URL');
  assert.ok(!strangerHtml.includes('/slack/install/'), 'no install URL');
  await screenshot(stranger, 'walk-other-browser');
  const used = await stranger.goto(callback);
  assert.equal(used?.status(), 400);
  assert.equal(await stranger.textContent('#title'), 'This install link was already used');
  assert.doesNotMatch((await stranger.textContent('main')) ?? '', /another browser/);

  // Six presses of "Send a test message": the page, with its URL, stays; the sixth is refused with the reason.
  await page.goto(landingUrl);
  for (let i = 1; i <= 5; i++) {
    await page.click('#send-test');
    await page.waitForURL(landingUrl);
    assert.match(
      (await page.textContent('#test-result')) ?? '',
      /posted to #alerts\. Have a look in the Slack emulator/,
    );
    assert.equal(await webhookShown(page), webhookUrl);
  }
  assert.equal(await page.isDisabled('#send-test'), true, 'after five, the button is disabled');
  assert.match((await page.textContent('#test-hint')) ?? '', /sent 5 test messages, the most it may/);
  await screenshot(page, 'walk-test-limit');
  // A sixth from a page that was open before (its button still enabled) comes back to the same page.
  await page.evaluate(() => document.getElementById('send-test')!.removeAttribute('disabled'));
  await page.click('#send-test');
  await page.waitForURL(landingUrl);
  assert.equal(await webhookShown(page), webhookUrl);
  assert.equal(await page.isDisabled('#send-test'), true);
  const emulator = await mine.newPage();
  await emulator.goto(`${server.url}/_emulator`);
  const alerts = emulator.locator('[data-team="T0ACME0001"] [data-channel-id="C0ACME0002"] li.message');
  assert.equal(await alerts.filter({ hasText: 'test message from BuildBot CI' }).count(), 5);
  await emulator.close();

  // 120 requests for favicons and unknown paths from this address: none counted, none refused.
  const flood = await browser.newContext();
  t.after(() => flood.close());
  const probe = await flood.newPage();
  await probe.goto(`${server.url}/robots.txt`);
  const statuses = await probe.evaluate(async () => {
    const seen: number[] = [];
    for (let i = 0; i < 120; i++)
      seen.push((await fetch(i % 2 === 0 ? '/favicon.ico' : `/no/such/page/${i}`, { cache: 'no-store' })).status);
    return seen;
  });
  assert.deepEqual([...new Set(statuses)].sort(), [200, 404]);
  assert.equal((await probe.goto(server.installUrl))?.status(), 200, 'the install URL still leads to Slack');
  assert.match(probe.url(), /\/_emulator\/oauth\/v2\/authorize/);
  assert.equal((await probe.goto(`${server.url}/healthz`))?.status(), 200);

  // Guessing install URLs still meets the limit, on a page a person can read. Five failures are allowed: the other
  // browser's used callback was one (a replayed callback can be a guess), four wrong install secrets the rest.
  for (let i = 0; i < 4; i++) assert.equal((await probe.goto(`${server.url}/slack/install/guess-${i}`))?.status(), 404);
  const limited = await probe.goto(`${server.url}/slack/install/guess-4`);
  assert.equal(limited?.status(), 429);
  assert.ok(Number(await limited?.headerValue('retry-after')) > 0);
  assert.equal(await probe.textContent('#title'), 'Too many attempts');
  assert.match((await probe.textContent('#message')) ?? '', /Try again in (1 minute|\d+ seconds)\./);
  assert.equal(
    await probe.evaluate(() => getComputedStyle(document.querySelector('main')!).backgroundColor),
    'rgb(255, 255, 255)',
    'styled by the stylesheet',
  );
  await screenshot(probe, 'walk-429');
  // The person who installed is not held up by it.
  await page.reload();
  assert.equal(await webhookShown(page), webhookUrl);

  assert.deepEqual(errors, [], 'no errors in the console of the installing browser');
  assert.deepEqual(otherErrors, [], 'nor of the other one');
});
