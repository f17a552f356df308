// What both databases share about the installations table: which columns are sealed, under which associated data,
// and how a row maps to a record and back. Each implementation only moves rows in and out.
import type { Installation } from '@slack/oauth';
import type { SecretBox } from '../crypto/secret-box.js';
import type { InstallationRecord } from './types.js';

/**
 * One row of `installations` as a driver returns it. Times are milliseconds since the epoch in both databases;
 * PostgreSQL's bigint arrives as a string, hence `number | string`, and its boolean as a boolean.
 */
export interface InstallationRow {
  id: number | string;
  team_id: string | null;
  team_name: string | null;
  enterprise_id: string | null;
  enterprise_name: string | null;
  is_enterprise_install: number | boolean;
  channel_id: string;
  channel_name: string;
  webhook_url: string;
  configuration_url: string | null;
  app_id: string | null;
  bot_user_id: string | null;
  bot_token: string | null;
  scopes: string;
  installer_user_id: string | null;
  installed_at: number | string;
  key_id: string | null;
  revoked_at: number | string | null;
  revoked_reason: string | null;
}

/** The columns of a new row, in the order both implementations insert them. */
export interface NewInstallationRow {
  team_id: string | null;
  team_name: string | null;
  enterprise_id: string | null;
  enterprise_name: string | null;
  is_enterprise_install: boolean;
  channel_id: string;
  channel_name: string;
  webhook_url: string;
  configuration_url: string | null;
  app_id: string | null;
  bot_user_id: string | null;
  bot_token: string | null;
  scopes: string;
  installer_user_id: string | null;
  installed_at: number;
  key_id: string;
}

export const NEW_ROW_COLUMNS = [
  'team_id',
  'team_name',
  'enterprise_id',
  'enterprise_name',
  'is_enterprise_install',
  'channel_id',
  'channel_name',
  'webhook_url',
  'configuration_url',
  'app_id',
  'bot_user_id',
  'bot_token',
  'scopes',
  'installer_user_id',
  'installed_at',
  'key_id',
] as const satisfies ReadonlyArray<keyof NewInstallationRow>;

/** The sealed columns of one row, as re-sealing reads them. */
export type SealedColumns = Pick<InstallationRow, 'id' | 'webhook_url' | 'bot_token' | 'key_id'>;

// Associated data for each sealed column: a ciphertext copied into another column does not open.
const WEBHOOK_AAD = 'installations.webhook_url';
const TOKEN_AAD = 'installations.bot_token';

/** A column's plaintext; rows from before encryption (key_id NULL) still hold it as it is. */
function unseal(box: SecretBox, value: string | null, keyId: string | null, aad: string): string | null {
  return value === null || keyId === null ? value : box.decrypt(value, keyId, aad);
}

const time = (value: number | string) => new Date(Number(value));

export function toRecord(row: InstallationRow, box: SecretBox): InstallationRecord {
  return {
    id: Number(row.id),
    teamId: row.team_id,
    teamName: row.team_name,
    enterpriseId: row.enterprise_id,
    enterpriseName: row.enterprise_name,
    isEnterpriseInstall: row.is_enterprise_install === 1 || row.is_enterprise_install === true,
    channelId: row.channel_id,
    channelName: row.channel_name,
    webhookUrl: unseal(box, row.webhook_url, row.key_id, WEBHOOK_AAD)!,
    configurationUrl: row.configuration_url,
    appId: row.app_id,
    botUserId: row.bot_user_id,
    botToken: unseal(box, row.bot_token, row.key_id, TOKEN_AAD),
    scopes: row.scopes === '' ? [] : row.scopes.split(','),
    installerUserId: row.installer_user_id,
    installedAt: time(row.installed_at),
    revokedAt: row.revoked_at === null ? null : time(row.revoked_at),
    revokedReason: row.revoked_reason,
  };
}

/** A new row for an install, its secrets sealed under the current key; throws when it carries no webhook. */
export function newRow(installation: Installation, box: SecretBox, now = Date.now()): NewInstallationRow {
  const webhook = installation.incomingWebhook;
  if (webhook?.url === undefined || webhook.channelId === undefined || webhook.channel === undefined) {
    throw new TypeError('an installation without an incoming webhook (URL, channel and channel id) cannot be stored');
  }
  return {
    team_id: installation.team?.id ?? null,
    team_name: installation.team?.name ?? null,
    enterprise_id: installation.enterprise?.id ?? null,
    enterprise_name: installation.enterprise?.name ?? null,
    is_enterprise_install: installation.isEnterpriseInstall === true,
    channel_id: webhook.channelId,
    channel_name: webhook.channel,
    webhook_url: box.encrypt(webhook.url, WEBHOOK_AAD),
    configuration_url: webhook.configurationUrl ?? null,
    app_id: installation.appId ?? null,
    bot_user_id: installation.bot?.userId ?? null,
    bot_token: installation.bot === undefined ? null : box.encrypt(installation.bot.token, TOKEN_AAD),
    scopes: (installation.bot?.scopes ?? []).join(','),
    installer_user_id: installation.user.id,
    installed_at: now,
    key_id: box.keyId,
  };
}

/** A row's secrets sealed again under the current key (start-up sealing of plaintext rows, key rotation). */
export function resealed(
  row: SealedColumns,
  box: SecretBox,
): { id: number; webhookUrl: string; botToken: string | null; keyId: string } {
  const url = unseal(box, row.webhook_url, row.key_id, WEBHOOK_AAD)!;
  const token = unseal(box, row.bot_token, row.key_id, TOKEN_AAD);
  return {
    id: Number(row.id),
    webhookUrl: box.encrypt(url, WEBHOOK_AAD),
    botToken: token === null ? null : box.encrypt(token, TOKEN_AAD),
    keyId: box.keyId,
  };
}

/** The record as @slack/oauth's Installation. */
export function toInstallation(r: InstallationRecord): Installation {
  return {
    team: r.teamId === null ? undefined : { id: r.teamId, name: r.teamName ?? undefined },
    enterprise: r.enterpriseId === null ? undefined : { id: r.enterpriseId, name: r.enterpriseName ?? undefined },
    isEnterpriseInstall: r.isEnterpriseInstall,
    user: { id: r.installerUserId ?? '', token: undefined, scopes: undefined },
    // bot.id would cost an auth.test call per install; webhooks do not need it, so it is left empty.
    bot: r.botToken === null ? undefined : { token: r.botToken, scopes: r.scopes, id: '', userId: r.botUserId ?? '' },
    incomingWebhook: {
      url: r.webhookUrl,
      channel: r.channelName,
      channelId: r.channelId,
      configurationUrl: r.configurationUrl ?? undefined,
    },
    appId: r.appId ?? undefined,
    tokenType: 'bot',
    authVersion: 'v2',
  };
}
