// Reading and deleting PostgreSQL's installations in bulk, in memory that does not grow with the table: filtered
// keyset pages in id order (each page one short query, so no connection is held while the caller writes), counts,
// pruning in small transactions, and the key ids in use found by index seeks.
//
// Keyset pages rather than a server-side cursor (DECLARE … FETCH), on purpose: a cursor lives in a transaction that
// stays open until the last row is fetched, and `list`/`export` fetch only as fast as their reader takes the output
// (backpressure), so a slow pipe would hold a transaction and its snapshot for as long as it likes, keeping VACUUM
// from cleaning any table of the cluster (the hot used_oauth_states and landing_sessions too) and a pool connection
// busy, and an idle_in_transaction_session_timeout would cut the export short. A page is an index range read of the
// primary key (or of a filter's (column, id) index, migration 009) from where the last one ended, so the whole walk
// is linear, memory is one page as with a cursor's FETCH, and each row comes once even while rows are inserted
// (ids only grow) — test/store/conformance.ts checks it on both databases. What is given up: one snapshot for the
// whole walk (a row revoked meanwhile shows the state its page read). Measured on a million rows, reading and
// decrypting each: pages 21–35 s and 98 MiB peak, a cursor fetching 500 at a time 26 s and 133 MiB.
import type { SecretBox } from '../../crypto/secret-box.js';
import { toRecord, type InstallationRow } from '../sealing.js';
import { PRUNE_BATCH, type InstallationRecord, type InstallationScan, type PruneOptions } from '../types.js';
import type { Pg } from './database.js';

/** Rows per page when iterating: enough to amortise a round trip, few enough to keep memory flat. */
const PAGE = 500;

const KEY_IDS = `
  WITH RECURSIVE k (key_id) AS (
    SELECT min(key_id) FROM installations
    UNION ALL
    SELECT (SELECT min(key_id) FROM installations WHERE key_id > k.key_id) FROM k WHERE k.key_id IS NOT NULL
  )
  SELECT key_id FROM k WHERE key_id IS NOT NULL`;

/** The WHERE clause for a scan, from fixed fragments with numbered parameters (no value is put into SQL text). */
function where(scan: InstallationScan): { sql: string; values: unknown[] } {
  const parts: string[] = [];
  const values: unknown[] = [];
  if (scan.teamId !== undefined) parts.push(`team_id = $${values.push(scan.teamId)}`);
  if (scan.channelId !== undefined) parts.push(`channel_id = $${values.push(scan.channelId)}`);
  if (scan.revoked !== undefined) parts.push(scan.revoked ? 'revoked_at IS NOT NULL' : 'revoked_at IS NULL');
  if (scan.after !== undefined) parts.push(`id > $${values.push(scan.after)}`);
  return { sql: parts.length === 0 ? '' : `WHERE ${parts.join(' AND ')}`, values };
}

export class PostgresInstallationScans {
  readonly #db;
  readonly #box;

  constructor(db: Pg, box: SecretBox) {
    this.#db = db;
    this.#box = box;
  }

  /** The matching installations as an array (up to `limit`). */
  async all(scan: InstallationScan = {}): Promise<InstallationRecord[]> {
    const { sql, values } = where(scan);
    const limit = scan.limit === undefined ? '' : ` LIMIT $${values.push(scan.limit)}`;
    const rows = await this.#db.query<InstallationRow>(
      `SELECT * FROM installations ${sql} ORDER BY id${limit}`,
      values,
    );
    return rows.map((row) => toRecord(row, this.#box));
  }

  /** The matching installations in id order, a page at a time; leaving the loop early stops the reading. */
  async *iterate(scan: InstallationScan = {}): AsyncGenerator<InstallationRecord> {
    let after = scan.after;
    let left = scan.limit ?? Infinity;
    while (left > 0) {
      const page = await this.all({ ...scan, after, limit: Math.min(PAGE, left) });
      for (const record of page) yield record;
      if (page.length < Math.min(PAGE, left)) return;
      left -= page.length;
      after = page.at(-1)!.id;
    }
  }

  /** How many installations match (ignoring `limit`). */
  async count(scan: InstallationScan = {}): Promise<number> {
    const { sql, values } = where(scan);
    const [row] = await this.#db.query<{ n: number }>(`SELECT count(*)::int AS n FROM installations ${sql}`, values);
    return row!.n;
  }

  /**
   * Every key id rows are sealed under: one index seek per distinct id (a recursive walk of installations_by_key),
   * however many rows there are. PostgreSQL has no skip scan, so `SELECT DISTINCT key_id` would read every entry
   * of the index (a million rows: a start-up that grows with the history).
   */
  async keyIds(): Promise<string[]> {
    const rows = await this.#db.query<{ key_id: string }>(KEY_IDS);
    return rows.map((r) => r.key_id);
  }

  /** Deletes installations revoked before `date`, `batchSize` at a time, each batch its own short transaction. */
  async pruneRevokedBefore(date: Date, options: PruneOptions = {}): Promise<number> {
    const batchSize = options.batchSize ?? PRUNE_BATCH;
    let total = 0;
    for (;;) {
      const deleted = await this.#db.run(
        `DELETE FROM installations WHERE id IN (
          SELECT id FROM installations WHERE revoked_at IS NOT NULL AND revoked_at < $1 ORDER BY revoked_at LIMIT $2)`,
        [date.getTime(), batchSize],
      );
      total += deleted;
      if (deleted < batchSize) return total;
      await options.onBatch?.(total);
    }
  }
}
