import type { Installation, InstallationQuery, InstallationStore } from '@slack/oauth';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from './database.js';

/** One completed install, as this server keeps it. */
export interface InstallationRecord {
  id: number;
  teamId: string | null;
  teamName: string | null;
  enterpriseId: string | null;
  enterpriseName: string | null;
  isEnterpriseInstall: boolean;
  channelId: string;
  channelName: string;
  webhookUrl: string;
  configurationUrl: string | null;
  appId: string | null;
  botUserId: string | null;
  botToken: string | null;
  scopes: string[];
  installerUserId: string | null;
  installedAt: Date;
  /** Set when Slack told us the app was removed, a check found the webhook dead, or the operator revoked it. */
  revokedAt: Date | null;
  revokedReason: string | null;
}

export interface InstallationFilter {
  teamId?: string;
  channelId?: string;
  /** true: only revoked; false: only active; undefined: both. */
  revoked?: boolean;
}

interface Row {
  id: number;
  team_id: string | null;
  team_name: string | null;
  enterprise_id: string | null;
  enterprise_name: string | null;
  is_enterprise_install: number;
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
  key_id: string | null;
  revoked_at: number | null;
  revoked_reason: string | null;
}

// Associated data for each sealed column: a ciphertext copied into another column does not open.
const WEBHOOK_AAD = 'installations.webhook_url';
const TOKEN_AAD = 'installations.bot_token';

/** A column's plaintext; rows from before encryption (key_id NULL) still hold it as it is. */
function unseal(box: SecretBox, value: string | null, keyId: string | null, aad: string): string | null {
  return value === null || keyId === null ? value : box.decrypt(value, keyId, aad);
}

function toRecord(row: Row, box: SecretBox): InstallationRecord {
  return {
    id: row.id,
    teamId: row.team_id,
    teamName: row.team_name,
    enterpriseId: row.enterprise_id,
    enterpriseName: row.enterprise_name,
    isEnterpriseInstall: row.is_enterprise_install === 1,
    channelId: row.channel_id,
    channelName: row.channel_name,
    webhookUrl: unseal(box, row.webhook_url, row.key_id, WEBHOOK_AAD)!,
    configurationUrl: row.configuration_url,
    appId: row.app_id,
    botUserId: row.bot_user_id,
    botToken: unseal(box, row.bot_token, row.key_id, TOKEN_AAD),
    scopes: row.scopes === '' ? [] : row.scopes.split(','),
    installerUserId: row.installer_user_id,
    installedAt: new Date(row.installed_at),
    revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
    revokedReason: row.revoked_reason,
  };
}

/**
 * The `installations` table, behind @slack/oauth's InstallationStore interface.
 * Unlike the library's bundled stores it never overwrites: every install is a new row.
 * Webhook URLs and bot tokens are sealed with AES-256-GCM; `key_id` names the key.
 */
export class InstallationsRepository implements InstallationStore {
  readonly #db;
  readonly #box;
  readonly #insert;
  readonly #plaintext;
  readonly #notUnder;
  readonly #update;
  readonly #keyIds;
  readonly #byId;
  readonly #latestForTeam;
  readonly #latestForEnterprise;
  readonly #count;
  readonly #list;
  readonly #revokeOne;
  readonly #revokeTeam;
  readonly #revokeEnterprise;
  readonly #revokeUsers;
  readonly #prune;

  constructor(db: Db, box: SecretBox) {
    this.#db = db;
    this.#box = box;
    this.#insert = db.prepare<Omit<Row, 'id' | 'revoked_at' | 'revoked_reason'>, never>(`
      INSERT INTO installations (team_id, team_name, enterprise_id, enterprise_name, is_enterprise_install,
        channel_id, channel_name, webhook_url, configuration_url, app_id, bot_user_id, bot_token, scopes,
        installer_user_id, installed_at, key_id)
      VALUES (@team_id, @team_name, @enterprise_id, @enterprise_name, @is_enterprise_install,
        @channel_id, @channel_name, @webhook_url, @configuration_url, @app_id, @bot_user_id, @bot_token, @scopes,
        @installer_user_id, @installed_at, @key_id)`);
    this.#plaintext = db.prepare<[], Pick<Row, 'id' | 'webhook_url' | 'bot_token' | 'key_id'>>(
      'SELECT id, webhook_url, bot_token, key_id FROM installations WHERE key_id IS NULL',
    );
    this.#notUnder = db.prepare<[string], Pick<Row, 'id' | 'webhook_url' | 'bot_token' | 'key_id'>>(
      'SELECT id, webhook_url, bot_token, key_id FROM installations WHERE key_id IS NULL OR key_id <> ?',
    );
    this.#update = db.prepare<[string, string | null, string, number], never>(
      'UPDATE installations SET webhook_url = ?, bot_token = ?, key_id = ? WHERE id = ?',
    );
    this.#keyIds = db.prepare<[], { key_id: string }>(
      'SELECT DISTINCT key_id FROM installations WHERE key_id IS NOT NULL',
    );
    this.#byId = db.prepare<[number], Row>('SELECT * FROM installations WHERE id = ?');
    this.#latestForTeam = db.prepare<[string], Row>(
      'SELECT * FROM installations WHERE team_id = ? AND is_enterprise_install = 0 AND revoked_at IS NULL ORDER BY installed_at DESC, id DESC LIMIT 1',
    );
    this.#latestForEnterprise = db.prepare<[string], Row>(
      'SELECT * FROM installations WHERE enterprise_id = ? AND is_enterprise_install = 1 AND revoked_at IS NULL ORDER BY installed_at DESC, id DESC LIMIT 1',
    );
    this.#count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM installations');
    this.#list = db.prepare<{ team_id: string | null; channel_id: string | null; revoked: number | null }, Row>(`
      SELECT * FROM installations
      WHERE (@team_id IS NULL OR team_id = @team_id) AND (@channel_id IS NULL OR channel_id = @channel_id)
        AND (@revoked IS NULL OR (revoked_at IS NOT NULL) = @revoked)
      ORDER BY id`);
    // Every revocation touches active rows only, so a repeated event or command changes nothing.
    this.#revokeOne = db.prepare<[number, string, number], never>(
      'UPDATE installations SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL',
    );
    // Events only reach installs made before they were sent: a late retry must not revoke a reinstall.
    this.#revokeTeam = db.prepare<[number, string, string, number], never>(
      'UPDATE installations SET revoked_at = ?, revoked_reason = ? WHERE team_id = ? AND is_enterprise_install = 0 AND revoked_at IS NULL AND installed_at <= ?',
    );
    this.#revokeEnterprise = db.prepare<[number, string, string, number], never>(
      'UPDATE installations SET revoked_at = ?, revoked_reason = ? WHERE enterprise_id = ? AND is_enterprise_install = 1 AND revoked_at IS NULL AND installed_at <= ?',
    );
    this.#revokeUsers = db.prepare<
      {
        at: number;
        reason: string;
        team_id: string | null;
        enterprise_id: string | null;
        bots: string;
        users: string;
        before: number;
      },
      never
    >(`
      UPDATE installations SET revoked_at = @at, revoked_reason = @reason
      WHERE revoked_at IS NULL AND installed_at <= @before
        AND ((is_enterprise_install = 0 AND team_id = @team_id) OR (is_enterprise_install = 1 AND enterprise_id = @enterprise_id))
        AND (bot_user_id IN (SELECT value FROM json_each(@bots)) OR installer_user_id IN (SELECT value FROM json_each(@users)))`);
    this.#prune = db.prepare<[number], never>(
      'DELETE FROM installations WHERE revoked_at IS NOT NULL AND revoked_at < ?',
    );
  }

  async storeInstallation(installation: Installation): Promise<void> {
    this.insert(installation);
  }

  /** Inserts a new row for an install that carries an incoming webhook; returns the new id. */
  insert(installation: Installation): number {
    const webhook = installation.incomingWebhook;
    if (webhook?.channelId === undefined || webhook.channel === undefined) {
      throw new TypeError('an installation without an incoming webhook (channel and channel id) cannot be stored');
    }
    const result = this.#insert.run({
      team_id: installation.team?.id ?? null,
      team_name: installation.team?.name ?? null,
      enterprise_id: installation.enterprise?.id ?? null,
      enterprise_name: installation.enterprise?.name ?? null,
      is_enterprise_install: installation.isEnterpriseInstall === true ? 1 : 0,
      channel_id: webhook.channelId,
      channel_name: webhook.channel,
      webhook_url: this.#box.encrypt(webhook.url, WEBHOOK_AAD),
      configuration_url: webhook.configurationUrl ?? null,
      app_id: installation.appId ?? null,
      bot_user_id: installation.bot?.userId ?? null,
      bot_token: installation.bot === undefined ? null : this.#box.encrypt(installation.bot.token, TOKEN_AAD),
      scopes: (installation.bot?.scopes ?? []).join(','),
      installer_user_id: installation.user.id,
      installed_at: Date.now(),
      key_id: this.#box.keyId,
    });
    return Number(result.lastInsertRowid);
  }

  /** The newest install for the workspace (or the org, for an org-wide install), as @slack/oauth expects. */
  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation> {
    const row =
      query.isEnterpriseInstall && query.enterpriseId !== undefined
        ? this.#latestForEnterprise.get(query.enterpriseId)
        : query.teamId !== undefined
          ? this.#latestForTeam.get(query.teamId)
          : undefined;
    if (row === undefined) throw new Error('no installation matches the query');
    return toInstallation(toRecord(row, this.#box));
  }

  get(id: number): InstallationRecord | undefined {
    const row = this.#byId.get(id);
    return row === undefined ? undefined : toRecord(row, this.#box);
  }

  count(): number {
    return this.#count.get()!.n;
  }

  list(filter: InstallationFilter = {}): InstallationRecord[] {
    return this.#list
      .all({
        team_id: filter.teamId ?? null,
        channel_id: filter.channelId ?? null,
        revoked: filter.revoked === undefined ? null : Number(filter.revoked),
      })
      .map((row) => toRecord(row, this.#box));
  }

  /** Marks one installation revoked; false when it does not exist or was revoked already. */
  revoke(id: number, reason: string, at = new Date()): boolean {
    return this.#revokeOne.run(at.getTime(), reason, id).changes > 0;
  }

  /**
   * `app_uninstalled`: every active installation of a workspace (or of an org, for org-wide installs) made
   * before `sentAt`, when Slack sent the event.
   */
  revokeWorkspace(
    where: { teamId?: string; enterpriseId?: string; isEnterpriseInstall: boolean },
    reason: string,
    sentAt: Date,
    at = new Date(),
  ): number {
    if (where.isEnterpriseInstall) {
      return where.enterpriseId === undefined
        ? 0
        : this.#revokeEnterprise.run(at.getTime(), reason, where.enterpriseId, sentAt.getTime()).changes;
    }
    return where.teamId === undefined
      ? 0
      : this.#revokeTeam.run(at.getTime(), reason, where.teamId, sentAt.getTime()).changes;
  }

  /** `tokens_revoked`: active installations made before `sentAt` whose bot user or installing user is named. */
  revokeByUsers(
    where: { teamId?: string; enterpriseId?: string },
    users: { botUserIds: string[]; installerUserIds: string[] },
    reason: string,
    sentAt: Date,
    at = new Date(),
  ): number {
    return this.#revokeUsers.run({
      at: at.getTime(),
      reason,
      team_id: where.teamId ?? null,
      enterprise_id: where.enterpriseId ?? null,
      bots: JSON.stringify(users.botUserIds),
      users: JSON.stringify(users.installerUserIds),
      before: sentAt.getTime(),
    }).changes;
  }

  /** Deletes installations revoked before `date`; returns how many. Active ones are never deleted. */
  pruneRevokedBefore(date: Date): number {
    return this.#prune.run(date.getTime()).changes;
  }

  /** Key ids that rows are sealed under but that are not configured: such rows could not be read. */
  unknownKeyIds(): string[] {
    return this.#keyIds
      .all()
      .map((r) => r.key_id)
      .filter((id) => !this.#box.hasKey(id));
  }

  /** Seals the rows written before encryption existed (at start-up); returns how many. */
  resealPlaintext(): number {
    return this.#reseal(this.#plaintext.all.bind(this.#plaintext));
  }

  /** Re-seals every row not under the current key, old keys and plaintext alike (key rotation); returns how many. */
  resealAll(): number {
    return this.#reseal(() => this.#notUnder.all(this.#box.keyId));
  }

  #reseal(select: () => Array<Pick<Row, 'id' | 'webhook_url' | 'bot_token' | 'key_id'>>): number {
    return this.#db.transaction(() => {
      const rows = select();
      for (const row of rows) {
        const url = unseal(this.#box, row.webhook_url, row.key_id, WEBHOOK_AAD)!;
        const token = unseal(this.#box, row.bot_token, row.key_id, TOKEN_AAD);
        this.#update.run(
          this.#box.encrypt(url, WEBHOOK_AAD),
          token === null ? null : this.#box.encrypt(token, TOKEN_AAD),
          this.#box.keyId,
          row.id,
        );
      }
      return rows.length;
    })();
  }
}

function toInstallation(r: InstallationRecord): Installation {
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
