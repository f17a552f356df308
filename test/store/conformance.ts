// One suite for every Store implementation, written once against the interface (src/store/types.ts): what the
// server and the CLI rely on, whichever database is behind it. Its parts, by what they cover: installations,
// @slack/oauth's contract, and the state beside the installations that replicas share.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { installationConformance } from './conformance-installations.js';
import { oauthContractConformance } from './conformance-oauth-contract.js';
import { sharedStateConformance } from './conformance-shared-state.js';
import type { It, StoreHarness } from './harness.js';

export { hook, type StoreHarness } from './harness.js';

export function conformance(name: string, harness: StoreHarness, skip: string | false = false): void {
  // node:test runs and awaits each test itself.
  const it: It = (title: string, fn: (t: TestContext) => Promise<void>): void =>
    void test(`${name}: ${title}`, { skip }, fn);

  it('migrated to the last shipped migration, and answers a ping', async (t) => {
    const { store } = await harness.fresh(t, SecretBox.random());
    assert.equal(await store.schemaVersion(), store.shippedVersion);
    assert.ok(store.shippedVersion >= 4);
    assert.equal(await store.ping(), true);
  });

  installationConformance(it, harness);
  oauthContractConformance(it, harness);
  sharedStateConformance(it, harness);
}
