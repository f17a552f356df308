import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Installation } from '@slack/oauth';
import { SecretBox } from '../src/crypto/secret-box.js';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { Browser, install, startApp, startEmulator, TEST_APP, tempDir } from './helpers.js';

// storeInstallation → fetchInstallation gives back every field of @slack/oauth's Installation that was stored.

const FULL: Installation<'v2', false> = {
  team: { id: 'T0CONTRACT', name: 'Contract & Co' },
  enterprise: { id: 'E0CONTRACT', name: 'Contract Org' },
  isEnterpriseInstall: false,
  user: {
    id: 'U0INSTALLER',
    token: 'xoxe.xoxp-1-user-token',
    scopes: ['search:read', 'chat:write'],
    refreshToken: 'xoxe-1-user-refresh',
    expiresAt: 1_900_000_000,
  },
  bot: {
    token: 'xoxe.xoxb-1-bot-token',
    refreshToken: 'xoxe-1-bot-refresh',
    expiresAt: 1_900_000_100,
    scopes: ['incoming-webhook', 'chat:write'],
    id: 'B0BOTID001',
    userId: 'U0BOTUSER1',
  },
  incomingWebhook: {
    url: 'https://hooks.slack.com/services/T0CONTRACT/B0HOOK0001/abcdefghijklmnopqrstuvwx',
    channel: '#alerts',
    channelId: 'C0ALERTS01',
    configurationUrl: 'https://contract.slack.com/services/B0HOOK0001',
  },
  appId: 'A0CONTRACT',
  tokenType: 'bot',
  enterpriseUrl: 'https://contract-org.enterprise.slack.com/',
  authVersion: 'v2',
};

const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

async function openTemp(t: Parameters<typeof tempDir>[0], box = new SecretBox(randomBytes(32))) {
  const path = join(tempDir(t), 'installations.db');
  const store = await SqliteStore.open(path, box);
  t.after(() => store.close());
  return { store, path, box };
}

test('every field stored comes back, and the tokens are sealed per column', async (t) => {
  const { store } = await openTemp(t);
  await store.installations.storeInstallation(FULL);
  const fetched = await store.installations.fetchInstallation({
    teamId: 'T0CONTRACT',
    enterpriseId: 'E0CONTRACT',
    isEnterpriseInstall: false,
  });
  assert.deepEqual(plain(fetched), plain(FULL));

  const row = store.db.prepare('SELECT * FROM installations').get() as Record<string, unknown>;
  const raw = JSON.stringify(row);
  for (const secret of ['xoxe.xoxp-1-user-token', 'xoxe-1-user-refresh', 'xoxe.xoxb-1-bot-token', 'xoxe-1-bot-refresh'])
    assert.ok(!raw.includes(secret), `${secret} is stored in the clear`);
  // A ciphertext moved to another column does not open there (associated data names the column).
  store.db.prepare('UPDATE installations SET bot_refresh_token = user_refresh_token').run();
  await assert.rejects(
    store.installations.fetchInstallation({
      teamId: 'T0CONTRACT',
      enterpriseId: undefined,
      isEnterpriseInstall: false,
    }),
  );
});

test('an org-wide install round-trips, and a workspace of the org without its own install gets it', async (t) => {
  const { store } = await openTemp(t);
  const org: Installation<'v2', true> = {
    ...FULL,
    team: undefined,
    isEnterpriseInstall: true,
    enterprise: { id: 'E0CONTRACT', name: 'Contract Org' },
  };
  await store.installations.storeInstallation(org);
  const query = { teamId: undefined, enterpriseId: 'E0CONTRACT', isEnterpriseInstall: true } as const;
  assert.deepEqual(plain(await store.installations.fetchInstallation(query)), plain(org));
  const fromWorkspace = await store.installations.fetchInstallation({
    teamId: 'T0ORGSPACE',
    enterpriseId: 'E0CONTRACT',
    isEnterpriseInstall: false,
  });
  assert.equal(fromWorkspace.bot?.token, FULL.bot!.token);
});

test('a refresh stored by @slack/oauth updates the install instead of adding one; key rotation re-seals every token', async (t) => {
  const { store } = await openTemp(t);
  await store.installations.storeInstallation(FULL);
  const fetched = await store.installations.fetchInstallation({
    teamId: 'T0CONTRACT',
    enterpriseId: undefined,
    isEnterpriseInstall: false,
  });
  // What InstallProvider.authorize does after refreshing: the same installation, new tokens, stored again.
  fetched.bot = { ...fetched.bot!, token: 'xoxe.xoxb-1-new', refreshToken: 'xoxe-1-new', expiresAt: 1_950_000_000 };
  await store.installations.storeInstallation(fetched);
  assert.equal(await store.installations.count(), 1);
  const again = await store.installations.fetchInstallation({
    teamId: 'T0CONTRACT',
    enterpriseId: undefined,
    isEnterpriseInstall: false,
  });
  assert.deepEqual(
    [again.bot?.token, again.bot?.refreshToken, again.bot?.expiresAt],
    ['xoxe.xoxb-1-new', 'xoxe-1-new', 1_950_000_000],
  );
  assert.equal(again.user.token, FULL.user.token);

  // Rotate the key: every sealed column opens under the new one, with the old one gone.
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  await store.close();
  const rotatePath = join(tempDir(t), 'rotate.db');
  const first = await SqliteStore.open(rotatePath, new SecretBox(oldKey));
  await first.installations.storeInstallation(FULL);
  await first.close();
  const rotating = await SqliteStore.open(rotatePath, new SecretBox(newKey, [oldKey]));
  assert.equal(await rotating.installations.resealAll(), 1);
  await rotating.close();
  const after = await SqliteStore.open(rotatePath, new SecretBox(newKey));
  t.after(() => after.close());
  const rotated = await after.installations.fetchInstallation({
    teamId: 'T0CONTRACT',
    enterpriseId: undefined,
    isEnterpriseInstall: false,
  });
  assert.deepEqual(plain(rotated), plain(FULL));
});

test('deleteInstallation revokes what the query names and keeps it as history', async (t) => {
  const { store } = await openTemp(t);
  const other = { ...FULL, user: { ...FULL.user, id: 'U0OTHER001', token: undefined, scopes: undefined } };
  await store.installations.storeInstallation(FULL);
  await store.installations.storeInstallation({
    ...other,
    incomingWebhook: { ...FULL.incomingWebhook!, url: `${FULL.incomingWebhook!.url}x` },
  });
  const query = { teamId: 'T0CONTRACT', enterpriseId: undefined, isEnterpriseInstall: false } as const;
  await store.installations.deleteInstallation({ ...query, userId: 'U0OTHER001' });
  let rows = await store.installations.list();
  assert.deepEqual(
    rows.map((r) => [r.installerUserId, r.revokedReason]),
    [
      ['U0INSTALLER', null],
      ['U0OTHER001', 'deleteInstallation'],
    ],
  );
  assert.equal((await store.installations.fetchInstallation(query)).user.id, 'U0INSTALLER');
  await store.installations.deleteInstallation(query);
  rows = await store.installations.list();
  assert.equal(rows.length, 2, 'history is kept');
  assert.ok(rows.every((r) => r.revokedAt !== null));
  await assert.rejects(store.installations.fetchInstallation(query));
});

test('rows from before these columns read as the v2 bot installs they were', async (t) => {
  const { store, box } = await openTemp(t);
  store.db
    .prepare(
      `INSERT INTO installations (team_id, team_name, is_enterprise_install, channel_id, channel_name, webhook_url,
        bot_user_id, bot_token, scopes, installer_user_id, installed_at, key_id)
       VALUES ('T0OLDROW01', 'Old', 0, 'C0OLD00001', 'old', ?, 'U0OLDBOT01', ?, 'incoming-webhook', 'U0OLDUSER1', 1, ?)`,
    )
    .run(
      box.encrypt('https://hooks.slack.com/services/T0OLDROW01/B0OLD00001/secret', 'installations.webhook_url'),
      box.encrypt('xoxb-old', 'installations.bot_token'),
      box.keyId,
    );
  const old = await store.installations.fetchInstallation({
    teamId: 'T0OLDROW01',
    enterpriseId: undefined,
    isEnterpriseInstall: false,
  });
  assert.deepEqual(
    [old.authVersion, old.tokenType, old.bot?.token, old.bot?.id, old.user.token],
    ['v2', 'bot', 'xoxb-old', '', undefined],
  );
});

test('the OAuth callback stores a rotating app’s refresh token and expiry, and the user token it was given', async (t) => {
  const emu = await startEmulator(t, [{ ...TEST_APP, tokenRotation: true }]);
  const { app } = await startApp(t, {}, { emu });
  const before = Math.floor(Date.now() / 1000);
  await install(new Browser(), app.installUrl);
  const [record] = await app.store.installations.list();
  const stored = (await app.store.installations.installation(record!.id))!;
  assert.match(stored.bot!.token, /^xoxe\.xoxb-/);
  assert.match(stored.bot!.refreshToken ?? '', /^xoxe-1-/);
  assert.ok(
    stored.bot!.expiresAt! >= before + 43200 && stored.bot!.expiresAt! <= Math.floor(Date.now() / 1000) + 43200,
  );
  assert.equal(stored.authVersion, 'v2');
});
