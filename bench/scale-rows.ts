// Installations for the scale benchmark and its test: written through the project's own store (sealed columns
// exactly as the server writes them), many per workspace and channel, a third of them revoked as history.
import type { Installation } from '@slack/oauth';
import { createHash } from 'node:crypto';
import type { SqliteStore } from '../src/store/sqlite/store.js';

/** How many workspaces the rows are spread over, and channels per workspace. */
export const SCALE_TEAMS = 2000;
export const SCALE_CHANNELS = 20;
/** Every this-many rows one is an org-wide (Enterprise Grid) install. */
const ORG_WIDE_EVERY = 50;
/** One row in three is revoked (uninstalled, dead, or by an operator) and kept as history. */
const REVOKED_EVERY = 3;
/** Rows per transaction while building. */
const BATCH = 5000;

export const teamId = (n: number): string => `T${String(n).padStart(9, '0')}`;
export const channelId = (team: number, n: number): string =>
  `C${String(team).padStart(6, '0')}${String(n).padStart(4, '0')}`;

/** Deterministic, Slack-shaped random characters (the secrets are not secret: this is test data). */
function chars(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('base64url').replace(/[-_]/g, 'x').slice(0, length);
}

/** The `n`th installation (from 0), as @slack/oauth hands it to the store. */
export function scaleInstallation(n: number, webhookBase = 'https://hooks.slack.com'): Installation {
  const team = n % SCALE_TEAMS;
  const channel = Math.floor(n / SCALE_TEAMS) % SCALE_CHANNELS;
  const orgWide = n % ORG_WIDE_EVERY === ORG_WIDE_EVERY - 1;
  const service = `B${chars(`service ${n}`, 10).toUpperCase()}`;
  return {
    team: orgWide ? undefined : { id: teamId(team), name: `Workspace ${team}` },
    enterprise: orgWide ? { id: `E${String(team).padStart(9, '0')}`, name: `Org ${team}` } : undefined,
    isEnterpriseInstall: orgWide,
    user: { id: `U${chars(`user ${n}`, 10).toUpperCase()}`, token: undefined, scopes: undefined },
    bot: {
      token: `xoxb-${team}-${n}-${chars(`token ${n}`, 24)}`,
      scopes: ['incoming-webhook'],
      id: '',
      userId: `U${chars(`bot ${team}`, 10).toUpperCase()}`,
    },
    incomingWebhook: {
      url: `${webhookBase}/services/${teamId(team)}/${service}/${chars(`secret ${n}`, 24)}`,
      channel: `#channel-${channel}`,
      channelId: channelId(team, channel),
      configurationUrl: `https://workspace-${team}.slack.com/services/${service}`,
    },
    appId: 'A0SCALE0001',
    tokenType: 'bot',
    authVersion: 'v2',
  };
}

/** When and why the `n`th installation is revoked (one in REVOKED_EVERY, dates spread over the past year), if it is. */
export function revokedAt(n: number): { reason: string; at: Date } | undefined {
  if (n % REVOKED_EVERY !== REVOKED_EVERY - 1) return undefined;
  const yearAgo = Date.now() - 365 * 24 * 3600 * 1000;
  return {
    reason: n % 2 === 0 ? 'app_uninstalled' : 'webhook dead: channel_is_archived',
    at: new Date(yearAgo + ((n * 7919) % 365) * 24 * 3600 * 1000),
  };
}

/**
 * Appends installations `from` to `to` (exclusive) through the SQLite store's own insert and revoke, BATCH to a
 * transaction (one commit per row would make a million rows take an hour); every third is then revoked, with
 * revocation dates spread over the past year. `onProgress` hears the count after each batch.
 */
export function addScaleRows(store: SqliteStore, from: number, to: number, onProgress?: (done: number) => void): void {
  for (let start = from; start < to; start += BATCH) {
    const end = Math.min(to, start + BATCH);
    store.db.transaction(() => {
      for (let n = start; n < end; n++) {
        const id = store.installations.insertNow(scaleInstallation(n));
        const revoked = revokedAt(n);
        // SQLite's revoke runs its statement before it first awaits: inside this transaction.
        if (revoked !== undefined) void store.installations.revoke(id, revoked.reason, revoked.at);
      }
    })();
    onProgress?.(end);
  }
}
