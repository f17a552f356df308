import type { Installation, InstallationQuery } from '@slack/oauth';
import type { PoolClient, QueryResultRow } from 'pg';
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
import type { Pg } from './database.js';
import { PostgresInstallationScans } from './installation-scans.js';

const INSERT = {
  name: 'installations-insert',
  text: `INSERT INTO installations (${NEW_ROW_COLUMNS.join(', ')})
    VALUES (${NEW_ROW_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
};
const BY_ID = { name: 'installations-by-id', text: 'SELECT * FROM installations WHERE id = $1' };
const BY_LANDING_ID = {
  name: 'installations-by-landing-id',
  text: 'SELECT * FROM installations WHERE landing_id = $1',
};
// The newest is the last inserted: ids grow with time.
const LATEST_FOR_TEAM =
  'SELECT * FROM installations WHERE team_id = $1 AND NOT is_enterprise_install AND revoked_at IS NULL ORDER BY id DESC LIMIT 1';
const LATEST_FOR_ENTERPRISE =
  'SELECT * FROM installations WHERE enterprise_id = $1 AND is_enterprise_install AND revoked_at IS NULL ORDER BY id DESC LIMIT 1';
const LATEST_FOR_TEAM_USER =
  'SELECT * FROM installations WHERE team_id = $1 AND installer_user_id = $2 AND NOT is_enterprise_install AND revoked_at IS NULL ORDER BY id DESC LIMIT 1';
const LATEST_FOR_ENTERPRISE_USER =
  'SELECT * FROM installations WHERE enterprise_id = $1 AND installer_user_id = $2 AND is_enterprise_install AND revoked_at IS NULL ORDER BY id DESC LIMIT 1';
// deleteInstallation keeps history: rows are marked revoked, never deleted.
const DELETE_TEAM =
  'UPDATE installations SET revoked_at = $1, revoked_reason = $2 WHERE team_id = $3 AND NOT is_enterprise_install AND revoked_at IS NULL AND ($4::text IS NULL OR installer_user_id = $4)';
const DELETE_ENTERPRISE =
  'UPDATE installations SET revoked_at = $1, revoked_reason = $2 WHERE enterprise_id = $3 AND is_enterprise_install AND revoked_at IS NULL AND ($4::text IS NULL OR installer_user_id = $4)';
// A refresh rewrites one row's tokens in one statement: readers see the old pair or the new, never half.
const UPDATE_TOKENS = `
  UPDATE installations SET bot_token = $2, bot_refresh_token = $3, bot_expires_at = $4, user_token = $5,
    user_refresh_token = $6, user_expires_at = $7, bot_id = COALESCE($8, bot_id)
  WHERE id = $1 AND key_id = $9 AND revoked_at IS NULL`;
const SEALED_LIST = `id, key_id, ${SEALED.join(', ')}`;
const RESEAL_ROW = `UPDATE installations SET ${SEALED.map((c, i) => `${c} = $${i + 2}`).join(', ')}, key_id = $${SEALED.length + 2} WHERE id = $1`;

type Runner = Pick<PoolClient, 'query'>;
// Every revocation touches active rows only, so a repeated event or command changes nothing; events only reach
// installs made before they were sent, so a late retry does not revoke a reinstall.
const REVOKE_ONE = 'UPDATE installations SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL';
const REVOKE_TEAM =
  'UPDATE installations SET revoked_at = $1, revoked_reason = $2 WHERE team_id = $3 AND NOT is_enterprise_install AND revoked_at IS NULL AND installed_at <= $4';
const REVOKE_ENTERPRISE =
  'UPDATE installations SET revoked_at = $1, revoked_reason = $2 WHERE enterprise_id = $3 AND is_enterprise_install AND revoked_at IS NULL AND installed_at <= $4';
const REVOKE_USERS = `
  UPDATE installations SET revoked_at = $1, revoked_reason = $2
  WHERE revoked_at IS NULL AND installed_at <= $3
    AND ((NOT is_enterprise_install AND team_id = $4) OR (is_enterprise_install AND enterprise_id = $5))
    AND (bot_user_id = ANY($6::text[]) OR installer_user_id = ANY($7::text[]))`;

/** The `installations` table in PostgreSQL; `insertWith` is what recordInstall's transaction calls. */
export class PostgresInstallations implements Installations {
  readonly #db;
  readonly #box;
  readonly #scans;

  constructor(db: Pg, box: SecretBox) {
    this.#db = db;
    this.#box = box;
    this.#scans = new PostgresInstallationScans(db, box);
  }

  /**
   * A new install is a new row. @slack/oauth also calls this after refreshing rotating tokens, with the
   * installation it fetched: when the newest row of that workspace (or org) holds the same webhook, its tokens are
   * updated instead, so a refresh is not recorded as another install.
   */
  async storeInstallation(installation: Installation): Promise<void> {
    const latest = await this.#latest(
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
        await this.#db.transaction(async (client) => {
          const [row] = await rows<InstallationRow>(client, 'SELECT * FROM installations WHERE id = $1 FOR UPDATE', [
            record.id,
          ]);
          if (row !== undefined && row.key_id !== this.#box.keyId) await this.#resealRow(client, row);
          await this.#writeTokens(client, record.id, installation);
        });
        return;
      }
    }
    await this.insert(installation);
  }

  /** Revokes (keeps as history) the active installs the query names: a workspace's, an org's, or one user's there. */
  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    const at = Date.now();
    const user = query.userId ?? null;
    if (query.isEnterpriseInstall && query.enterpriseId !== undefined)
      await this.#db.run(DELETE_ENTERPRISE, [at, 'deleteInstallation', query.enterpriseId, user]);
    else if (query.teamId !== undefined)
      await this.#db.run(DELETE_TEAM, [at, 'deleteInstallation', query.teamId, user]);
  }

  async installation(id: number): Promise<Installation | undefined> {
    const [row] = await this.#db.query<InstallationRow>(BY_ID, [id]);
    return row === undefined ? undefined : rowToInstallation(row, this.#box);
  }

  async refreshTokens(id: number, refresh: TokenRefresh): Promise<boolean> {
    return this.#db.transaction(async (client) => {
      // FOR UPDATE: a refresh and a key rotation of the same row take turns.
      const [row] = await rows<InstallationRow>(client, 'SELECT * FROM installations WHERE id = $1 FOR UPDATE', [id]);
      if (row === undefined || row.revoked_at !== null) return false;
      const current = rowToInstallation(row, this.#box);
      if (row.key_id !== this.#box.keyId) await this.#resealRow(client, row);
      return this.#writeTokens(client, id, { bot: { ...current.bot!, ...refresh.bot }, user: current.user });
    });
  }

  async #latest(orgWide: boolean, enterpriseId: string | undefined, teamId: string | undefined) {
    const [row] = orgWide
      ? enterpriseId === undefined
        ? []
        : await this.#db.query<InstallationRow>(LATEST_FOR_ENTERPRISE, [enterpriseId])
      : teamId === undefined
        ? []
        : await this.#db.query<InstallationRow>(LATEST_FOR_TEAM, [teamId]);
    return row;
  }

  async #writeTokens(client: Runner, id: number, installation: Pick<Installation, 'bot' | 'user'>): Promise<boolean> {
    const botToken =
      installation.bot === undefined ? null : this.#box.encrypt(installation.bot.token, 'installations.bot_token');
    const c = tokenColumns(installation, this.#box);
    const { rowCount } = await client.query(UPDATE_TOKENS, [
      id,
      botToken,
      c.bot_refresh_token,
      c.bot_expires_at,
      c.user_token,
      c.user_refresh_token,
      c.user_expires_at,
      c.bot_id,
      this.#box.keyId,
    ]);
    return (rowCount ?? 0) > 0;
  }

  async #resealRow(client: Runner, row: SealedColumns): Promise<void> {
    const sealed = resealed(row, this.#box);
    await client.query(RESEAL_ROW, [sealed.id, ...SEALED.map((c) => sealed[c]), this.#box.keyId]);
  }

  async insert(installation: Installation): Promise<number> {
    const row = newRow(installation, this.#box);
    const [inserted] = await this.#db.query<{ id: string }>(
      INSERT,
      NEW_ROW_COLUMNS.map((c) => row[c]),
    );
    return Number(inserted!.id);
  }

  /** insert, on the connection of an open transaction. */
  async insertWith(client: PoolClient, installation: Installation, landingId: string | null = null): Promise<number> {
    const row = newRow(installation, this.#box, landingId);
    const { rows } = await client.query<{ id: string }>({ ...INSERT, values: NEW_ROW_COLUMNS.map((c) => row[c]) });
    return Number(rows[0]!.id);
  }

  /**
   * The newest active install for the workspace, or the org for an org-wide install, as @slack/oauth expects. A
   * workspace of an org with no install of its own gets the org-wide install. With `userId`, the user token is that
   * user's, from their newest install there.
   */
  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation> {
    let orgWide = query.isEnterpriseInstall;
    let row = await this.#latest(orgWide, query.enterpriseId, query.teamId);
    if (row === undefined && !orgWide && query.enterpriseId !== undefined) {
      orgWide = true;
      row = await this.#latest(true, query.enterpriseId, undefined);
    }
    if (row === undefined) throw new Error('no installation matches the query');
    const installation = rowToInstallation(row, this.#box);
    if (query.userId !== undefined && row.installer_user_id !== query.userId) {
      const [own] = orgWide
        ? await this.#db.query<InstallationRow>(LATEST_FOR_ENTERPRISE_USER, [query.enterpriseId, query.userId])
        : await this.#db.query<InstallationRow>(LATEST_FOR_TEAM_USER, [query.teamId, query.userId]);
      installation.user =
        own === undefined
          ? { id: query.userId, token: undefined, scopes: undefined }
          : rowToInstallation(own, this.#box).user;
    }
    return installation;
  }

  async get(id: number): Promise<InstallationRecord | undefined> {
    const [row] = await this.#db.query<InstallationRow>(BY_ID, [id]);
    return row === undefined ? undefined : toRecord(row, this.#box);
  }

  async byLandingId(landingId: string): Promise<InstallationRecord | undefined> {
    const [row] = await this.#db.query<InstallationRow>(BY_LANDING_ID, [landingId]);
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
    return (await this.#db.run(REVOKE_ONE, [at.getTime(), reason, id])) > 0;
  }

  async revokeWorkspace(where: WorkspaceQuery, reason: string, sentAt: Date, at = new Date()): Promise<number> {
    if (where.isEnterpriseInstall) {
      return where.enterpriseId === undefined
        ? 0
        : this.#db.run(REVOKE_ENTERPRISE, [at.getTime(), reason, where.enterpriseId, sentAt.getTime()]);
    }
    return where.teamId === undefined
      ? 0
      : this.#db.run(REVOKE_TEAM, [at.getTime(), reason, where.teamId, sentAt.getTime()]);
  }

  async revokeByUsers(
    where: { teamId?: string; enterpriseId?: string },
    users: { botUserIds: string[]; installerUserIds: string[] },
    reason: string,
    sentAt: Date,
    at = new Date(),
  ): Promise<number> {
    return this.#db.run(REVOKE_USERS, [
      at.getTime(),
      reason,
      sentAt.getTime(),
      where.teamId ?? null,
      where.enterpriseId ?? null,
      users.botUserIds,
      users.installerUserIds,
    ]);
  }

  pruneRevokedBefore(date: Date, options?: PruneOptions): Promise<number> {
    return this.#scans.pruneRevokedBefore(date, options);
  }

  async unknownKeyIds(): Promise<string[]> {
    return (await this.#scans.keyIds()).filter((id) => !this.#box.hasKey(id));
  }

  async resealPlaintext(): Promise<number> {
    return this.#reseal(`SELECT ${SEALED_LIST} FROM installations WHERE key_id IS NULL FOR UPDATE`, []);
  }

  async resealAll(): Promise<number> {
    return this.#reseal(`SELECT ${SEALED_LIST} FROM installations WHERE key_id IS NULL OR key_id <> $1 FOR UPDATE`, [
      this.#box.keyId,
    ]);
  }

  // FOR UPDATE: a replica re-sealing at the same moment waits, then finds these rows no longer match.
  async #reseal(select: string, values: unknown[]): Promise<number> {
    return this.#db.transaction(async (client) => {
      const found = await rows<SealedColumns>(client, select, values);
      for (const row of found) await this.#resealRow(client, row);
      return found.length;
    });
  }
}

async function rows<R extends QueryResultRow>(client: Runner, text: string, values: unknown[]): Promise<R[]> {
  return (await client.query<R>(text, values)).rows;
}
