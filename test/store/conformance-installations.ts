// The conformance suite's installations: rows sealed at rest, filters and scans, revocation and pruning, key rotation.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { KeyError, SecretBox } from '../../src/crypto/secret-box.js';
import { hook, type It, type StoreHarness } from './harness.js';

/** Installations as the server and the CLI use them. */
export function installationConformance(it: It, harness: StoreHarness): void {
  it('every install is a new row, read back field by field, sealed at rest, with millisecond install times', async (t) => {
    const box = SecretBox.random();
    const { store } = await harness.fresh(t, box);
    const before = Date.now();
    const a = await store.installations.insert(hook(1));
    const b = await store.installations.insert(hook(1));
    assert.notEqual(a, b);
    assert.equal(await store.installations.count(), 2);
    const record = (await store.installations.get(a))!;
    assert.deepEqual(
      { ...record, installedAt: undefined },
      {
        id: a,
        teamId: 'T1',
        teamName: 'One',
        enterpriseId: null,
        enterpriseName: null,
        isEnterpriseInstall: false,
        channelId: 'C1',
        channelName: '#c',
        webhookUrl: 'https://hooks.example/services/T1/B1/secret1',
        configurationUrl: null,
        appId: 'A1',
        botUserId: 'UB1',
        botToken: 'xoxb-token-1',
        scopes: ['incoming-webhook', 'chat:write'],
        installerUserId: 'U1',
        installedAt: undefined,
        revokedAt: null,
        revokedReason: null,
      },
    );
    assert.ok(record.installedAt.getTime() >= before && record.installedAt.getTime() <= Date.now());
    assert.equal(await store.installations.get(9999), undefined);
    const raw = await harness.rawWebhookUrl(store, a);
    assert.ok(!raw.includes('secret1'), 'the webhook URL is sealed at rest');
    await assert.rejects(store.installations.insert(hook(3, { incomingWebhook: undefined })), /incoming webhook/);
  });

  it('list filters by team, channel and status; fetchInstallation finds the newest active one', async (t) => {
    const { store } = await harness.fresh(t, SecretBox.random());
    const one = await store.installations.insert(hook(1));
    const two = await store.installations.insert(hook(2));
    const other = await store.installations.insert(hook(3, { team: { id: 'T2', name: 'Two' } }));
    const org = await store.installations.insert(
      hook(4, { team: undefined, enterprise: { id: 'E1', name: 'Org' }, isEnterpriseInstall: true }),
    );
    assert.deepEqual(
      (await store.installations.list()).map((r) => r.id),
      [one, two, other, org],
    );
    assert.deepEqual(
      (await store.installations.list({ teamId: 'T1' })).map((r) => r.id),
      [one, two],
    );
    assert.deepEqual(
      (await store.installations.list({ channelId: 'C3' })).map((r) => r.id),
      [other],
    );
    assert.equal(await store.installations.revoke(two, 'by test'), true);
    assert.deepEqual(
      (await store.installations.list({ revoked: true })).map((r) => r.id),
      [two],
    );
    assert.deepEqual(
      (await store.installations.list({ revoked: false, teamId: 'T1' })).map((r) => r.id),
      [one],
    );
    const latest = await store.installations.fetchInstallation({
      teamId: 'T1',
      enterpriseId: undefined,
      isEnterpriseInstall: false,
    });
    assert.equal(latest.incomingWebhook?.channelId, 'C1', 'the revoked newer one is skipped');
    const ofOrg = await store.installations.fetchInstallation({
      teamId: undefined,
      enterpriseId: 'E1',
      isEnterpriseInstall: true,
    });
    assert.equal(ofOrg.incomingWebhook?.channelId, 'C4');
    assert.equal(ofOrg.isEnterpriseInstall, true);
    await assert.rejects(
      store.installations.fetchInstallation({ teamId: 'T9', enterpriseId: undefined, isEnterpriseInstall: false }),
    );
  });

  it('scans: pages after an id, limits, counts and iteration in id order, with the filters', async (t) => {
    const { store } = await harness.fresh(t, SecretBox.random());
    const ids: number[] = [];
    for (let n = 1; n <= 12; n++)
      ids.push(await store.installations.insert(hook(n, { team: { id: `T${n % 2}`, name: 'x' } })));
    await store.installations.revoke(ids[3]!, 'gone');
    assert.equal(await store.installations.count(), 12);
    assert.equal(await store.installations.count({ teamId: 'T0' }), 6);
    assert.equal(await store.installations.count({ revoked: false, after: ids[5] }), 6);
    assert.deepEqual(
      (await store.installations.list({ after: ids[2], limit: 3 })).map((r) => r.id),
      ids.slice(3, 6),
    );
    const seen: number[] = [];
    for await (const record of store.installations.iterate({ teamId: 'T1', revoked: false })) seen.push(record.id);
    assert.deepEqual(
      seen,
      ids.filter((id, i) => (i + 1) % 2 === 1 && id !== ids[3]),
    );
    const firstFive: number[] = [];
    for await (const record of store.installations.iterate({ limit: 5 })) firstFive.push(record.id);
    assert.deepEqual(firstFive, ids.slice(0, 5));
    for (const id of ids.slice(0, 7)) await store.installations.revoke(id, 'gone', new Date('2026-01-01T00:00:00Z'));
    const batches: number[] = [];
    const pruned = await store.installations.pruneRevokedBefore(new Date('2026-01-02T00:00:00Z'), {
      batchSize: 3,
      onBatch: (n) => batches.push(n),
    });
    assert.equal(pruned, 6, 'the one revoked later is kept');
    assert.deepEqual(batches, [3, 6]);
    assert.equal(await store.installations.count(), 6);
  });

  it('iterate: while another connection inserts and revokes, every row there from the start comes once, in id order', async (t) => {
    const box = SecretBox.random();
    const { store, open } = await harness.fresh(t, box);
    const initial: number[] = [];
    // More than two of PostgreSQL's pages (500 rows), so that writes land between pages as well as within one.
    for (let n = 1; n <= 1100; n++) initial.push(await store.installations.insert(hook(n)));
    const other = await open(box);
    t.after(() => other.close());
    const seen: number[] = [];
    const added: number[] = [];
    for await (const record of store.installations.iterate()) {
      seen.push(record.id);
      if (seen.length % 250 === 0) {
        added.push(await other.installations.insert(hook(5000 + seen.length)));
        assert.ok(await other.installations.revoke(initial.at(-seen.length / 250)!, 'meanwhile'), 'a row not read yet');
      }
    }
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `in id order, none twice (${seen[i]})`);
    assert.deepEqual(
      seen.filter((id) => id <= initial.at(-1)!),
      initial,
      'every row there from the start, revoked meanwhile or not',
    );
    // Rows added meanwhile come after them; whether each is seen depends on the database (SQLite reads one snapshot,
    // PostgreSQL's pages each their own), never twice.
    assert.ok(seen.filter((id) => id > initial.at(-1)!).every((id) => added.includes(id)));
  });

  it('revocation: once per row, by workspace or org before the event was sent, by named users; prune only revoked', async (t) => {
    const { store } = await harness.fresh(t, SecretBox.random());
    const [a, b, c] = [
      await store.installations.insert(hook(1)),
      await store.installations.insert(hook(2)),
      await store.installations.insert(hook(3, { team: { id: 'T2', name: 'Two' } })),
    ];
    const org = await store.installations.insert(
      hook(4, { team: undefined, enterprise: { id: 'E1', name: 'Org' }, isEnterpriseInstall: true }),
    );
    assert.equal(await store.installations.revoke(a, 'first'), true);
    assert.equal(await store.installations.revoke(a, 'again'), false);
    assert.equal(await store.installations.revoke(12345, 'none'), false);
    assert.equal((await store.installations.get(a))!.revokedReason, 'first');

    const past = new Date(Date.now() - 60_000);
    assert.equal(await store.installations.revokeWorkspace({ teamId: 'T1', isEnterpriseInstall: false }, 'x', past), 0);
    assert.equal(
      await store.installations.revokeWorkspace(
        { teamId: 'T1', isEnterpriseInstall: false },
        'app_uninstalled',
        new Date(),
      ),
      1,
    );
    assert.equal((await store.installations.get(b))!.revokedReason, 'app_uninstalled');
    assert.equal(
      await store.installations.revokeWorkspace({ enterpriseId: 'E1', isEnterpriseInstall: true }, 'org', new Date()),
      1,
    );
    assert.ok((await store.installations.get(org))!.revokedAt !== null);

    assert.equal(
      await store.installations.revokeByUsers(
        { teamId: 'T2' },
        { botUserIds: ['UB9'], installerUserIds: ['U9'] },
        'tokens_revoked',
        new Date(),
      ),
      0,
    );
    assert.equal(
      await store.installations.revokeByUsers(
        { teamId: 'T2' },
        { botUserIds: ['UB3'], installerUserIds: [] },
        'tokens_revoked',
        new Date(),
      ),
      1,
    );
    assert.equal((await store.installations.get(c))!.revokedReason, 'tokens_revoked');

    const active = await store.installations.insert(hook(5));
    const when = new Date('2026-01-10T00:00:00Z');
    await store.installations.revoke(active, 'kept', new Date('2026-02-01T00:00:00Z'));
    assert.equal(await store.installations.pruneRevokedBefore(when), 0);
    const fresh = await store.installations.insert(hook(6));
    assert.equal(await store.installations.pruneRevokedBefore(new Date(Date.now() + 1000)), 5);
    assert.deepEqual(
      (await store.installations.list()).map((r) => r.id),
      [fresh],
      'active installations are never pruned',
    );
  });

  it('key rotation: an unknown key stops opening, old keys still read, resealAll moves every row to the new key', async (t) => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const { store, open } = await harness.fresh(t, new SecretBox(oldKey));
    await store.installations.insert(hook(1));
    await store.installations.insert(hook(2));
    await store.close();
    await assert.rejects(open(new SecretBox(newKey)), KeyError);
    const during = await open(new SecretBox(newKey, [oldKey]));
    assert.equal((await during.installations.get(1))!.webhookUrl, hook(1).incomingWebhook!.url);
    await during.installations.insert(hook(3));
    // Rows under two keys: a store given a third names both (found by one index seek per key id, on both databases).
    const keyIds = [new SecretBox(oldKey).keyId, new SecretBox(newKey).keyId];
    await assert.rejects(open(new SecretBox(randomBytes(32))), (err: Error) => {
      assert.ok(err instanceof KeyError);
      for (const id of keyIds) assert.ok(err.message.includes(id), `${err.message} names ${id}`);
      return true;
    });
    assert.equal(await during.installations.resealAll(), 2);
    assert.equal(await during.installations.resealAll(), 0);
    await during.close();
    const after = await open(new SecretBox(newKey));
    t.after(() => after.close());
    for (const n of [1, 2, 3]) assert.equal((await after.installations.get(n))!.botToken, `xoxb-token-${n}`);
  });
}
