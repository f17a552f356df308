import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import {
  Browser,
  emulatorEnv,
  install,
  startApp,
  startEmulator,
  tempDir,
  TEST_APP,
  type RunningApp,
} from './helpers.js';
import { cliAsync } from './support/cli.js';

// Token rotation end to end: the emulator hands out expiring xoxe tokens and answers the refresh grant, the server
// renews a bot token that expires within 2 hours before it uses the install, and stores the new pair.

function csrfFrom(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  assert.ok(m, 'the landing page has a test-message form');
  return m[1]!;
}

async function rotatingServer(t: TestContext, lifetimeSeconds: number, env: Record<string, string> = {}) {
  const emu = await startEmulator(t, [{ ...TEST_APP, tokenRotation: true, tokenLifetimeSeconds: lifetimeSeconds }]);
  const running = await startApp(t, env, { emu });
  const browser = new Browser();
  const { html } = await install(browser, running.app.installUrl);
  const [record] = await running.app.store.installations.list();
  const stored = async () => (await running.app.store.installations.installation(record!.id))!;
  return { running, browser, html, id: record!.id, stored };
}

async function authTest(running: RunningApp, token: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${running.emu.url}/api/auth.test`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  return (await res.json()) as Record<string, unknown>;
}

test('a bot token expiring within 2 hours is refreshed before the test message, and the new pair is stored', async (t) => {
  const { running, browser, html, stored } = await rotatingServer(t, 60 * 60);
  const before = await stored();
  assert.equal((await authTest(running, before.bot!.token)).ok, true);

  const sent = await browser.post(`${running.url}/slack/test-message`, { csrf: csrfFrom(html) });
  assert.equal(sent.status, 303, 'sent, and back to the landing page');
  assert.equal(running.emu.emulator.messages().length, 1, 'the test message was posted');
  assert.equal(running.emu.emulator.refreshCount(), 1);

  const after = await stored();
  assert.notEqual(after.bot!.token, before.bot!.token);
  assert.notEqual(after.bot!.refreshToken, before.bot!.refreshToken);
  assert.ok(after.bot!.expiresAt! >= before.bot!.expiresAt!);
  assert.equal((await authTest(running, after.bot!.token)).ok, true, 'the stored token is the one Slack now accepts');
  assert.equal((await authTest(running, before.bot!.token)).ok, false);
  assert.deepEqual([after.incomingWebhook, after.user], [before.incomingWebhook, before.user], 'the rest is kept');
});

test('a token good for more than 2 hours is left alone', async (t) => {
  const { running, browser, html, stored } = await rotatingServer(t, 12 * 60 * 60);
  const before = await stored();
  const sent = await browser.post(`${running.url}/slack/test-message`, { csrf: csrfFrom(html) });
  assert.equal(sent.status, 303, 'sent, and back to the landing page');
  assert.equal(running.emu.emulator.refreshCount(), 0);
  assert.equal((await stored()).bot!.token, before.bot!.token);
});

test('a refresh Slack refuses (invalid_refresh_token) marks the install revoked with that reason', async (t) => {
  const { running, browser, html, id } = await rotatingServer(t, 60 * 60);
  // Uninstalled while the server heard nothing (no events URL): its refresh token is dead in Slack.
  running.emu.emulator.setEventsUrl(TEST_APP.appId, undefined);
  await running.emu.emulator.uninstall('T0ACME0001', TEST_APP.appId);
  const sent = await browser.post(`${running.url}/slack/test-message`, { csrf: csrfFrom(html) });
  assert.equal(sent.status, 410);
  assert.match(await sent.text(), /invalid_refresh_token/);
  const record = (await running.app.store.installations.get(id))!;
  assert.equal(record.revokedReason, 'invalid_refresh_token');
  assert.notEqual(record.revokedAt, null);
  assert.equal(running.emu.emulator.messages().length, 0);
});

test('cli verify refreshes expiring tokens first, and revokes an install whose refresh Slack refuses', async (t) => {
  const key = randomBytes(32).toString('base64');
  const { running, id, stored } = await rotatingServer(t, 60 * 60, { ENCRYPTION_KEY: key });
  const env = {
    ...emulatorEnv(running.emu),
    DATABASE_PATH: running.config.databasePath,
    ENCRYPTION_KEY: key,
    INSTALL_SECRET: 'cli-install-secret-0123456789abcdef',
  };
  const before = await stored();
  const run = await cliAsync(tempDir(t), ['verify', String(id)], env);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(running.emu.emulator.refreshCount(), 1);
  assert.notEqual((await stored()).bot!.token, before.bot!.token);

  running.emu.emulator.setEventsUrl(TEST_APP.appId, undefined);
  await running.emu.emulator.uninstall('T0ACME0001', TEST_APP.appId);
  const refused = await cliAsync(tempDir(t), ['verify', '--all'], env);
  assert.match(refused.stderr, /invalid_refresh_token/);
  assert.equal((await running.app.store.installations.get(id))!.revokedReason, 'invalid_refresh_token');
});
