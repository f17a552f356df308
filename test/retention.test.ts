import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Installation } from '@slack/oauth';
import { buildApp } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { openStore } from '../src/store/index.js';
import { ACME, tempDir, testConfig, TEST_APP } from './helpers.js';

// ASVS 14.2.7: REVOKED_RETENTION_DAYS deletes revoked installations past that age, at start-up and daily.

const DAY = 24 * 60 * 60 * 1000;

function installation(channel: string): Installation {
  return {
    team: { id: ACME, name: 'Acme' },
    enterprise: undefined,
    isEnterpriseInstall: false,
    user: { id: 'U1', token: undefined, scopes: undefined },
    bot: undefined,
    incomingWebhook: {
      url: `https://hooks.slack.com/services/${ACME}/B0${channel}/secret`,
      channel,
      channelId: channel,
    },
    appId: TEST_APP.appId,
  };
}

test('REVOKED_RETENTION_DAYS: revoked rows older than that go at start-up; newer revoked and active rows stay', async (t) => {
  const config = testConfig({ DATABASE_PATH: join(tempDir(t), 'installations.db'), REVOKED_RETENTION_DAYS: '30' });
  const store = await openStore(config);
  const ids: Record<string, number> = {};
  for (const name of ['COLD', 'RECENT', 'ACTIVE', 'OLDACTIVE'])
    ids[name] = await store.installations.insert(installation(`C0${name}`));
  await store.installations.revoke(ids.COLD!, 'app_uninstalled', new Date(Date.now() - 31 * DAY));
  await store.installations.revoke(ids.RECENT!, 'app_uninstalled', new Date(Date.now() - 29 * DAY));
  await store.close();

  const app = await buildApp(config, { logger: false });
  t.after(() => app.close());
  await app.ready();
  assert.ok(app.retention, 'retention is on');
  assert.equal(await app.retention.lastRun, 1, 'the start-up run deleted the one row revoked 31 days ago');
  assert.deepEqual((await app.store.installations.list()).map((r) => r.channelId).sort(), [
    'C0ACTIVE',
    'C0OLDACTIVE',
    'C0RECENT',
  ]);
  assert.equal(await app.retention.run(), 0, 'a second run finds nothing more');

  // The daily run's timer does not keep the process alive, and is gone once the app closes.
  assert.equal(app.retention.timer?.hasRef(), false);
  await app.close();
  assert.equal(app.retention.timer, undefined);
});

test('without REVOKED_RETENTION_DAYS revoked installations are kept forever; a bad value stops start-up', async (t) => {
  const config = testConfig({ DATABASE_PATH: join(tempDir(t), 'installations.db') });
  const app = await buildApp(config, { logger: false });
  t.after(() => app.close());
  await app.ready();
  assert.equal(app.retention, undefined);
  assert.equal(
    loadConfig({ SLACK_CLIENT_ID: '1.2', SLACK_CLIENT_SECRET: 's', REVOKED_RETENTION_DAYS: 'forever' })
      .revokedRetentionDays,
    undefined,
  );
  for (const bad of ['0', '-3', '1.5', 'a year'])
    assert.throws(
      () => loadConfig({ SLACK_CLIENT_ID: '1.2', SLACK_CLIENT_SECRET: 's', REVOKED_RETENTION_DAYS: bad }),
      (err: unknown) =>
        err instanceof ConfigError && /^REVOKED_RETENTION_DAYS must be a whole number/.test(err.message),
    );
});
