import type { FastifyRequest } from 'fastify';
import { multipartBoundary, parseMultipart } from './multipart.js';

/** Request arguments by name; the first value of a repeated name wins. */
export type Fields = Map<string, string>;
export type ParsedFields = { ok: true; fields: Fields } | { ok: false; error: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

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

/** The emulator keeps bodies raw (see plugin.ts) so each route can answer bad input in Slack's own way. */
export function rawBody(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

/** Strict UTF-8 decoding: undefined for invalid bytes instead of silent replacement characters. */
export function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

export function formFields(text: string): Fields {
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

/** Web API arguments from a POST body, with Slack's generic errors for bodies it cannot read. */
export function apiFields(request: FastifyRequest): ParsedFields {
  const body = rawBody(request);
  const media = mediaType(request);
  if (!media) return body.length === 0 ? { ok: true, fields: new Map() } : { ok: false, error: 'missing_post_type' };
  if (media.charset !== undefined && media.charset !== 'utf-8' && media.charset !== 'utf8')
    return { ok: false, error: 'invalid_charset' };
  const text = decodeUtf8(body);
  switch (media.type) {
    case 'application/x-www-form-urlencoded':
      return text === undefined ? { ok: false, error: 'invalid_form_data' } : { ok: true, fields: formFields(text) };
    case 'application/json':
      return jsonFields(text);
    case 'multipart/form-data': {
      const boundary = multipartBoundary(request.headers['content-type'] ?? '');
      const fields = boundary === undefined ? undefined : parseMultipart(body, boundary);
      return fields ? { ok: true, fields } : { ok: false, error: 'invalid_form_data' };
    }
    default:
      return { ok: false, error: 'invalid_post_type' };
  }
}

function jsonFields(text: string | undefined): ParsedFields {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch {
    return { ok: false, error: 'invalid_json' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, error: 'json_not_object' };
  const fields: Fields = new Map();
  for (const [key, field] of Object.entries(value)) {
    if (typeof field === 'string') fields.set(key, field);
    else if (typeof field === 'number' || typeof field === 'boolean') fields.set(key, String(field));
  }
  return { ok: true, fields };
}
