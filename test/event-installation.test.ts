// Which installation an event is about: authorizations[0] (the installation Slack delivers the event for) before
// the envelope's team_id and enterprise_id, as in a shared channel, where the envelope names the workspace the
// event happened in. Bodies are Slack's published samples (test/fixtures/slack/) with their ids swapped.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Browser, install, startApp, TEST_APP } from './helpers.js';
import { fixture, replayed, type Json } from './slack-fixtures.js';
import { captureLogs, requestLines } from './support/logs.js';

const ORG = 'E0INITECH1';
const GRID_TEAM = 'T0INITECH1';
const ACME = 'T0ACME0001';

const swapped = (name: string, ids: Record<string, string>) => replayed(fixture(name), ids);

/** One org-wide install, one in a workspace of that org, one in a workspace outside it; the request log. */
async function installThree(t: TestContext) {
  const logs = captureLogs('info');
  const running = await startApp(t, { LOG_LEVEL: 'info' }, { logger: logs.logger });
  const browser = new Browser();
  const orgWide = { team: GRID_TEAM, tamper: (f: Record<string, string>) => void (f.install_on = 'organization') };
  await install(browser, running.app.installUrl, orgWide);
  await install(browser, running.app.installUrl, { team: GRID_TEAM });
  await install(browser, running.app.installUrl, { team: ACME });
  const rows = await running.app.store.installations.list();
  const ids = {
    org: rows.find((r) => r.isEnterpriseInstall)!.id,
    grid: rows.find((r) => !r.isEnterpriseInstall && r.teamId === GRID_TEAM)!.id,
    acme: rows.find((r) => r.teamId === ACME)!.id,
  };
  const left = async () => {
    const active = new Set((await running.app.store.installations.list({ revoked: false })).map((r) => r.id));
    return Object.entries(ids)
      .filter(([, id]) => active.has(id))
      .map(([name]) => name);
  };
  const send = async (body: Record<string, Json>) => {
    assert.equal((await running.emu.emulator.sendEvent(TEST_APP.appId, body)).status, 200);
    return requestLines(logs.lines, '/slack/events').at(-1)!;
  };
  return { left, send };
}

/** bolt-python's org-app envelope (app_home_opened) as an uninstall, from Acme, for the authorization given. */
function uninstallFor(authorization: Record<string, Json>): Record<string, Json> {
  const body = swapped('events/app_home_opened.org.json', { T111: ACME, A111: TEST_APP.appId });
  const [first] = body.authorizations as Record<string, Json>[];
  const { enterprise_id: _enterprise, ...envelope } = body; // Acme is in no org
  return { ...envelope, event: { type: 'app_uninstalled' }, authorizations: [{ ...first, ...authorization }] };
}

test('a workspace authorization decides, not the envelope’s team_id: the Grid workspace’s install goes', async (t) => {
  const { left, send } = await installThree(t);
  const logged = await send(
    uninstallFor({ team_id: GRID_TEAM, enterprise_id: ORG, is_enterprise_install: false, user_id: 'W0INITECH1' }),
  );
  assert.deepEqual(await left(), ['org', 'acme']);
  assert.deepEqual([logged.teamId, logged.isEnterpriseInstall, logged.revoked], [GRID_TEAM, false, 1]);
});

test('an org-wide authorization names the org even when the envelope does not: the org-wide install goes', async (t) => {
  const { left, send } = await installThree(t);
  const logged = await send(uninstallFor({ team_id: null, enterprise_id: ORG, is_enterprise_install: true }));
  assert.deepEqual(await left(), ['grid', 'acme']);
  assert.deepEqual([logged.enterpriseId, logged.isEnterpriseInstall, logged.revoked], [ORG, true, 1]);
});

test('an is_enterprise_install on the envelope (where bolt also reads it) is honoured: the org-wide install goes', async (t) => {
  const { left, send } = await installThree(t);
  const body = swapped('events/app_uninstalled.grid-workspace.json', {
    T111: GRID_TEAM,
    E111: ORG,
    A111: TEST_APP.appId,
  });
  await send({ ...body, is_enterprise_install: true });
  assert.deepEqual(await left(), ['grid', 'acme']);
  await send({ ...body, event_id: 'Ev0SECOND01', is_enterprise_install: false });
  assert.deepEqual(await left(), ['acme'], 'false is a workspace’s');
});

test('an uninstall naming neither a workspace nor an org revokes nothing, and is read as a workspace’s', async (t) => {
  const { left, send } = await installThree(t);
  const { team_id: _team, ...body } = swapped('events/app_uninstalled.json', { AXXXXXXXXX: TEST_APP.appId });
  const logged = await send(body);
  assert.deepEqual(await left(), ['org', 'grid', 'acme']);
  assert.deepEqual(
    [logged.teamId, logged.enterpriseId, logged.isEnterpriseInstall, logged.revoked],
    [undefined, undefined, false, 0],
  );
});
