import type { Installation, InstallationQuery } from '@slack/oauth';
import type { SecretBox } from '../../crypto/secret-box.js';
import {
  NEW_ROW_COLUMNS,
  newRow,
  resealed,
  rowToInstallation,
  SEALED,
  tokenColumns,
  toRecord,
  type InstallationRow,
  type SealedColumns,
} from '../sealing.js';
import type {
  InstallationRecord,
  Installations,
  InstallationScan,
  PruneOptions,
  TokenRefresh,
  WorkspaceQuery,
} from '../types.js';
import type { Db } from './database.js';
import { InstallationScans } from './installation-scans.js';

type Params = Record<(typeof NEW_ROW_COLUMNS)[number], string | number | null>;

/**
 * The `installations` table in SQLite. Every statement is prepared once; better-sqlite3 is synchronous, so the
 * methods answer at once, and `insertNow` is what recordInstall's transaction calls.
 */
export class SqliteInstallations implements Installations {
  readonly #db;
  readonly #box;
  readonly #insert;
  readonly #plaintext;
  readonly #notUnder;
  readonly #update;
  readonly #byId;
  readonly #byLandingId;
  readonly #latestForTeam;
  readonly #latestForEnterprise;
  readonly #latestForTeamUser;
  readonly #latestForEnterpriseUser;
  readonly #updateTokens;
  readonly #deleteTeam;
  readonly #deleteEnterprise;
  readonly #revokeOne;
  readonly #revokeTeam;
  readonly #revokeEnterprise;
  readonly #revokeUsers;
  readonly #scans;

  constructor(db: Db, box: SecretBox) {
    this.#db = db;
    this.#box = box;
    this.#scans = new InstallationScans(db, box);
    this.#insert = db.prepare<Params, never>(
      `INSERT INTO installations (${NEW_ROW_COLUMNS.join(', ')}) VALUES (${NEW_ROW_COLUMNS.map((c) => `@${c}`).join(', ')})`,
    );
    const sealed = `id, key_id, ${SEALED.join(', ')}`;
    this.#plaintext = db.prepare<[], SealedColumns>(`SELECT ${sealed} FROM installations WHERE key_id IS NULL`);
    this.#notUnder = db.prepare<[string], SealedColumns>(
      `SELECT ${sealed} FROM installations WHERE key_id IS NULL OR key_id <> ?`,
    );
    this.#update = db.prepare<Record<string, string | number | null>, never>(
      `UPDATE installations SET ${SEALED.map((c) => `${c} = @${c}`).join(', ')}, key_id = @key_id WHERE id = @id`,
    );
    this.#byId = db.prepare<[number], InstallationRow>('SELECT * FROM installations WHERE id = ?');
    this.#byLandingId = db.prepare<[string], InstallationRow>('SELECT * FROM installations WHERE landing_id = ?');
    // The newest is the last inserted: ids grow with time, and an index on (team_id) is already in id order.
    this.#latestForTeam = db.prepare<[string], InstallationRow>(
      'SELECT * FROM installations WHERE team_id = ? AND is_enterprise_install = 0 AND revoked_at IS NULL ORDER BY id DESC LIMIT 1',
    );
    this.#latestForEnterprise = db.prepare<[string], InstallationRow>(
      'SELECT * FROM installations WHERE enterprise_id = ? AND is_enterprise_install = 1 AND revoked_at IS NULL ORDER BY id DESC LIMIT 1',
    );
    this.#latestForTeamUser = db.prepare<[string, string], InstallationRow>(
      'SELECT * FROM installations WHERE team_id = ? AND installer_user_id = ? AND is_enterprise_install = 0 AND revoked_at IS NULL ORDER BY id DESC LIMIT 1',
    );
    this.#latestForEnterpriseUser = db.prepare<[string, string], InstallationRow>(
      'SELECT * FROM installations WHERE enterprise_id = ? AND installer_user_id = ? AND is_enterprise_install = 1 AND revoked_at IS NULL ORDER BY id DESC LIMIT 1',
    );
    // A refresh rewrites one row's tokens in one statement: readers see the old pair or the new, never half.
    // Its other sealed columns are under key_id already; the refreshed ones are sealed under the current key,
    // so the row is re-sealed whole when the key has changed since.
    this.#updateTokens = db.prepare<Record<string, string | number | null>, never>(`
      UPDATE installations SET bot_token = @bot_token, bot_refresh_token = @bot_refresh_token,
        bot_expires_at = @bot_expires_at, user_token = @user_token, user_refresh_token = @user_refresh_token,
        user_expires_at = @user_expires_at, bot_id = COALESCE(@bot_id, bot_id)
      WHERE id = @id AND key_id = @key_id AND revoked_at IS NULL`);
    // deleteInstallation keeps history: rows are marked revoked, never deleted.
    this.#deleteTeam = db.prepare<[number, string, string, string | null, string | null], never>(
      'UPDATE installations SET revoked_at = ?, revoked_reason = ? WHERE team_id = ? AND is_enterprise_install = 0 AND revoked_at IS NULL AND (? IS NULL OR installer_user_id = ?)',
    );
    this.#deleteEnterprise = db.prepare<[number, string, string, string | null, string | null], never>(
      'UPDATE installations SET revoked_at = ?, revoked_reason = ? WHERE enterprise_id = ? AND is_enterprise_install = 1 AND revoked_at IS NULL AND (? IS NULL OR installer_user_id = ?)',
    );
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
  }

  /**
   * A new install is a new row. @slack/oauth also calls this after refreshing rotating tokens, with the
   * installation it fetched: when the newest row of that workspace (or org) holds the same webhook, its tokens are
   * updated instead, so a refresh is not recorded as another install.
   */
  async storeInstallation(installation: Installation): Promise<void> {
    const latest = this.#latest(
      installation.isEnterpriseInstall === true,
      installation.enterprise?.id,
      installation.team?.id,
    );
    if (latest !== undefined && installation.incomingWebhook?.url !== undefined) {
      const record = toRecord(latest, this.#box);
      if (
        record.webhookUrl === installation.incomingWebhook.url &&
        record.botUserId === (installation.bot?.userId || null)
      ) {
        this.#db.transaction(() => {
          if (latest.key_id !== this.#box.keyId) this.#resealRow(latest);
          this.#writeTokens(record.id, installation);
        })();
        return;
      }
    }
    this.insertNow(installation);
  }

  async insert(installation: Installation): Promise<number> {
    return this.insertNow(installation);
  }

  /** insert, synchronously, inside whatever transaction is open; `landingId` is its landing page's address. */
  insertNow(installation: Installation, landingId: string | null = null): number {
    const row = newRow(installation, this.#box, landingId);
    const params = { ...row, is_enterprise_install: row.is_enterprise_install ? 1 : 0 };
    return Number(this.#insert.run(params).lastInsertRowid);
  }

  /**
   * The newest active install for the workspace, or the org for an org-wide install, as @slack/oauth expects. A
   * workspace of an org with no install of its own gets the org-wide install (as Bolt asks from an org's
   * workspace). With `userId`, the user token is that user's, from their newest install there.
   */
  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation> {
    let orgWide = query.isEnterpriseInstall;
    let row = this.#latest(orgWide, query.enterpriseId, query.teamId);
    if (row === undefined && !orgWide && query.enterpriseId !== undefined) {
      orgWide = true;
      row = this.#latest(true, query.enterpriseId, undefined);
    }
    if (row === undefined) throw new Error('no installation matches the query');
    const installation = rowToInstallation(row, this.#box);
    if (query.userId !== undefined && row.installer_user_id !== query.userId) {
      const own = orgWide
        ? this.#latestForEnterpriseUser.get(query.enterpriseId!, query.userId)
        : this.#latestForTeamUser.get(query.teamId!, query.userId);
      installation.user =
        own === undefined
          ? { id: query.userId, token: undefined, scopes: undefined }
          : rowToInstallation(own, this.#box).user;
    }
    return installation;
  }

  /** Revokes (keeps as history) the active installs the query names: a workspace's, an org's, or one user's there. */
  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    const at = Date.now();
    const user = query.userId ?? null;
    if (query.isEnterpriseInstall && query.enterpriseId !== undefined)
      this.#deleteEnterprise.run(at, 'deleteInstallation', query.enterpriseId, user, user);
    else if (query.teamId !== undefined) this.#deleteTeam.run(at, 'deleteInstallation', query.teamId, user, user);
  }

  async installation(id: number): Promise<Installation | undefined> {
    const row = this.#byId.get(id);
    return row === undefined ? undefined : rowToInstallation(row, this.#box);
  }

  async refreshTokens(id: number, refresh: TokenRefresh): Promise<boolean> {
    const row = this.#byId.get(id);
    if (row === undefined || row.revoked_at !== null) return false;
    const current = rowToInstallation(row, this.#box);
    return this.#db.transaction(() => {
      if (row.key_id !== this.#box.keyId) this.#resealRow(row);
      return this.#writeTokens(id, { bot: { ...current.bot!, ...refresh.bot }, user: current.user });
    })();
  }

  #latest(orgWide: boolean, enterpriseId: string | undefined, teamId: string | undefined): InstallationRow | undefined {
    if (orgWide) return enterpriseId === undefined ? undefined : this.#latestForEnterprise.get(enterpriseId);
    return teamId === undefined ? undefined : this.#latestForTeam.get(teamId);
  }

  #writeTokens(id: number, installation: Pick<Installation, 'bot' | 'user'>): boolean {
    const bot_token =
      installation.bot === undefined ? null : this.#box.encrypt(installation.bot.token, 'installations.bot_token');
    const columns = tokenColumns(installation, this.#box);
    return this.#updateTokens.run({ id, key_id: this.#box.keyId, bot_token, ...columns }).changes > 0;
  }

  #resealRow(row: SealedColumns): void {
    this.#update.run({ ...resealed(row, this.#box), key_id: this.#box.keyId });
  }

  async get(id: number): Promise<InstallationRecord | undefined> {
    const row = this.#byId.get(id);
    return row === undefined ? undefined : toRecord(row, this.#box);
  }

  async byLandingId(landingId: string): Promise<InstallationRecord | undefined> {
    const row = this.#byLandingId.get(landingId);
    return row === undefined ? undefined : toRecord(row, this.#box);
  }

  async count(scan: InstallationScan = {}): Promise<number> {
    return this.#scans.count(scan);
  }

  async list(scan: InstallationScan = {}): Promise<InstallationRecord[]> {
    return this.#scans.all(scan);
  }

  iterate(scan: InstallationScan = {}): AsyncGenerator<InstallationRecord> {
    return this.#scans.iterate(scan);
  }

  async revoke(id: number, reason: string, at = new Date()): Promise<boolean> {
    return this.#revokeOne.run(at.getTime(), reason, id).changes > 0;
  }

  async revokeWorkspace(where: WorkspaceQuery, reason: string, sentAt: Date, at = new Date()): Promise<number> {
    if (where.isEnterpriseInstall) {
      return where.enterpriseId === undefined
        ? 0
        : this.#revokeEnterprise.run(at.getTime(), reason, where.enterpriseId, sentAt.getTime()).changes;
    }
    return where.teamId === undefined
      ? 0
      : this.#revokeTeam.run(at.getTime(), reason, where.teamId, sentAt.getTime()).changes;
  }

  async revokeByUsers(
    where: { teamId?: string; enterpriseId?: string },
    users: { botUserIds: string[]; installerUserIds: string[] },
    reason: string,
    sentAt: Date,
    at = new Date(),
  ): Promise<number> {
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

  pruneRevokedBefore(date: Date, options?: PruneOptions): Promise<number> {
    return this.#scans.pruneRevokedBefore(date, options);
  }

  async unknownKeyIds(): Promise<string[]> {
    return this.#scans.keyIds().filter((id) => !this.#box.hasKey(id));
  }

  async resealPlaintext(): Promise<number> {
    return this.#reseal(() => this.#plaintext.all());
  }

  async resealAll(): Promise<number> {
    return this.#reseal(() => this.#notUnder.all(this.#box.keyId));
  }

  #reseal(select: () => SealedColumns[]): number {
    return this.#db.transaction(() => {
      const rows = select();
      for (const row of rows) this.#resealRow(row);
      return rows.length;
    })();
  }
}
