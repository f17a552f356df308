// What both databases share about the installations table: which columns are sealed, under which associated data,
// and how a row maps to a record and back. Each implementation only moves rows in and out.
import type { Installation } from '@slack/oauth';
import { KeyError, type SecretBox } from '../crypto/secret-box.js';
import type { InstallationRecord, Store } from './types.js';

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
  landing_id: string | null;
  revoked_at: number | string | null;
  revoked_reason: string | null;
  bot_id: string | null;
  bot_refresh_token: string | null;
  bot_expires_at: number | string | null;
  user_token: string | null;
  user_scopes: string | null;
  user_refresh_token: string | null;
  user_expires_at: number | string | null;
  enterprise_url: string | null;
  token_type: string | null;
  auth_version: string | null;
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
  bot_id: string | null;
  bot_refresh_token: string | null;
  bot_expires_at: number | null;
  user_token: string | null;
  user_scopes: string | null;
  user_refresh_token: string | null;
  user_expires_at: number | null;
  enterprise_url: string | null;
  token_type: string | null;
  auth_version: string | null;
  /** The address of its landing page (`/slack/installed/<landing_id>`), when it has one. */
  landing_id: string | null;
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
  'bot_id',
  'bot_refresh_token',
  'bot_expires_at',
  'user_token',
  'user_scopes',
  'user_refresh_token',
  'user_expires_at',
  'enterprise_url',
  'token_type',
  'auth_version',
  'landing_id',
] as const satisfies ReadonlyArray<keyof NewInstallationRow>;

/** The columns holding ciphertext; each is sealed with its own name as associated data. */
export const SEALED = ['webhook_url', 'bot_token', 'bot_refresh_token', 'user_token', 'user_refresh_token'] as const;
export type SealedColumn = (typeof SEALED)[number];

/** The sealed columns of one row, as re-sealing reads them. */
export type SealedColumns = Pick<InstallationRow, 'id' | 'key_id' | SealedColumn>;

// Associated data for each sealed column: a ciphertext copied into another column does not open.
const aad = (column: SealedColumn) => `installations.${column}`;
const WEBHOOK_AAD = aad('webhook_url');
const TOKEN_AAD = aad('bot_token');

/** Associated data of a sealed setting: a value moved to another key does not open. */
export const settingAad = (key: string) => `settings.${key}`;

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

const seal = (box: SecretBox, value: string | undefined, column: SealedColumn) =>
  value === undefined || value === '' ? null : box.encrypt(value, aad(column));
const list = (value: string[] | undefined) => (value === undefined ? null : value.join(','));

/** A new row for an install, its secrets sealed under the current key; throws when it carries no webhook. */
export function newRow(
  installation: Installation,
  box: SecretBox,
  landingId: string | null = null,
  now = Date.now(),
): NewInstallationRow {
  const webhook = installation.incomingWebhook;
  if (webhook?.url === undefined || webhook.channelId === undefined || webhook.channel === undefined) {
    throw new TypeError('an installation without an incoming webhook (URL, channel and channel id) cannot be stored');
  }
  const { bot, user } = installation;
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
    bot_user_id: bot?.userId || null,
    bot_token: bot === undefined ? null : box.encrypt(bot.token, TOKEN_AAD),
    scopes: (bot?.scopes ?? []).join(','),
    installer_user_id: user.id,
    installed_at: now,
    key_id: box.keyId,
    ...tokenColumns(installation, box),
    user_scopes: list(user.scopes),
    enterprise_url: installation.enterpriseUrl ?? null,
    token_type: installation.tokenType ?? null,
    auth_version: installation.authVersion ?? null,
    landing_id: landingId,
  };
}

/** The columns a token refresh changes: tokens, refresh tokens and expiries, sealed under the current key. */
export function tokenColumns(
  installation: Pick<Installation, 'bot' | 'user'>,
  box: SecretBox,
): Pick<
  NewInstallationRow,
  'bot_id' | 'bot_refresh_token' | 'bot_expires_at' | 'user_token' | 'user_refresh_token' | 'user_expires_at'
> {
  const { bot, user } = installation;
  return {
    bot_id: bot?.id || null,
    bot_refresh_token: seal(box, bot?.refreshToken, 'bot_refresh_token'),
    bot_expires_at: bot?.expiresAt ?? null,
    user_token: seal(box, user.token, 'user_token'),
    user_refresh_token: seal(box, user.refreshToken, 'user_refresh_token'),
    user_expires_at: user.expiresAt ?? null,
  };
}

/** A row's secrets sealed again under the current key (start-up sealing of plaintext rows, key rotation). */
export function resealed(row: SealedColumns, box: SecretBox): Record<SealedColumn, string | null> & { id: number } {
  const out = { id: Number(row.id) } as Record<SealedColumn, string | null> & { id: number };
  for (const column of SEALED) {
    const plain = unseal(box, row[column], row.key_id, aad(column));
    out[column] = plain === null ? null : box.encrypt(plain, aad(column));
  }
  return out;
}

const seconds = (value: number | string | null) => (value === null ? undefined : Number(value));
const scopeList = (value: string | null) => (value === null ? undefined : value === '' ? [] : value.split(','));

/**
 * The row as @slack/oauth's Installation: every field that was stored comes back. Rows from before these fields
 * were kept read as the v2 bot installs they were.
 */
export function rowToInstallation(row: InstallationRow, box: SecretBox): Installation {
  const r = toRecord(row, box);
  const open = (column: SealedColumn) => unseal(box, row[column], row.key_id, aad(column)) ?? undefined;
  const installation: Installation = {
    team: r.teamId === null ? undefined : { id: r.teamId, name: r.teamName ?? undefined },
    enterprise: r.enterpriseId === null ? undefined : { id: r.enterpriseId, name: r.enterpriseName ?? undefined },
    isEnterpriseInstall: r.isEnterpriseInstall,
    user: {
      id: r.installerUserId ?? '',
      token: open('user_token'),
      scopes: scopeList(row.user_scopes),
      refreshToken: open('user_refresh_token'),
      expiresAt: seconds(row.user_expires_at),
    },
    bot:
      r.botToken === null
        ? undefined
        : {
            token: r.botToken,
            refreshToken: open('bot_refresh_token'),
            expiresAt: seconds(row.bot_expires_at),
            scopes: r.scopes,
            id: row.bot_id ?? '',
            userId: r.botUserId ?? '',
          },
    incomingWebhook: {
      url: r.webhookUrl,
      channel: r.channelName,
      channelId: r.channelId,
      configurationUrl: r.configurationUrl ?? undefined,
    },
    appId: r.appId ?? undefined,
    tokenType: row.token_type === 'bot' || row.token_type === null ? 'bot' : undefined,
    enterpriseUrl: row.enterprise_url ?? undefined,
    authVersion: row.auth_version === 'v1' ? 'v1' : 'v2',
  };
  // Leave out what was never given, so a stored and fetched installation deep-equals the one stored.
  for (const part of [installation.user, installation.bot ?? {}] as Array<Record<string, unknown>>)
    for (const key of Object.keys(part)) if (part[key] === undefined) delete part[key];
  return installation;
}

/**
 * What every store does at start-up, whichever the database: refuses rows sealed under a key it was not given (they
 * could not be read), then seals the rows and values written before encryption existed.
 */
export async function adoptStoredKeys(store: Pick<Store, 'installations' | 'settings'>): Promise<void> {
  const unknown = [
    ...new Set([...(await store.installations.unknownKeyIds()), ...(await store.settings.unknownKeyIds())]),
  ];
  if (unknown.length > 0) {
    throw new KeyError(
      `installations or settings are sealed under key id ${unknown.join(', ')}, which is neither ENCRYPTION_KEY nor in ENCRYPTION_KEYS_OLD`,
    );
  }
  await store.installations.resealPlaintext();
  await store.settings.resealPlaintext();
}
