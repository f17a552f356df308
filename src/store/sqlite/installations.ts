import type { Installation, InstallationQuery } from '@slack/oauth';
import type { SecretBox } from '../../crypto/secret-box.js';
import {
  NEW_ROW_COLUMNS,
  newRow,
  resealed,
  toInstallation,
  toRecord,
  type InstallationRow,
  type SealedColumns,
} from '../sealing.js';
import type { InstallationRecord, Installations, InstallationScan, PruneOptions, WorkspaceQuery } from '../types.js';
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
  readonly #latestForTeam;
  readonly #latestForEnterprise;
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
    this.#plaintext = db.prepare<[], SealedColumns>(
      'SELECT id, webhook_url, bot_token, key_id FROM installations WHERE key_id IS NULL',
    );
    this.#notUnder = db.prepare<[string], SealedColumns>(
      'SELECT id, webhook_url, bot_token, key_id FROM installations WHERE key_id IS NULL OR key_id <> ?',
    );
    this.#update = db.prepare<[string, string | null, string, number], never>(
      'UPDATE installations SET webhook_url = ?, bot_token = ?, key_id = ? WHERE id = ?',
    );
    this.#byId = db.prepare<[number], InstallationRow>('SELECT * FROM installations WHERE id = ?');
    // The newest is the last inserted: ids grow with time, and an index on (team_id) is already in id order.
    this.#latestForTeam = db.prepare<[string], InstallationRow>(
      'SELECT * FROM installations WHERE team_id = ? AND is_enterprise_install = 0 AND revoked_at IS NULL ORDER BY id DESC LIMIT 1',
    );
    this.#latestForEnterprise = db.prepare<[string], InstallationRow>(
      'SELECT * FROM installations WHERE enterprise_id = ? AND is_enterprise_install = 1 AND revoked_at IS NULL ORDER BY id DESC LIMIT 1',
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

  async storeInstallation(installation: Installation): Promise<void> {
    this.insertNow(installation);
  }

  async insert(installation: Installation): Promise<number> {
    return this.insertNow(installation);
  }

  /** insert, synchronously, inside whatever transaction is open. */
  insertNow(installation: Installation): number {
    const row = newRow(installation, this.#box);
    const params = { ...row, is_enterprise_install: row.is_enterprise_install ? 1 : 0 };
    return Number(this.#insert.run(params).lastInsertRowid);
  }

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

  async get(id: number): Promise<InstallationRecord | undefined> {
    const row = this.#byId.get(id);
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
      for (const row of rows) {
        const sealed = resealed(row, this.#box);
        this.#update.run(sealed.webhookUrl, sealed.botToken, sealed.keyId, sealed.id);
      }
      return rows.length;
    })();
  }
}
