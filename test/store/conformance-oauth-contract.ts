// The conformance suite's @slack/oauth contract: what a Bolt app's InstallProvider reads and writes through the store.
import type { Installation } from '@slack/oauth';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { hook, type It, type StoreHarness } from './harness.js';

/** @slack/oauth's InstallationStore: every field round-trips, refreshes, deletes, rotation. */
export function oauthContractConformance(it: It, harness: StoreHarness): void {
  it("@slack/oauth's Installation contract: every field round-trips, refreshes update, deletes revoke, rotation re-seals all", async (t) => {
    const oldKey = randomBytes(32);
    const { store, open } = await harness.fresh(t, new SecretBox(oldKey));
    const full: Installation<'v2', false> = {
      ...hook(1),
      team: { id: 'T0CONTRACT', name: 'Contract & Co' },
      enterprise: { id: 'E0CONTRACT', name: 'Contract Org' },
      isEnterpriseInstall: false,
      user: {
        id: 'U0INSTALLER',
        token: 'xoxe.xoxp-1-u',
        scopes: ['chat:write'],
        refreshToken: 'xoxe-1-ur',
        expiresAt: 1_900_000_000,
      },
      bot: {
        token: 'xoxe.xoxb-1-b',
        refreshToken: 'xoxe-1-br',
        expiresAt: 1_900_000_100,
        scopes: ['incoming-webhook'],
        id: 'B0BOTID001',
        userId: 'U0BOTUSER1',
      },
      tokenType: 'bot',
      enterpriseUrl: 'https://contract-org.enterprise.slack.com/',
      authVersion: 'v2',
    };
    const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
    const query = { teamId: 'T0CONTRACT', enterpriseId: 'E0CONTRACT', isEnterpriseInstall: false } as const;
    await store.installations.storeInstallation(full);
    assert.deepEqual(plain(await store.installations.fetchInstallation(query)), plain(full));

    const fetched = await store.installations.fetchInstallation(query);
    fetched.bot = { ...fetched.bot!, token: 'xoxe.xoxb-1-new', refreshToken: 'xoxe-1-new', expiresAt: 1_950_000_000 };
    await store.installations.storeInstallation(fetched);
    assert.equal(await store.installations.count(), 1, 'a refresh is not another install');
    const id = (await store.installations.list())[0]!.id;
    assert.equal(
      await store.installations.refreshTokens(id, {
        bot: { token: 'xoxe.xoxb-1-newer', refreshToken: 'xoxe-1-newer', expiresAt: 1_960_000_000 },
      }),
      true,
    );
    const refreshed = (await store.installations.installation(id))!;
    assert.deepEqual(
      [refreshed.bot?.token, refreshed.bot?.refreshToken, refreshed.bot?.expiresAt, refreshed.user.token],
      ['xoxe.xoxb-1-newer', 'xoxe-1-newer', 1_960_000_000, full.user.token],
    );

    const org = { ...full, team: undefined, isEnterpriseInstall: true, incomingWebhook: hook(2).incomingWebhook };
    await store.installations.storeInstallation(org);
    const fromWorkspace = await store.installations.fetchInstallation({
      teamId: 'T0ORGSPACE',
      enterpriseId: 'E0CONTRACT',
      isEnterpriseInstall: false,
    });
    assert.equal(fromWorkspace.isEnterpriseInstall, true, 'a workspace of the org without its own install gets it');

    await store.close();
    const newKey = randomBytes(32);
    const rotating = await open(new SecretBox(newKey, [oldKey]));
    assert.equal(await rotating.installations.resealAll(), 2);
    await rotating.close();
    const after = await open(new SecretBox(newKey));
    t.after(() => after.close());
    assert.equal((await after.installations.installation(id))!.user.refreshToken, full.user.refreshToken);
    await after.installations.deleteInstallation({ ...query, userId: 'U0SOMEONE' });
    assert.equal((await after.installations.list({ revoked: true })).length, 0, 'another user names nothing');
    await after.installations.deleteInstallation(query);
    await assert.rejects(after.installations.fetchInstallation({ ...query, enterpriseId: undefined }));
    assert.equal(await after.installations.count(), 2, 'history is kept');
    assert.equal(
      await after.installations.refreshTokens(id, { bot: { token: 'x', refreshToken: 'y', expiresAt: 1 } }),
      false,
      'revoked',
    );
  });
}
