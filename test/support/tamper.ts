// Ways to damage a sealed value (`[version.]nonce.ciphertext.tag`, base64url parts) that always change it: the
// last three dot-separated parts are the nonce, the ciphertext and the tag, whatever comes before them.

function parts(sealed: string): { head: string[]; nonce: Buffer; body: Buffer; tag: Buffer } {
  const all = sealed.split('.');
  const [nonce, body, tag] = all.slice(-3).map((p) => Buffer.from(p, 'base64url'));
  if (nonce === undefined || body === undefined || tag === undefined) throw new Error(`not sealed: ${sealed}`);
  return { head: all.slice(0, -3), nonce, body, tag };
}

function join(head: string[], nonce: Buffer, body: Buffer, tag: Buffer): string {
  return [...head, ...[nonce, body, tag].map((b) => b.toString('base64url'))].join('.');
}

/** A copy of `bytes` with one bit flipped; `at` picks the byte and the bit. */
function flip(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  const i = at % copy.length;
  copy[i] = copy[i]! ^ (1 << (at % 8));
  return copy;
}

export type Part = 'nonce' | 'ciphertext' | 'tag';

/** The sealed value with one bit of one decoded byte of `part` flipped. */
export function flipBit(sealed: string, part: Part, at: number): string {
  const { head, nonce, body, tag } = parts(sealed);
  switch (part) {
    case 'nonce':
      return join(head, flip(nonce, at), body, tag);
    case 'ciphertext':
      return join(head, nonce, flip(body, at), tag);
    case 'tag':
      return join(head, nonce, body, flip(tag, at));
  }
}

/** The sealed value with its tag cut to `bytes` bytes. */
export function truncateTag(sealed: string, bytes: number): string {
  const { head, nonce, body, tag } = parts(sealed);
  return join(head, nonce, body, tag.subarray(0, bytes));
}

/** The sealed value with a nonce of `bytes` bytes (cut, or padded with zeros). */
export function resizeNonce(sealed: string, bytes: number): string {
  const { head, nonce, body, tag } = parts(sealed);
  const resized = Buffer.alloc(bytes);
  nonce.copy(resized, 0, 0, Math.min(bytes, nonce.length));
  return join(head, resized, body, tag);
}
