// What the conformance suite is given by each store's test file, and what its parts share.
import type { Installation } from '@slack/oauth';
import type { TestContext } from 'node:test';
import type { SecretBox } from '../../src/crypto/secret-box.js';
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

/** A test of the suite, titled with the store's name and skipped with it. */
export type It = (title: string, fn: (t: TestContext) => Promise<void>) => void;
