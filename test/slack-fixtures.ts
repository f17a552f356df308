import { readFileSync } from 'node:fs';

/** Slack's published samples, copied verbatim into test/fixtures/slack/ (SOURCES.md names each one's source). */
const ROOT = new URL('../../test/fixtures/slack/', import.meta.url);

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function fixture(name: string): Record<string, Json> {
  return JSON.parse(readFileSync(new URL(name, ROOT), 'utf8')) as Record<string, Json>;
}

/**
 * A sample replayed as a request of this test: its placeholder ids swapped for the test's (`ids` maps each to its
 * stand-in, at any depth) and `event_time` set to now, since installs made after an event are not its subject.
 */
export function replayed(sample: Record<string, Json>, ids: Record<string, string>): Record<string, Json> {
  const swap = (value: Json): Json =>
    typeof value === 'string'
      ? (ids[value] ?? value)
      : Array.isArray(value)
        ? value.map(swap)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v)]))
          : value;
  return { ...(swap(sample) as Record<string, Json>), event_time: Math.floor(Date.now() / 1000) };
}

function kind(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/**
 * Every field of a payload as `path: type`, nested objects flattened (`event.tokens.oauth: array`). Arrays of
 * objects are described by their first element (`authorizations[].team_id`); arrays of strings only as arrays,
 * since Slack's samples list any number of ids there, none included.
 */
export function shape(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (value === null || typeof value !== 'object') return out;
  const entries = Array.isArray(value)
    ? kind(value[0]) === 'object'
      ? [['[]', value[0]] as const]
      : []
    : Object.entries(value as Record<string, unknown>);
  for (const [key, child] of entries) {
    const path = key === '[]' ? `${prefix}[]` : prefix === '' ? key : `${prefix}.${key}`;
    if (key !== '[]') out.set(path, kind(child));
    shape(child, path, out);
  }
  return out;
}

/** The shape as sorted `path: type` lines, so that a failing assertion shows the field that differs. */
export function shapeLines(value: unknown): string[] {
  return [...shape(value)].map(([path, type]) => `${path}: ${type}`).sort();
}

/**
 * For a payload that no single Slack sample shows whole: each field named with the sample it is taken from. The
 * field must be in that sample, with the type it has there, so no field can be made up here.
 */
export function composeShape(parts: Array<[sample: Record<string, Json>, paths: string[]]>): string[] {
  const lines: string[] = [];
  for (const [sample, paths] of parts) {
    const known = shape(sample);
    for (const path of paths) {
      const type = known.get(path);
      if (type === undefined) throw new Error(`${path} is not in the sample it is said to come from`);
      lines.push(`${path}: ${type}`);
    }
  }
  return lines.sort();
}
