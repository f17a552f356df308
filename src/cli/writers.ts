// `list` and `export` output, one installation at a time: a JSON array, NDJSON, CSV or the readable table, written
// as rows arrive from the database so that a million installations never sit in memory together.
import type { InstallationRecord } from '../store/index.js';
import { csvHeader, csvRow, printable, TABLE_HEADER, tableCells, toJson, toJsonLine, toView } from './format.js';
import type { ChunkedWriter } from './stream.js';

export const FORMATS = ['table', 'json', 'ndjson', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

/** Rows of the table aligned together; the widths only ever grow, so later blocks stay aligned with earlier ones. */
const TABLE_BLOCK = 500;

/**
 * Writes every record in `format`; resolves with how many there were. Each is an element of the same JSON array,
 * line of NDJSON or CSV row that the whole list at once would give (toJson, toCsv): only memory differs.
 */
export async function writeRecords(
  records: AsyncIterable<InstallationRecord>,
  format: Format,
  reveal: boolean,
  out: ChunkedWriter,
): Promise<number> {
  switch (format) {
    case 'json':
      return writeJsonArray(records, reveal, out);
    case 'ndjson':
      return each(records, (r) => out.write(toJsonLine(toView(r, reveal))), out);
    case 'csv':
      await out.write(`${csvHeader()}\r\n`);
      return each(records, (r) => out.write(`${csvRow(toView(r, reveal))}\r\n`), out);
    case 'table':
      return writeTable(records, reveal, out);
  }
}

async function each(
  records: AsyncIterable<InstallationRecord>,
  write: (r: InstallationRecord) => Promise<void> | undefined,
  out: ChunkedWriter,
): Promise<number> {
  let n = 0;
  for await (const r of records) {
    await write(r);
    n += 1;
  }
  await out.flush();
  return n;
}

/** `JSON.stringify(array, null, 2)`, one element at a time: each element's lines indented by two spaces. */
async function writeJsonArray(
  records: AsyncIterable<InstallationRecord>,
  reveal: boolean,
  out: ChunkedWriter,
): Promise<number> {
  let n = 0;
  for await (const r of records) {
    // A JSON string never holds a raw line break, so every "\n" in an element's text is between its lines.
    const element = `  ${toJson(toView(r, reveal)).slice(0, -1).replaceAll('\n', '\n  ')}`;
    await out.write(n === 0 ? `[\n${element}` : `,\n${element}`);
    n += 1;
  }
  await out.write(n === 0 ? '[]\n' : '\n]\n');
  await out.flush();
  return n;
}

/** The readable table, in blocks; no rows: nothing (the caller says "no installations"). */
async function writeTable(
  records: AsyncIterable<InstallationRecord>,
  reveal: boolean,
  out: ChunkedWriter,
): Promise<number> {
  const header = [...TABLE_HEADER, ...(reveal ? ['bot token'] : [])];
  let widths: number[] | undefined;
  let block: string[][] = [];
  let n = 0;
  const writeBlock = async (): Promise<void> => {
    const rows = widths === undefined ? [header.map(printable), ...block] : block;
    widths = header.map((_, i) => Math.max(widths?.[i] ?? 0, ...rows.map((row) => row[i]!.length)));
    for (const row of rows) {
      await out.write(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths![i]!))).join('  ')}\n`);
    }
    block = [];
  };
  for await (const r of records) {
    block.push(tableCells(r, reveal).map(printable));
    n += 1;
    if (block.length === TABLE_BLOCK) await writeBlock();
  }
  if (block.length > 0) await writeBlock();
  await out.flush();
  return n;
}
