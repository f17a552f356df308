// The conformance suite's state beside the installations, which every replica on the database shares: OAuth
// states, landing sessions (and recordInstall, which writes both with the installation), seen events, settings.
import assert from 'node:assert/strict';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { LANDING_SESSION_MAX_USES, LANDING_SESSION_TTL_MS } from '../../src/store/landing-sessions.js';
import { hook, type It, type StoreHarness } from './harness.js';

/** OAuth states, landing sessions, seen events and settings, across stores on one database. */
export function sharedStateConformance(it: It, harness: StoreHarness): void {
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
}
