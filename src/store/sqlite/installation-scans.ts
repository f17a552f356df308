// Reading and deleting SQLite's installations in bulk, in time and memory that do not grow with the table: filtered
// iteration in id order (a statement iterator, never the whole result), keyset pages, counts, pruning in small
// transactions, and the key ids in use found by index seeks. Every query here is answered from an index.
import type { SecretBox } from '../../crypto/secret-box.js';
import { toRecord, type InstallationRow } from '../sealing.js';
import { PRUNE_BATCH, type InstallationRecord, type InstallationScan, type PruneOptions } from '../types.js';
import type { Db } from './database.js';

type Params = Record<string, string | number>;

/**
 * The WHERE clause for a scan, from fixed fragments (no value is ever put into SQL text). Each filter is a plain
 * condition rather than `(@x IS NULL OR x = @x)`, which SQLite cannot answer from an index.
 */
function where(scan: InstallationScan, counting = false): { sql: string; params: Params } {
  const parts: string[] = [];
  const params: Params = {};
  if (scan.teamId !== undefined) {
    parts.push('team_id = @team_id');
    params.team_id = scan.teamId;
  }
  if (scan.channelId !== undefined) {
    parts.push('channel_id = @channel_id');
    params.channel_id = scan.channelId;
  }
  if (scan.revoked !== undefined) parts.push(scan.revoked ? 'revoked_at IS NOT NULL' : 'revoked_at IS NULL');
  if (scan.after !== undefined) {
    // Counting, `+id` keeps SQLite off the table's own b-tree (every row's pages) for a walk of the smallest index.
    parts.push(counting ? '+id > @after' : 'id > @after');
    params.after = scan.after;
  }
  const sql = parts.length === 0 ? '' : `WHERE ${parts.join(' AND ')}`;
  return { sql, params };
}

export class InstallationScans {
  readonly #db;
  readonly #box;
  readonly #statements = new Map<string, ReturnType<Db['prepare']>>();
  readonly #nextKeyId;
  readonly #pruneBatch;

  constructor(db: Db, box: SecretBox) {
    this.#db = db;
    this.#box = box;
    this.#nextKeyId = db.prepare<[string], { key_id: string }>(
      'SELECT key_id FROM installations WHERE key_id > ? ORDER BY key_id LIMIT 1',
    );
    this.#pruneBatch = db.prepare<[number, number], never>(`
      DELETE FROM installations WHERE id IN (
        SELECT id FROM installations WHERE revoked_at IS NOT NULL AND revoked_at < ? ORDER BY revoked_at LIMIT ?)`);
  }

  #prepared(sql: string): ReturnType<Db['prepare']> {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #select(scan: InstallationScan): { statement: ReturnType<Db['prepare']>; params: Params } {
    const { sql, params } = where(scan);
    const limit = scan.limit === undefined ? '' : ' LIMIT @limit';
    if (scan.limit !== undefined) params.limit = scan.limit;
    return { statement: this.#prepared(`SELECT * FROM installations ${sql} ORDER BY id${limit}`), params };
  }

  /**
   * The matching installations in id order, one row at a time from the database: memory stays flat however many
   * there are. The connection is busy until the iteration ends (or is left: `break` closes it).
   */
  async *iterate(scan: InstallationScan = {}): AsyncGenerator<InstallationRecord> {
    const { statement, params } = this.#select(scan);
    for (const row of statement.iterate(params) as IterableIterator<InstallationRow>) yield toRecord(row, this.#box);
  }

  /** The matching installations as an array: a page (`limit`), for callers that write between pages. */
  all(scan: InstallationScan = {}): InstallationRecord[] {
    const { statement, params } = this.#select(scan);
    return (statement.all(params) as InstallationRow[]).map((row) => toRecord(row, this.#box));
  }

  /** How many installations match (ignoring `limit`). */
  count(scan: InstallationScan = {}): number {
    const { sql, params } = where(scan, true);
    return (this.#prepared(`SELECT count(*) AS n FROM installations ${sql}`).get(params) as { n: number }).n;
  }

  /**
   * Deletes installations revoked before `date`, `batchSize` at a time, each batch its own short transaction,
   * and lets other work run between batches (the server's installs, in this process or another). Returns how many.
   */
  async pruneRevokedBefore(date: Date, options: PruneOptions = {}): Promise<number> {
    const batchSize = options.batchSize ?? PRUNE_BATCH;
    let total = 0;
    for (;;) {
      const deleted = this.#pruneBatch.run(date.getTime(), batchSize).changes;
      total += deleted;
      if (deleted < batchSize) return total;
      await options.onBatch?.(total);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Every key id rows are sealed under: one index seek per distinct id, however many rows there are. */
  keyIds(): string[] {
    const ids: string[] = [];
    for (let row = this.#nextKeyId.get(''); row !== undefined; row = this.#nextKeyId.get(row.key_id)) {
      ids.push(row.key_id);
    }
    return ids;
  }
}
