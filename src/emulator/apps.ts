import { EmulatorError } from './errors.js';
import { randomString } from './random.js';

/** A Slack app registered with the emulator (what Slack's App Management page would hold). */
export interface EmulatorApp {
  clientId: string;
  clientSecret: string;
  appId: string;
  name: string;
  /** Configured Redirect URLs; when given, redirect_uri must match one or be below it, like Slack. */
  redirectUrls?: string[];
  /** Signs event deliveries (Basic Information → Signing Secret); 32 random hex characters when left out. */
  signingSecret?: string;
  /** Event Subscriptions → Request URL; no events are delivered until it is set (see setEventsUrl). */
  eventsUrl?: string;
  /**
   * Settings → PKCE switched on: the app may use code_challenge/code_verifier (and becomes a public client, which
   * on Slack cannot be undone). oauth.v2.access answers pkce_not_allowed to PKCE arguments from any other app.
   */
  pkce?: boolean;
  /** The legacy Verification Token Slack still puts in every envelope's `token`; random when left out. */
  verificationToken?: string;
  /**
   * OAuth & Permissions → Token Rotation: bot tokens are `xoxe.` tokens that expire after `tokenLifetimeSeconds`
   * (Slack: 12 hours) and come with a refresh token for `oauth.v2.access` with `grant_type=refresh_token`.
   */
  tokenRotation?: boolean;
  tokenLifetimeSeconds?: number;
}

/** An app as the emulator holds it, with its secrets filled in. */
export type ConfiguredApp = EmulatorApp & { signingSecret: string; verificationToken: string };

/** The registered apps, found by client id or app id. */
export class Apps {
  private readonly apps = new Map<string, ConfiguredApp>();

  constructor(apps: EmulatorApp[]) {
    for (const app of apps) {
      if (!app.clientId || !app.clientSecret || !app.appId)
        throw new Error('emulator app needs clientId, clientSecret and appId');
      if (this.apps.has(app.clientId)) throw new Error(`duplicate emulator app client id ${app.clientId}`);
      if (this.byId(app.appId)) throw new Error(`duplicate emulator app id ${app.appId}`);
      if (app.signingSecret === '') throw new Error('emulator app signingSecret must not be empty');
      if (app.eventsUrl !== undefined) checkEventsUrl(app.eventsUrl);
      this.apps.set(app.clientId, {
        ...app,
        signingSecret: app.signingSecret ?? randomString(32, '0123456789abcdef'),
        verificationToken: app.verificationToken ?? randomString(24),
      });
    }
  }

  byClientId(clientId: string): ConfiguredApp | undefined {
    return this.apps.get(clientId);
  }

  /** The app with this app id (A…), or with this client id. */
  byId(id: string): ConfiguredApp | undefined {
    return this.apps.get(id) ?? [...this.apps.values()].find((app) => app.appId === id);
  }

  /** Like byId, but an unknown id is an EmulatorError (unknown_app). */
  require(id: string): ConfiguredApp {
    const app = this.byId(id);
    if (!app) throw new EmulatorError('unknown_app', `no app with id ${id}`);
    return app;
  }

  setEventsUrl(id: string, url: string | undefined): void {
    const app = this.require(id);
    if (url !== undefined) checkEventsUrl(url);
    app.eventsUrl = url;
  }
}

/** A Request URL must be an absolute http(s) URL, as Slack requires (Slack also insists on https; tests use http). */
function checkEventsUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`events URL ${url} is not a valid URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new TypeError('events URL must use http or https');
}
