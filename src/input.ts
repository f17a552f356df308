/** A 4xx the error handler shows as a page (the message is the user's own input described, never a secret). */
export class BadInput extends Error {
  readonly statusCode = 400;
  override name = 'BadInput';
}

/**
 * Narrows a parsed query string or form body to the named optional string fields, each at most `maxLength`
 * characters; a repeated field (an array) or an over-long one is refused. Plain code rather than a JSON schema,
 * so that no validator has to be compiled at start-up for two small routes.
 */
export function stringFields<K extends string>(source: unknown, names: readonly K[], maxLength: number): Partial<Record<K, string>> {
  const input = (typeof source === 'object' && source !== null ? source : {}) as Record<string, unknown>;
  const out: Partial<Record<K, string>> = {};
  for (const name of names) {
    const value = input[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new BadInput(`${name} must be given once, as text`);
    if (value.length > maxLength) throw new BadInput(`${name} is longer than ${maxLength} characters`);
    out[name] = value;
  }
  return out;
}
