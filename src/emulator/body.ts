import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastifyMultipart from '@fastify/multipart';

/** Request arguments by name; the first value of a repeated name wins. */
export type Fields = Map<string, string>;
export type ParsedFields = { ok: true; fields: Fields } | { ok: false; error: string };

/**
 * What the emulator's content-type parsers leave in `request.body`. They never fail the request: a body that cannot
 * be read is `unreadable`, so each route answers it the way Slack does (invalid_form_data, invalid_json,
 * invalid_payload, an error page) instead of Fastify's generic 400.
 */
export type Body =
  | { kind: 'form'; fields: Fields }
  | { kind: 'json'; value: unknown }
  /** A form that is not UTF-8, or JSON that does not parse. */
  | { kind: 'unreadable'; type: 'form' | 'json' }
  /** A media type the emulator does not parse (multipart is read by its route, with request.parts()). */
  | { kind: 'other' }
  | { kind: 'none' };

const BODY_LIMIT = 128 * 1024;
const MAX_PARTS = 100;
/** File parts (skipped unread) allowed in one multipart body. */
const MAX_FILES = 10;
/**
 * The longest argument name, in bytes: Slack answers `invalid_arg_name` for "very long names" without saying how
 * long; this is busboy's default `fieldNameSize`, which it applies to forms but not to multipart bodies.
 */
const MAX_ARG_NAME_BYTES = 100;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Fastify's content-type parsers for the emulator's encapsulated context: forms (URLSearchParams over strictly
 * decoded UTF-8), JSON (Fastify's own parser, which refuses __proto__ and constructor poisoning), multipart through
 * @fastify/multipart with limits, and any other type kept aside so routes can answer it. Bodies over 128 KiB get 413.
 */
export async function registerBodyParsers(app: FastifyInstance): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT },
    (_request, body, done) => {
      const text = decodeUtf8(body as Buffer);
      done(null, text === undefined ? unreadable('form') : ({ kind: 'form', fields: formFields(text) } satisfies Body));
    },
  );
  const json = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (request, body, done) => {
    const text = decodeUtf8(body as Buffer);
    if (text === undefined) return done(null, unreadable('json'));
    void json(request, text, (error, value: unknown) =>
      done(null, error ? unreadable('json') : ({ kind: 'json', value } satisfies Body)),
    );
  });
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, _body, done) =>
    done(null, { kind: 'other' } satisfies Body),
  );
  await app.register(fastifyMultipart, {
    // Every part comes as a stream of its raw bytes, so that a value is decoded strictly (busboy's own text fields
    // turn bytes that are not UTF-8 into U+FFFD). A part is a file only when it says so with a filename (RFC 7578):
    // multipartFields skips those unread.
    isPartAFile: () => true,
    limits: {
      fileSize: BODY_LIMIT,
      files: MAX_PARTS,
      parts: MAX_PARTS,
      headerPairs: 20,
    },
  });
}

function unreadable(type: 'form' | 'json'): Body {
  return { kind: 'unreadable', type };
}

/** What the parsers made of the body (`none` when there was none). */
export function body(request: FastifyRequest): Body {
  return (request.body as Body | undefined) ?? { kind: 'none' };
}

/** The fields of a readable application/x-www-form-urlencoded body, else undefined. */
export function formBody(request: FastifyRequest): Fields | undefined {
  const parsed = body(request);
  return parsed.kind === 'form' ? parsed.fields : undefined;
}

export interface MediaType {
  type: string;
  charset: string | undefined;
}

export function mediaType(request: FastifyRequest): MediaType | undefined {
  const header = request.headers['content-type'];
  if (!header) return undefined;
  const charset = /;\s*charset="?([^";\s]+)/i.exec(header)?.[1]?.toLowerCase();
  return { type: header.split(';')[0]!.trim().toLowerCase(), charset };
}

/** Strict UTF-8 decoding: undefined for invalid bytes instead of silent replacement characters. */
function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function formFields(text: string): Fields {
  const fields: Fields = new Map();
  for (const [key, value] of new URLSearchParams(text)) if (!fields.has(key)) fields.set(key, value);
  return fields;
}

export function queryFields(query: unknown): Fields {
  const fields: Fields = new Map();
  if (typeof query !== 'object' || query === null) return fields;
  for (const [key, value] of Object.entries(query)) {
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') fields.set(key, first);
  }
  return fields;
}

/** Web API arguments: the query of a GET, or a POST's body, with Slack's generic errors for what it cannot read. */
export async function apiArguments(request: FastifyRequest): Promise<ParsedFields> {
  const parsed =
    request.method === 'GET' ? { ok: true as const, fields: queryFields(request.query) } : await apiFields(request);
  if (!parsed.ok) return parsed;
  for (const name of parsed.fields.keys())
    if (Buffer.byteLength(name) > MAX_ARG_NAME_BYTES) return { ok: false, error: 'invalid_arg_name' };
  return parsed;
}

async function apiFields(request: FastifyRequest): Promise<ParsedFields> {
  const media = mediaType(request);
  const parsed = body(request);
  if (!media)
    return parsed.kind === 'none' ? { ok: true, fields: new Map() } : { ok: false, error: 'missing_post_type' };
  if (media.charset !== undefined && media.charset !== 'utf-8' && media.charset !== 'utf8')
    return { ok: false, error: 'invalid_charset' };
  if (request.isMultipart()) return multipartFields(request);
  switch (parsed.kind) {
    case 'form':
      return { ok: true, fields: parsed.fields };
    case 'json':
      return jsonFields(parsed.value);
    case 'unreadable':
      return { ok: false, error: parsed.type === 'form' ? 'invalid_form_data' : 'invalid_json' };
    case 'other':
    case 'none':
      return { ok: false, error: 'invalid_post_type' };
  }
}

/**
 * The text fields of a multipart/form-data body, as `curl -F` sends them, each value strictly decoded as UTF-8.
 * File parts are drained and skipped. A name or value that is not UTF-8, a malformed body, or one over a limit
 * (parts, files, a value's size) is a form Slack cannot read: invalid_form_data.
 */
async function multipartFields(request: FastifyRequest): Promise<ParsedFields> {
  const fields: Fields = new Map();
  let files = 0;
  try {
    for await (const part of request.parts()) {
      if (part.type !== 'file') continue; // every part is a file stream here (isPartAFile)
      // Typed as a string, but busboy leaves it undefined for a part without one.
      if ((part.filename as string | undefined) !== undefined) {
        part.file.resume();
        if (++files > MAX_FILES) return { ok: false, error: 'invalid_form_data' };
        continue;
      }
      // busboy decodes a name's bytes leniently too: U+FFFD in it means they were not UTF-8.
      const value = decodeUtf8(await part.toBuffer());
      if (value === undefined || part.fieldname.includes('\uFFFD')) return { ok: false, error: 'invalid_form_data' };
      if (!fields.has(part.fieldname)) fields.set(part.fieldname, value);
    }
  } catch {
    // Malformed, or over a limit (parts, files, sizes): Slack's answer for a form it cannot read.
    return { ok: false, error: 'invalid_form_data' };
  }
  return { ok: true, fields };
}

function jsonFields(value: unknown): ParsedFields {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, error: 'json_not_object' };
  const fields: Fields = new Map();
  for (const [key, field] of Object.entries(value)) {
    if (typeof field === 'string') fields.set(key, field);
    else if (typeof field === 'number' || typeof field === 'boolean') fields.set(key, String(field));
  }
  return { ok: true, fields };
}
