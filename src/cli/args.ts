// Reading the command line: strict option parsing, installation ids, dates and numbers. Anything wrong is a
// UsageError, which the entry point turns into exit code 2 and the command's usage.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

/** `node:util` parseArgs, strict, with its errors (unknown option, missing value, extra argument) as UsageErrors. */
export function parse<const T extends ParseArgsConfig & { strict: true }>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    if (String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS'))
      throw new UsageError((err as Error).message);
    throw err;
  }
}

/** At most `max` positional arguments. */
export function atMost(positionals: string[], max: number): void {
  if (positionals.length > max) throw new UsageError(`unexpected argument: ${positionals.slice(max).join(' ')}`);
}

/** An installation id: a whole number, as `list` prints it. */
export function parseId(text: string): number {
  const id = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(id))
    throw new UsageError(`an installation id is a whole number, got "${text}"`);
  return id;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An ISO 8601 date (`2026-01-31`, midnight UTC) or date-time with a zone (`2026-01-31T12:00:00Z`,
 * `2026-01-31T12:00+02:00`). Impossible dates (`2026-02-30`) and zone-less date-times are refused.
 */
export function parseDate(name: string, text: string): Date {
  const m = DATE.exec(text) ?? DATE_TIME.exec(text);
  const hint = `${name} takes an ISO 8601 date such as 2026-01-31 or a date-time with a zone such as 2026-01-31T12:00:00Z, got "${text}"`;
  if (m === null) throw new UsageError(hint);
  const [year, month, day, hour = 0, minute = 0, second = 0] = m
    .slice(1, 7)
    .map((v) => (v === undefined ? undefined : Number(v)));
  const check = new Date(Date.UTC(year!, month! - 1, day, hour, minute, second));
  const valid =
    check.getUTCFullYear() === year &&
    check.getUTCMonth() === month! - 1 &&
    check.getUTCDate() === day &&
    check.getUTCHours() === hour &&
    check.getUTCMinutes() === minute &&
    check.getUTCSeconds() === second;
  const date = new Date(DATE.test(text) ? `${text}T00:00:00Z` : text);
  if (!valid || Number.isNaN(date.getTime())) throw new UsageError(hint);
  return date;
}

/** A whole number from `min` to `max`. */
export function parseIntIn(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw new UsageError(`${name} takes a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}
