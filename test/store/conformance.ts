// One suite for every Store implementation, written once against the interface (src/store/types.ts): what the
// server and the CLI rely on, whichever database is behind it.
import type { Installation } from '@slack/oauth';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { KeyError, SecretBox } from '../../src/crypto/secret-box.js';
import { LANDING_SESSION_MAX_USES, LANDING_SESSION_TTL_MS } from '../../src/store/landing-sessions.js';
import type { Store } from '../../src/store/types.js';

export interface StoreHarness {
  /** A store on a new, empty database of its own. */
  fresh(t: TestContext, box: SecretBox): Promise<{ store: Store; open: (box: SecretBox) => Promise<Store> }>;
  /** The sealed webhook_url column of a row as the database holds it. */
  rawWebhookUrl(store: Store, id: number): Promise<string>;
}

export function hook(n: number, over: Partial<Installation> = {}): Installation {
  return {
    team: { id: 'T1', name: 'One' },
    enterprise: undefined,
    isEnterpriseInstall: false,
    user: { id: `U${n}`, token: undefined, scopes: undefined },
    bot: { token: `xoxb-token-${n}`, scopes: ['incoming-webhook', 'chat:write'], id: '', userId: `UB${n}` },
    incomingWebhook: { url: `https://hooks.example/services/T1/B${n}/secret${n}`, channel: '#c', channelId: `C${n}` },
    appId: 'A1',
    ...over,
  };
}

export function conformance(name: string, harness: StoreHarness, skip: string | false = false): void {
  // node:test runs and awaits each test itself.
  const it = (title: string, fn: (t: TestContext) => Promise<void>): void =>
    void test(`${name}: ${title}`, { skip }, fn);

  it('migrated to the last shipped migration, and answers a ping', async (t) => {
    const { store } = await harness.fresh(t, SecretBox.random());
    assert.equal(await store.schemaVersion(), store.shippedVersion);
    assert.ok(store.shippedVersion >= 4);
    assert.equal(await store.ping(), true);
  });

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

  it('seen events: an event_id is new once within the hour, across stores on the database; forget undoes it', async (t) => {
    const box = SecretBox.random();
    const { store, open } = await harness.fresh(t, box);
    const other = await open(box);
    t.after(() => other.close());
    const now = Date.now();
    const firsts = await Promise.all([store, other, store, other].map((s) => s.seenEvents.firstSighting('Ev1', now)));
    assert.equal(firsts.filter(Boolean).length, 1, 'a retry on any replica is seen as one');
    await store.seenEvents.forget('Ev1');
    assert.equal(await other.seenEvents.firstSighting('Ev1', now), true, 'forgotten: handled again');
    assert.equal(await store.seenEvents.firstSighting('Ev1', now + 30 * 60 * 1000), false);
    assert.equal(await store.seenEvents.firstSighting('Ev1', now + 61 * 60 * 1000), true, 'remembered for an hour');
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

  it('OAuth states: signed, expiring after 10 minutes, used once, also by another store on the same database', async (t) => {
    const box = SecretBox.random();
    const { store, open } = await harness.fresh(t, box);
    const state = await store.oauthStates.generateStateParam({ scopes: [] }, new Date());
    assert.match(state, /^v1[A-Za-z0-9_-]{51}$/);
    const tampered = `${state.slice(0, 10)}${state[10] === 'A' ? 'B' : 'A'}${state.slice(11)}`;
    await assert.rejects(store.oauthStates.claim(new Date(), tampered), { reason: 'unknown' });
    await assert.rejects(store.oauthStates.claim(new Date(Date.now() + 11 * 60 * 1000), state), { reason: 'expired' });
    const claim = await store.oauthStates.claim(new Date(), state);
    await assert.rejects(store.oauthStates.claim(new Date(), state), { reason: 'used' }, 'held by a flow');
    await store.oauthStates.spend(claim);
    store.oauthStates.release(claim);
    await assert.rejects(store.oauthStates.claim(new Date(), state), { reason: 'used' }, 'spent');
    const other = await open(box);
    t.after(() => other.close());
    await assert.rejects(other.oauthStates.verifyStateParam(new Date(), state), { reason: 'used' });
    const second = await other.oauthStates.generateStateParam({ scopes: [] }, new Date());
    assert.deepEqual(await store.oauthStates.verifyStateParam(new Date(), second), { scopes: [] });
    const { store: elsewhere } = await harness.fresh(t, SecretBox.random());
    const third = await store.oauthStates.generateStateParam({ scopes: [] }, new Date());
    await assert.rejects(elsewhere.oauthStates.claim(new Date(), third), { reason: 'unknown' }, 'another key');
  });

  it('recordInstall stores the install and its landing session, uses the state, and one bad install spoils no other', async (t) => {
    const { store } = await harness.fresh(t, SecretBox.random());
    const claims = await Promise.all(
      [1, 2, 3].map(async () =>
        store.oauthStates.claim(new Date(), await store.oauthStates.generateStateParam({ scopes: [] }, new Date())),
      ),
    );
    const recorded = await Promise.allSettled(
      [1, 2, 3].map((n, i) =>
        store.recordInstall(n === 2 ? hook(2, { incomingWebhook: undefined }) : hook(n), claims[i]!),
      ),
    );
    assert.deepEqual(
      recorded.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal(await store.installations.count(), 2);
    const third = (recorded[2] as PromiseFulfilledResult<{ id: number; session: string; csrf: string }>).value;
    assert.equal((await store.installations.get(third.id))!.webhookUrl, hook(3).incomingWebhook!.url);
    const used = await store.oauthStates.generateStateParam({ scopes: [] }, new Date());
    const claim = await store.oauthStates.claim(new Date(), used);
    await store.recordInstall(hook(4), claim);
    store.oauthStates.release(claim);
    await assert.rejects(store.oauthStates.claim(new Date(), used), { reason: 'used' });
  });

  it('landing sessions: the CSRF token must match, uses are counted to the limit, and sessions expire', async (t) => {
    const { store } = await harness.fresh(t, SecretBox.random());
    const id = await store.installations.insert(hook(1));
    const { session, csrf } = await store.landingSessions.create(id);
    assert.deepEqual(await store.landingSessions.use(session, 'wrong'), { refused: 'bad_csrf' });
    assert.deepEqual(await store.landingSessions.use('nope', csrf), { refused: 'unknown' });
    const uses = await Promise.all(
      Array.from({ length: LANDING_SESSION_MAX_USES + 2 }, () => store.landingSessions.use(session, csrf)),
    );
    assert.equal(uses.filter((u) => 'installationId' in u && u.installationId === id).length, LANDING_SESSION_MAX_USES);
    assert.equal(uses.filter((u) => 'refused' in u && u.refused === 'used_up').length, 2);
    const old = await store.landingSessions.create(id, null, Date.now() - LANDING_SESSION_TTL_MS - 1000);
    assert.deepEqual(await store.landingSessions.use(old.session, old.csrf), { refused: 'expired' });
  });

  it('settings: a value is created once, and every store on the database reads the same one', async (t) => {
    const box = SecretBox.random();
    const { store, open } = await harness.fresh(t, box);
    const other = await open(box);
    t.after(() => other.close());
    const secrets = await Promise.all([store.settings.installSecret(), other.settings.installSecret()]);
    assert.match(secrets[0], /^[\w-]{32}$/);
    assert.equal(secrets[1], secrets[0]);
    assert.equal(await store.settings.getOrCreate('install_secret', () => 'other'), secrets[0]);
    assert.equal(await store.settings.get('missing'), undefined);
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
