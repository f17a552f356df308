import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Browser, install, startApp, TEST_APP, type RunningApp } from './helpers.js';
import { fixture, replayed, type Json } from './slack-fixtures.js';

// Slack's published event envelopes (test/fixtures/slack/SOURCES.md), replayed through the server with only their
// ids swapped for the emulator's and event_time set to now (installs made after an event are not its subject).

const ORG = 'E0INITECH1';
const GRID_TEAM = 'T0INITECH1';
const GRID_USER = 'W0INITECH1';

async function send(running: RunningApp, body: Record<string, Json>): Promise<void> {
  const answer = await running.emu.emulator.sendEvent(TEST_APP.appId, body);
  assert.equal(answer.status, 200);
}

/** One org-wide install, one install in a workspace of the same org, one in a workspace outside it. */
async function installThree(t: TestContext) {
  const running = await startApp(t);
  const browser = new Browser();
  const orgWide = { team: GRID_TEAM, tamper: (f: Record<string, string>) => void (f.install_on = 'organization') };
  await install(browser, running.app.installUrl, orgWide);
  await install(browser, running.app.installUrl, { team: GRID_TEAM });
  await install(browser, running.app.installUrl, { team: 'T0ACME0001' });
  const rows = await running.app.store.installations.list();
  const org = rows.find((r) => r.isEnterpriseInstall)!;
  const grid = rows.find((r) => !r.isEnterpriseInstall && r.teamId === GRID_TEAM)!;
  const acme = rows.find((r) => r.teamId === 'T0ACME0001')!;
  assert.deepEqual([org.teamId, org.enterpriseId], [null, ORG], 'an org-wide install is stored for the org');
  assert.deepEqual([grid.teamId, grid.enterpriseId], [GRID_TEAM, ORG]);
  const active = async () => (await running.app.store.installations.list({ revoked: false })).map((r) => r.id).sort();
  return { running, org, grid, acme, active };
}

test('Slack’s org-wide app_uninstalled (enterprise_id, no team_id) revokes the org-wide install only', async (t) => {
  const { running, org, grid, acme, active } = await installThree(t);
  await send(running, replayed(fixture('events/app_uninstalled.org.json'), { E111: ORG, A111: TEST_APP.appId }));
  assert.deepEqual(await active(), [grid.id, acme.id].sort());
  const revoked = (await running.app.store.installations.get(org.id))!;
  assert.equal(revoked.revokedReason, 'app_uninstalled');
});

test('Slack’s Grid-workspace app_uninstalled (team_id and enterprise_id) revokes that workspace’s install only', async (t) => {
  const { running, org, acme, active } = await installThree(t);
  await send(
    running,
    replayed(fixture('events/app_uninstalled.grid-workspace.json'), {
      T111: GRID_TEAM,
      E111: ORG,
      A111: TEST_APP.appId,
    }),
  );
  assert.deepEqual(await active(), [org.id, acme.id].sort());
});

test('Slack’s workspace app_uninstalled revokes that workspace’s installs only', async (t) => {
  const { running, org, grid, active } = await installThree(t);
  await send(
    running,
    replayed(fixture('events/app_uninstalled.json'), { TXXXXXXXX: 'T0ACME0001', AXXXXXXXXX: TEST_APP.appId }),
  );
  assert.deepEqual(await active(), [org.id, grid.id].sort());
});

test('authorizations[] is read before team_id: an org-wide authorization revokes the org-wide install', async (t) => {
  const { running, grid, acme, active } = await installThree(t);
  // bolt-python's org-app envelope: top-level team_id T111, but authorizations[0] is the org-wide install
  // (team_id null, is_enterprise_install true). Only its inner event is swapped for app_uninstalled.
  const sample = fixture('events/app_home_opened.org.json');
  const body = replayed(sample, { T111: GRID_TEAM, E111: ORG, A111: TEST_APP.appId });
  await send(running, { ...body, event: { type: 'app_uninstalled' } });
  assert.deepEqual(await active(), [grid.id, acme.id].sort());
});

test('Slack’s org tokens_revoked names the installer: the org-wide install goes, the same user’s workspace install stays', async (t) => {
  const { running, grid, acme, active } = await installThree(t);
  await send(
    running,
    replayed(fixture('events/tokens_revoked.org.json'), {
      E111: ORG,
      A111: TEST_APP.appId,
      W111: GRID_USER,
      W222: 'W0NOBODY01',
    }),
  );
  assert.deepEqual(await active(), [grid.id, acme.id].sort());
});

test('Slack’s Grid-workspace tokens_revoked for a bot user revokes that workspace’s install', async (t) => {
  const { running, org, grid, acme, active } = await installThree(t);
  await send(
    running,
    replayed(fixture('events/tokens_revoked.grid-workspace.bot.json'), {
      T111: GRID_TEAM,
      E111: ORG,
      A111: TEST_APP.appId,
      W111: grid.botUserId!,
    }),
  );
  assert.deepEqual(await active(), [org.id, acme.id].sort());
});

test('the emulator’s own org-wide uninstall reaches the server and revokes the org-wide install', async (t) => {
  const { running, grid, acme, active } = await installThree(t);
  const deliveries = await running.emu.emulator.uninstall(ORG, TEST_APP.appId);
  assert.deepEqual(
    deliveries.map((d) => [d.type, d.status]),
    [
      ['app_uninstalled', 200],
      ['tokens_revoked', 200],
    ],
  );
  assert.deepEqual(await active(), [grid.id, acme.id].sort());
});

test('the emulator’s home page offers the org-wide uninstall on the org’s workspace, and it reaches the server', async (t) => {
  const { running, grid, acme, active } = await installThree(t);
  const home = await (await fetch(`${running.emu.url}/`)).text();
  const form = new RegExp(
    `<form method="post" action="([^"]+/workspaces/${ORG}/uninstall)" class="action">\\s*<input type="hidden" name="app_id" value="${TEST_APP.appId}">\\s*<button type="submit" data-uninstall="${ORG}"[^>]*>Uninstall [^<]+ from the whole Initech organization`,
  ).exec(home);
  assert.ok(form, 'an Uninstall button for the org-wide install');
  const res = await fetch(new URL(form[1]!, running.emu.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ app_id: TEST_APP.appId }),
    redirect: 'manual',
  });
  assert.equal(res.status, 303);
  assert.deepEqual(await active(), [grid.id, acme.id].sort());
  const after = await (await fetch(`${running.emu.url}/`)).text();
  assert.ok(!after.includes(`data-uninstall="${ORG}"`), 'no button once uninstalled');
});
