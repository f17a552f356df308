/** Fields-only multipart/form-data parser (RFC 7578), enough for `curl -F code=… -F client_id=…`. */

const MAX_PARTS = 100;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The boundary parameter of a multipart Content-Type header, or undefined. */
export function multipartBoundary(contentType: string): string | undefined {
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/**
 * Returns the text fields of a multipart body, or undefined when the body is malformed.
 * File parts (those with a filename) are skipped; the first value of a repeated field wins.
 */
export function parseMultipart(body: Buffer, boundary: string): Map<string, string> | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`);
  const fields = new Map<string, string>();
  // Anything before the first delimiter is a preamble and is ignored.
  let pos = body.indexOf(delimiter);
  if (pos === -1) return undefined;
  pos += delimiter.length;
  for (let parts = 0; parts <= MAX_PARTS; parts++) {
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return fields; // "--": closing delimiter
    if (!body.subarray(pos, pos + 2).equals(CRLF)) return undefined;
    pos += 2;
    const headerEnd = body.indexOf(HEADER_END, pos);
    if (headerEnd === -1) return undefined;
    const end = body.indexOf(nextDelimiter, headerEnd + HEADER_END.length);
    if (end === -1) return undefined;
    let headers: string;
    let value: string;
    try {
      headers = utf8.decode(body.subarray(pos, headerEnd));
      value = utf8.decode(body.subarray(headerEnd + HEADER_END.length, end));
    } catch {
      return undefined;
    }
    const disposition = headers.split('\r\n').find((line) => /^content-disposition\s*:/i.test(line));
    if (!disposition || !/:\s*form-data\s*(;|$)/i.test(disposition)) return undefined;
    const name = /;\s*name=(?:"([^"]*)"|([^\s;"]+))/i.exec(disposition);
    if (!name) return undefined;
    const isFile = /;\s*filename\*?=/i.test(disposition);
    const key = name[1] ?? name[2]!;
    if (!isFile && !fields.has(key)) fields.set(key, value);
    pos = end + nextDelimiter.length;
  }
  return undefined;
}
