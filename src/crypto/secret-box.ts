import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
/**
 * The format of a sealed value, written in front of it (ASVS 11.2.2): `v1.` is AES-256-GCM, 96-bit random nonce,
 * 128-bit tag, associated data naming the column. Values sealed before versions existed have no prefix and are the
 * same algorithm: they still open. A later algorithm gets `v2.`, and this build refuses what it does not know.
 */
export const SEALED_VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class KeyError extends Error {
  override name = 'KeyError';
}

/** A 32-byte key written as base64 (standard or URL-safe) or as 64 hex digits; `name` is the variable it came from. */
export function parseKey(name: string, text: string): Buffer {
  const value = text.trim();
  // Both spellings are exactly 32 bytes; anything else (a stray character, a cut key) is refused, not decoded
  // as far as it goes, since Node's decoders skip what they cannot read.
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) return Buffer.from(value, 'base64');
  throw new KeyError(
    `${name} must be 32 bytes written as base64 or 64 hex digits (e.g. from \`openssl rand -base64 32\`)`,
  );
}

/** A key's public name, stored beside each ciphertext so the right key is found after a rotation. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('slack-webhook-installer key id').update(key).digest('hex').slice(0, 16);
}

/**
 * AES-256-GCM with a fresh random nonce per value. The associated data names what the value is (table and
 * column), so a ciphertext moved into another column does not decrypt.
 */
export class SecretBox {
  readonly keyId: string;
  readonly #current: Buffer;
  readonly #keys: Map<string, Buffer>;

  constructor(current: Buffer, old: Buffer[] = []) {
    this.#current = current;
    this.keyId = keyIdOf(current);
    this.#keys = new Map([...old, current].map((k) => [keyIdOf(k), k]));
  }

  static random(): SecretBox {
    return new SecretBox(randomBytes(32));
  }

  /** A key for another purpose (`label`), derived from the current key, so there is one secret to keep. */
  deriveKey(label: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#current, Buffer.alloc(0), `slack-webhook-installer ${label}`, 32));
  }

  hasKey(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  /** `v1.nonce.ciphertext.tag`, each part base64url, under the current key. */
  encrypt(plaintext: string, aad: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#current, nonce).setAAD(Buffer.from(aad));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return [SEALED_VERSION, ...[nonce, body, cipher.getAuthTag()].map((b) => b.toString('base64url'))].join('.');
  }

  decrypt(sealed: string, keyId: string, aad: string): string {
    const key = this.#keys.get(keyId);
    if (key === undefined)
      throw new KeyError(`no configured key has id ${keyId}: add the old key to ENCRYPTION_KEYS_OLD`);
    const parts = sealed.split('.');
    // Three parts: sealed before format versions existed (the same AES-256-GCM as v1).
    const version = parts.length === 4 ? parts.shift() : undefined;
    if (version !== undefined && version !== SEALED_VERSION) {
      throw new KeyError(
        /^v\d{1,3}$/.test(version)
          ? `sealed in format ${version}, which this version of the server does not know: upgrade it`
          : 'not a sealed value',
      );
    }
    if (parts.length !== 3) throw new KeyError('not a sealed value');
    const [nonce, body, tag] = parts.map((part) => Buffer.from(part, 'base64url')) as [Buffer, Buffer, Buffer];
    if (nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES) throw new KeyError('not a sealed value');
    const decipher = createDecipheriv(ALGORITHM, key, nonce).setAAD(Buffer.from(aad)).setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  }
}
