import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { InstallProvider, type Installation } from '@slack/oauth';
// Through the package's public entry point, as a Bolt app would import it.
import { openInstallationStore } from 'slack-webhook-installer/store';
import { Browser, install, startApp, startEmulator, TEST_APP, tempDir } from './helpers.js';

const ACME = 'T0ACME0001';
const GRID_TEAM = 'T0INITECH1';
const ORG = 'E0INITECH1';

/** The server with installs made through its install link: Acme, the Initech org org-wide, and Globex. */
async function serverWithInstalls(t: TestContext) {
  const key = randomBytes(32).toString('base64');
  const databasePath = join(tempDir(t), 'installations.db');
  const running = await startApp(t, { ENCRYPTION_KEY: key, DATABASE_PATH: databasePath });
  const browser = new Browser();
  await install(browser, running.app.installUrl, { team: ACME });
  await install(browser, running.app.installUrl, {
    team: GRID_TEAM,
    tamper: (f) => void (f.install_on = 'organization'),
  });
  await install(browser, running.app.installUrl, { team: 'T0GLOBEX01' });
  const store = await openInstallationStore({ databasePath, encryptionKey: key });
  t.after(() => store.close());
  const provider = new InstallProvider({
    clientId: TEST_APP.clientId,
    clientSecret: TEST_APP.clientSecret,
    stateSecret: 'not used: this test only authorizes',
    installationStore: store,
    clientOptions: { slackApiUrl: `${running.emu.url}/api/` },
  });
  return { running, store, provider, key, databasePath };
}

/** The bot token the emulator handed out for a workspace (T…) or org (E…), checked with auth.test. */
async function authTest(emuUrl: string, token: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${emuUrl}/api/auth.test`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  return (await res.json()) as Record<string, unknown>;
}

test('InstallProvider.authorize finds a workspace install and an org-wide one through the entry point', async (t) => {
  const { running, provider } = await serverWithInstalls(t);

  const workspace = await provider.authorize({ teamId: ACME, enterpriseId: undefined, isEnterpriseInstall: false });
  assert.ok(workspace.botToken);
  const acme = await authTest(running.emu.url, workspace.botToken);
  assert.deepEqual([acme.ok, acme.team_id, acme.user_id], [true, ACME, workspace.botUserId]);
  assert.equal(workspace.teamId, ACME);

  const org = await provider.authorize({ teamId: undefined, enterpriseId: ORG, isEnterpriseInstall: true });
  assert.ok(org.botToken);
  const orgAuth = await authTest(running.emu.url, org.botToken);
  assert.deepEqual([orgAuth.ok, orgAuth.enterprise_id, orgAuth.is_enterprise_install], [true, ORG, true]);
  assert.equal(org.enterpriseId, ORG);

  // An event from one of the org's workspaces: Bolt asks with that workspace and the org.
  const fromWorkspace = await provider.authorize({ teamId: GRID_TEAM, enterpriseId: ORG, isEnterpriseInstall: true });
  assert.equal(fromWorkspace.botToken, org.botToken);
  const noOwnInstall = await provider.authorize({ teamId: GRID_TEAM, enterpriseId: ORG, isEnterpriseInstall: false });
  assert.equal(noOwnInstall.botToken, org.botToken, 'a workspace of the org with no install of its own');
});

test('the latest install wins; unknown and revoked workspaces throw', async (t) => {
  const { running, store, provider } = await serverWithInstalls(t);
  const query = { teamId: ACME, enterpriseId: undefined, isEnterpriseInstall: false } as const;
  const first = await store.fetchInstallation(query);
  const newer: Installation = {
    ...first,
    bot: { ...first.bot!, token: 'xoxb-newer-install', userId: 'U0NEWERBOT' },
    incomingWebhook: { ...first.incomingWebhook!, url: 'https://hooks.slack.com/services/T0ACME0001/B0NEW/x' },
  };
  await store.storeInstallation(newer);
  assert.equal((await provider.authorize(query)).botToken, 'xoxb-newer-install');
  assert.equal((await store.fetchInstallation(query)).incomingWebhook?.url, newer.incomingWebhook!.url);

  await assert.rejects(
    provider.authorize({ teamId: 'T0NOSUCH01', enterpriseId: undefined, isEnterpriseInstall: false }),
  );

  // Uninstalled in Slack: the server revokes Globex's installs from the events, and authorize then throws.
  const deliveries = await running.emu.emulator.uninstall('T0GLOBEX01', TEST_APP.appId);
  assert.ok(deliveries.every((d) => d.status === 200));
  await assert.rejects(
    provider.authorize({ teamId: 'T0GLOBEX01', enterpriseId: undefined, isEnterpriseInstall: false }),
  );
  // deleteInstallation through the entry point revokes too, and keeps the rows.
  await store.deleteInstallation(query);
  await assert.rejects(provider.authorize(query));
  assert.equal(await running.app.store.installations.count(), 4);
});

test('openInstallationStore refuses what it cannot open, naming the option', async (t) => {
  await assert.rejects(openInstallationStore({ encryptionKey: randomBytes(32).toString('base64') }), /databasePath/);
  await assert.rejects(
    openInstallationStore({ databasePath: join(tempDir(t), 'x.db'), encryptionKey: 'too-short' }),
    /encryptionKey/,
  );
  await assert.rejects(
    openInstallationStore({ databaseUrl: 'mysql://localhost/x', encryptionKey: randomBytes(32).toString('hex') }),
    /databaseUrl must be a PostgreSQL URL/,
  );
});

test('InstallProvider.authorize refreshes an expiring rotating token through the entry point: the install’s row is updated, not duplicated', async (t) => {
  const key = randomBytes(32).toString('base64');
  const databasePath = join(tempDir(t), 'installations.db');
  const emu = await startEmulator(t, [{ ...TEST_APP, tokenRotation: true, tokenLifetimeSeconds: 60 * 60 }]);
  const running = await startApp(t, { ENCRYPTION_KEY: key, DATABASE_PATH: databasePath }, { emu });
  await install(new Browser(), running.app.installUrl, { team: ACME });
  const store = await openInstallationStore({ databasePath, encryptionKey: key });
  t.after(() => store.close());
  const provider = new InstallProvider({
    clientId: TEST_APP.clientId,
    clientSecret: TEST_APP.clientSecret,
    stateSecret: 'not used: this test only authorizes',
    installationStore: store,
    clientOptions: { slackApiUrl: `${emu.url}/api/` },
  });
  const query = { teamId: ACME, enterpriseId: undefined, isEnterpriseInstall: false } as const;
  const before = await store.fetchInstallation(query);
  const authorized = await provider.authorize(query);
  assert.equal(emu.emulator.refreshCount(), 1, 'a token within 2 hours of expiry is refreshed by @slack/oauth');
  assert.notEqual(authorized.botToken, before.bot!.token);
  const after = await store.fetchInstallation(query);
  assert.equal(after.bot!.token, authorized.botToken);
  assert.equal(after.bot!.refreshToken, authorized.botRefreshToken);
  assert.equal(await running.app.store.installations.count(), 1, 'the refresh is not recorded as another install');
  assert.equal(after.incomingWebhook?.url, before.incomingWebhook?.url);
});
