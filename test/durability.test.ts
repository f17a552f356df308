import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import {
  Browser,
  consent,
  emulatorEnv,
  install,
  location,
  openServerStore,
  startEmulator,
  startServerProcess,
  webhookUrlFrom,
} from './helpers.js';
import { waitUntil } from './support/wait.js';

test('200 installs at once against one server: 200 rows, no SQLITE_BUSY, no 5xx', async (t) => {
  const emu = await startEmulator(t);
  const server = await startServerProcess(t, { ...emulatorEnv(emu), LOG_LEVEL: 'warn' });
  const results = await Promise.all(Array.from({ length: 200 }, () => install(new Browser(), server.installUrl)));
  const statuses = results.map((r) => r.res.status);
  assert.deepEqual([...new Set(statuses)], [200]);
  assert.equal(new Set(results.map((r) => webhookUrlFrom(r.html))).size, 200);
  assert.doesNotMatch(server.output(), /SQLITE_BUSY|database is locked/);
  const store = await openServerStore(t, server.cwd);
  assert.equal(await store.installations.count(), 200);
});

test('SIGTERM finishes the install in flight, closes the database and exits 0; its page is there after a restart', async (t) => {
  const emu = await startEmulator(t);
  const server = await startServerProcess(t, { ...emulatorEnv(emu), LOG_LEVEL: 'info' });
  emu.emulator.failNext('oauth.v2.access', { kind: 'delay', ms: 1500 });
  const browser = new Browser();
  const callback = await consent(browser, server.installUrl);
  const answer = browser.get(callback);
  // Wait until the callback is waiting on Slack: the emulator has taken the delay fault.
  await waitUntil(() => emu.emulator.pendingFaults().length === 0, 'the callback reached Slack');
  const exited = server.stop('SIGTERM');
  const res = await answer;
  assert.equal(res.status, 303, await res.text());
  assert.equal(await exited, 0);
  assert.match(server.output(), /shutting down/);
  const store = await openServerStore(t, server.cwd);
  assert.equal(await store.installations.count(), 1);
  const webhookUrl = (await store.installations.get(1))!.webhookUrl;
  await store.close();

  // The landing page has an address of its own: once the server is back, the browser gets its page.
  const again = await startServerProcess(t, { ...emulatorEnv(emu), LOG_LEVEL: 'warn' }, server.cwd);
  const page = await browser.get(new URL(location(res), again.url).href);
  assert.equal(page.status, 200);
  assert.equal(webhookUrlFrom(await page.text()), webhookUrl);
});

test('SIGKILL in the middle of a stream of installs loses no install whose landing page was shown, and corrupts nothing', async (t) => {
  const emu = await startEmulator(t);
  const server = await startServerProcess(t, { ...emulatorEnv(emu), LOG_LEVEL: 'warn' });
  const shown: string[] = [];
  let killed = false;
  const stream = async () => {
    while (!killed) {
      try {
        const { res, html } = await install(new Browser(), server.installUrl);
        if (res.status === 200) shown.push(webhookUrlFrom(html));
      } catch {
        // the server died under this flow: it never showed a landing page
      }
    }
  };
  const workers = Array.from({ length: 8 }, stream);
  // Killed after a number of installs, not after a time, so a slow machine still kills it mid-stream.
  await waitUntil(() => shown.length >= 20, '20 installs completed');
  killed = true;
  await server.stop('SIGKILL');
  await Promise.all(workers);

  const db = new Database(join(server.cwd, 'data', 'installations.db'));
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  db.close();
  const again = await startServerProcess(t, { ...emulatorEnv(emu), LOG_LEVEL: 'warn' }, server.cwd);
  assert.equal((await fetch(`${again.url}/healthz`)).status, 200, 'it starts again on the same database');
  const store = await openServerStore(t, server.cwd);
  const stored = new Set((await store.installations.list()).map((r) => r.webhookUrl));
  for (const url of shown) assert.ok(stored.has(url), 'every install the browser saw is stored');
});
