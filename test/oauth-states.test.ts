import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { SecretBox } from '../src/crypto/secret-box.js';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { tempDir } from './helpers.js';

const MINUTE = 60_000;
const T = Date.UTC(2026, 0, 15, 12, 0, 0);

type Store = SqliteStore;

async function openStore(t: TestContext, box = SecretBox.random(), path = join(tempDir(t), 'db.sqlite')) {
  const store = await SqliteStore.open(path, box);
  t.after(() => store.close());
  return store;
}

const issue = (store: Store, at: number) => store.oauthStates.generateStateParam({ scopes: [] }, new Date(at));

/** What the callback would be told about `state` at `at`: 'ok' (and the state is then used up) or why not. */
async function use(store: Store, state: string, at: number): Promise<string> {
  try {
    await store.oauthStates.verifyStateParam(new Date(at), state);
    return 'ok';
  } catch (err) {
    return (err as { reason?: string }).reason ?? String(err);
  }
}

test('a state lasts ten minutes: accepted at 10:00 after issue, expired a millisecond later', async (t) => {
  const store = await openStore(t);
  assert.equal(await use(store, await issue(store, T), T), 'ok');
  assert.equal(await use(store, await issue(store, T), T + 10 * MINUTE - 1), 'ok');
  assert.equal(await use(store, await issue(store, T), T + 10 * MINUTE), 'ok');
  assert.equal(await use(store, await issue(store, T), T + 10 * MINUTE + 1), 'expired');
  assert.equal(await use(store, await issue(store, T), T + 11 * MINUTE), 'expired');
  assert.equal(await use(store, await issue(store, T), T + 24 * 60 * MINUTE), 'expired');
  // @slack/oauth's StateStore interface: the error says why, and the options are the server's own, not the state's.
  await assert.rejects(store.oauthStates.verifyStateParam(new Date(T + 11 * MINUTE), await issue(store, T)), {
    name: 'StateError',
    message: 'OAuth state is expired',
  });
  assert.deepEqual(await store.oauthStates.verifyStateParam(new Date(T), await issue(store, T)), { scopes: [] });
});

test('a state issued in the future is refused, beyond one minute of clock difference between servers', async (t) => {
  const store = await openStore(t);
  assert.equal(await use(store, await issue(store, T), T - MINUTE), 'ok');
  assert.equal(await use(store, await issue(store, T), T - MINUTE - 1), 'expired');
  assert.equal(await use(store, await issue(store, T), T - 5 * MINUTE), 'expired');
  assert.equal(await use(store, await issue(store, T), T - 10 * MINUTE), 'expired');
  assert.equal(await use(store, await issue(store, T), T - 24 * 60 * MINUTE), 'expired');
});

test('a state carries the time it was issued at by the clock given, not the time of day', async (t) => {
  const store = await openStore(t);
  const now = Date.now();
  assert.equal(await use(store, await issue(store, now - 60 * MINUTE), now), 'expired');
  assert.equal(await use(store, await issue(store, now + 60 * MINUTE), now), 'expired');
  assert.equal(await use(store, await issue(store, now - 60 * MINUTE), now - 55 * MINUTE), 'ok');
});

/** A state is `v1` then the base64url token; these work on the token. */
const token = (state: string) => Buffer.from(state.slice(2), 'base64url');
const versioned = (raw: Buffer) => `v1${raw.toString('base64url')}`;

/** Other spellings of the same bytes: Node's base64url decoder accepts them, the state check must not. */
function respellings(state: string): string[] {
  const text = state.slice(2);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  // 38 bytes are 51 characters whose last one carries 2 unused bits: flipping them changes no byte.
  const sameBytes = alphabet[alphabet.indexOf(text.at(-1)!) ^ 1]!;
  return [
    `${text.slice(0, -1)}${sameBytes}`,
    `${text}=`,
    `${text} `,
    ` ${text}`,
    `${text.slice(0, 20)}\n${text.slice(20)}`,
    text.replaceAll('-', '+').replaceAll('_', '/'),
  ]
    .filter((other) => other !== text && Buffer.from(other, 'base64url').equals(token(state)))
    .map((other) => `v1${other}`);
}

test('a state is accepted only in the exact spelling it was issued in', async (t) => {
  const store = await openStore(t);
  let tried = 0;
  // Enough states that the standard-alphabet spelling (+ and / for - and _) comes up too.
  for (let n = 0; n < 8; n++) {
    const state = await issue(store, T);
    assert.match(state, /^v1[A-Za-z0-9_-]{51}$/);
    for (const other of respellings(state)) {
      assert.equal(await use(store, other, T), 'unknown', JSON.stringify(other));
      tried++;
    }
    assert.equal(await use(store, state, T), 'ok', 'the state itself was not used up by its other spellings');
  }
  assert.ok(tried >= 8 * 5, `${tried} respellings tried`);
});

test('a state altered anywhere, cut, lengthened, of another version or signed under another key is unknown', async (t) => {
  const box = SecretBox.random();
  const store = await openStore(t, box);
  const state = await issue(store, T);
  const raw = token(state);
  assert.equal(raw.length, 38);
  for (let byte = 0; byte < raw.length; byte++) {
    const altered = Buffer.from(raw);
    altered[byte]! ^= 1 << (byte % 8);
    assert.equal(await use(store, versioned(altered), T), 'unknown', `byte ${byte} altered`);
  }
  for (const length of [0, 1, 22, 37]) {
    assert.equal(await use(store, versioned(raw.subarray(0, length)), T), 'unknown', `cut to ${length}`);
  }
  for (const extra of [1, 16]) {
    assert.equal(await use(store, versioned(Buffer.concat([raw, randomBytes(extra)])), T), 'unknown', `+${extra}`);
  }
  for (const other of [`v2${state.slice(2)}`, `V1${state.slice(2)}`, state.slice(2), `v1${state}`]) {
    assert.equal(await use(store, other, T), 'unknown', `version: ${other.slice(0, 4)}…`);
  }
  const elsewhere = await openStore(t);
  assert.equal(await use(elsewhere, state, T), 'unknown', 'issued by a server with another key');
  assert.equal(await use(store, state, T), 'ok');
});

test('each state works once; a state being used by one request is refused to another meanwhile', async (t) => {
  const store = await openStore(t);
  const states = await Promise.all(Array.from({ length: 300 }, () => issue(store, T)));
  assert.equal(new Set(states).size, states.length, 'every state is new');
  const claims = await Promise.all(states.map((state) => store.oauthStates.claim(new Date(T), state)));
  // While a flow holds its state (calling Slack), the same state cannot start a second flow.
  await assert.rejects(store.oauthStates.claim(new Date(T), states[0]!), { reason: 'used' });
  for (const claim of claims) await store.oauthStates.spend(claim);
  for (const state of states) assert.equal(await use(store, state, T), 'used');
  // Released without being used (the flow never reached Slack), a state can be used again.
  const spare = await issue(store, T);
  store.oauthStates.release(await store.oauthStates.claim(new Date(T), spare));
  assert.equal(await use(store, spare, T), 'ok');
  assert.equal(await use(store, spare, T), 'used');
});

test('a use is recorded once even when two servers on one database both held the state', async (t) => {
  const box = SecretBox.random();
  const path = join(tempDir(t), 'db.sqlite');
  const one = await openStore(t, box, path);
  const two = await openStore(t, box, path);
  const now = Date.now(); // the record is kept by the time of day
  const state = await issue(one, now);
  const first = await one.oauthStates.claim(new Date(now), state);
  const second = await two.oauthStates.claim(new Date(now), state);
  assert.equal(one.oauthStates.markUsed(first), true);
  assert.equal(two.oauthStates.markUsed(second), false, 'the second install must be refused');
  assert.equal(await use(two, state, now), 'used');
});

/**
 * A state as the server builds it (`v1`, then `nonce | issued-at | HMAC` in base64url), under the key the store derives from
 * its encryption key, so that a test can choose the nonce.
 */
function forge(box: SecretBox, nonce: Buffer, at: number): string {
  const body = Buffer.alloc(nonce.length + 6);
  nonce.copy(body);
  body.writeUIntBE(at, nonce.length, 6);
  const mac = createHmac('sha256', box.deriveKey('oauth state')).update('v1').update(body).digest().subarray(0, 16);
  return versioned(Buffer.concat([body, mac]));
}

test('the used-state record covers the whole 16-byte nonce: nonces that differ in one bit are two states', async (t) => {
  const box = SecretBox.random();
  const store = await openStore(t, box);
  const nonce = randomBytes(16);
  assert.equal(await use(store, forge(box, nonce, T), T), 'ok', 'the forged state is well formed');
  for (let byte = 0; byte < 16; byte++) {
    const other = Buffer.from(nonce);
    other[byte]! ^= 0x80 >> (byte % 8);
    assert.equal(await use(store, forge(box, other, T), T), 'ok', `nonce byte ${byte} differs`);
  }
  assert.equal(await use(store, forge(box, nonce, T), T), 'used');
});

test('used states are kept until they would have expired anyway, then pruned at most once a minute', async (t) => {
  const store = await openStore(t);
  // Pruning goes by the time of day, so this test's clock starts at it.
  const now = Date.now();
  const rows = () => (store.db.prepare('SELECT count(*) AS n FROM used_oauth_states').get() as { n: number }).n;
  const spend = async (at: number) =>
    store.oauthStates.markUsed(await store.oauthStates.claim(new Date(at), await issue(store, at)), at);
  await spend(now);
  const old = await issue(store, now);
  assert.equal(await use(store, old, now), 'ok');
  assert.equal(rows(), 2);
  // Nine and a half minutes on, pruning removes nothing that could still be presented.
  await spend(now + 9.5 * MINUTE);
  assert.equal(await use(store, old, now + 9.5 * MINUTE), 'used');
  assert.equal(rows(), 3);
  // The first two have expired, but the last pruning was less than a minute ago, then exactly a minute ago.
  await spend(now + 10 * MINUTE + 1);
  assert.equal(rows(), 4);
  await spend(now + 10.5 * MINUTE);
  assert.equal(rows(), 5);
  await spend(now + 10.5 * MINUTE + 1);
  assert.equal(rows(), 4, 'the two expired states are gone, the others stay');
});

/** The state with its last character, part of its MAC, changed. */
const altered = (state: string) => state.slice(0, -1) + (state.endsWith('A') ? 'g' : 'A');

test('a state that cannot be claimed is inspected for why: unknown, expired, used, or unused', async (t) => {
  const store = await openStore(t);
  const states = store.oauthStates;
  const state = await issue(store, T);
  assert.equal(await states.inspect(new Date(T), state), 'unused');
  assert.equal(await states.inspect(new Date(T + 10 * MINUTE + 1), state), 'expired');
  assert.equal(await states.inspect(new Date(T), altered(state)), 'unknown');
  assert.equal(await states.inspect(new Date(T), await issue(await openStore(t), T)), 'unknown', 'another key');
  const claim = await states.claim(new Date(T), state);
  assert.equal(await states.inspect(new Date(T), state), 'used', 'while another request holds it');
  await states.spend(claim);
  assert.equal(await states.inspect(new Date(T), state), 'used');
  assert.equal(await states.inspect(new Date(T + 11 * MINUTE), state), 'expired', 'expiry is said first');
});

test('the nonce a state names is read only from a state this server signed, whatever its age', async (t) => {
  const store = await openStore(t);
  const states = store.oauthStates;
  const state = await issue(store, T - 24 * 60 * MINUTE); // long expired: a used callback opened again a day later
  const fresh = await issue(store, T);
  const { nonce } = await states.claim(new Date(T), fresh);
  assert.equal(states.nonceOf(fresh), nonce);
  assert.match(states.nonceOf(state)!, /^[\w-]{22}$/);
  assert.notEqual(states.nonceOf(state), nonce);
  for (const other of ['', 'not a state', altered(state), state.slice(2), `v2${state.slice(2)}`])
    assert.equal(states.nonceOf(other), undefined, other);
  assert.equal(states.nonceOf(await issue(await openStore(t), T)), undefined, 'signed under another key');
});
