// `list` and `export`: installations streamed from the database to the output, a page at a time on a terminal.
import type { Store } from '../store/index.js';
import type { InstallationRecord } from '../store/index.js';
import type { InstallationScan } from '../store/index.js';
import { ChunkedWriter, type Output } from './stream.js';
import { writeRecords, type Format } from './writers.js';

/** Rows of the table shown on a terminal without --limit: more would scroll out of sight. */
export const TTY_TABLE_LIMIT = 100;

export interface ListOptions {
  scan: InstallationScan;
  format: Format;
  reveal: boolean;
}

/**
 * Writes the matching installations as they are read. A table on a terminal stops after TTY_TABLE_LIMIT rows
 * unless --limit says otherwise, and when it was cut says how many more there are and how to see them.
 */
export async function listInstallations(store: Store, options: ListOptions, out: Output): Promise<void> {
  const { format, reveal } = options;
  const tty = format === 'table' && out.isTTY === true;
  const scan = tty && options.scan.limit === undefined ? { ...options.scan, limit: TTY_TABLE_LIMIT } : options.scan;
  let last: number | undefined;
  async function* tracked(records: AsyncIterable<InstallationRecord>): AsyncGenerator<InstallationRecord> {
    for await (const r of records) {
      last = r.id;
      yield r;
    }
  }
  const writer = new ChunkedWriter(out);
  const shown = await writeRecords(tracked(store.installations.iterate(scan)), format, reveal, writer);
  if (format === 'table' && shown === 0) await writer.write('no installations\n');
  if (tty && last !== undefined && shown === scan.limit) {
    const rest = await store.installations.count({ ...scan, after: last, limit: undefined });
    if (rest > 0) {
      await writer.write(
        `… ${rest} more not shown: --after ${last} shows the next ${shown}, --limit N up to N at once, ` +
          '--format ndjson all of them\n',
      );
    }
  }
  await writer.flush();
}
