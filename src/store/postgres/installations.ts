import type { Installation, InstallationQuery } from '@slack/oauth';
import type { PoolClient } from 'pg';
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
import type { Pg } from './database.js';
import { PostgresInstallationScans } from './installation-scans.js';

const INSERT = {
  name: 'installations-insert',
  text: `INSERT INTO installations (${NEW_ROW_COLUMNS.join(', ')})
    VALUES (${NEW_ROW_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
};
const BY_ID = { name: 'installations-by-id', text: 'SELECT * FROM installations WHERE id = $1' };
// The newest is the last inserted: ids grow with time.
const LATEST_FOR_TEAM =
  'SELECT * FROM installations WHERE team_id = $1 AND NOT is_enterprise_install AND revoked_at IS NULL ORDER BY id DESC LIMIT 1';
const LATEST_FOR_ENTERPRISE =
  'SELECT * FROM installations WHERE enterprise_id = $1 AND is_enterprise_install AND revoked_at IS NULL ORDER BY id DESC LIMIT 1';
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

  async storeInstallation(installation: Installation): Promise<void> {
    await this.insert(installation);
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
  async insertWith(client: PoolClient, installation: Installation): Promise<number> {
    const row = newRow(installation, this.#box);
    const { rows } = await client.query<{ id: string }>({ ...INSERT, values: NEW_ROW_COLUMNS.map((c) => row[c]) });
    return Number(rows[0]!.id);
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation> {
    const [row] =
      query.isEnterpriseInstall && query.enterpriseId !== undefined
        ? await this.#db.query<InstallationRow>(LATEST_FOR_ENTERPRISE, [query.enterpriseId])
        : query.teamId !== undefined
          ? await this.#db.query<InstallationRow>(LATEST_FOR_TEAM, [query.teamId])
          : [];
    if (row === undefined) throw new Error('no installation matches the query');
    return toInstallation(toRecord(row, this.#box));
  }

  async get(id: number): Promise<InstallationRecord | undefined> {
    const [row] = await this.#db.query<InstallationRow>(BY_ID, [id]);
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
    const rows = await this.#db.query<{ key_id: string }>(
      'SELECT DISTINCT key_id FROM installations WHERE key_id IS NOT NULL',
    );
    return rows.map((r) => r.key_id).filter((id) => !this.#box.hasKey(id));
  }

  async resealPlaintext(): Promise<number> {
    return this.#reseal(
      'SELECT id, webhook_url, bot_token, key_id FROM installations WHERE key_id IS NULL FOR UPDATE',
      [],
    );
  }

  async resealAll(): Promise<number> {
    return this.#reseal(
      'SELECT id, webhook_url, bot_token, key_id FROM installations WHERE key_id IS NULL OR key_id <> $1 FOR UPDATE',
      [this.#box.keyId],
    );
  }

  // FOR UPDATE: a replica re-sealing at the same moment waits, then finds these rows no longer match.
  async #reseal(select: string, values: unknown[]): Promise<number> {
    return this.#db.transaction(async (client) => {
      const { rows } = await client.query<SealedColumns>(select, values);
      for (const row of rows) {
        const sealed = resealed(row, this.#box);
        await client.query('UPDATE installations SET webhook_url = $1, bot_token = $2, key_id = $3 WHERE id = $4', [
          sealed.webhookUrl,
          sealed.botToken,
          sealed.keyId,
          sealed.id,
        ]);
      }
      return rows.length;
    });
  }
}
