import { randomBytes, timingSafeEqual } from 'node:crypto';

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const DIGITS = '0123456789';

/** Uniform random string over `alphabet`, by rejection sampling so no character is favoured. */
export function randomString(length: number, alphabet: string = ALNUM): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

/** A Slack-shaped object id: one prefix letter (T, C, U, B, ...) and uppercase alphanumerics. */
export function randomId(prefix: string): string {
  return prefix + randomString(10, UPPER_ALNUM);
}

/** The 24-character secret at the end of a webhook URL. */
export function webhookSecret(): string {
  return randomString(24, ALNUM);
}

/** Shaped like Slack's codes: `4724469134.4644010092847.<64 hex>`. */
export function authorizationCode(): string {
  return `${randomString(10, DIGITS)}.${randomString(13, DIGITS)}.${randomBytes(32).toString('hex')}`;
}

/** Shaped like Slack's bot tokens: `xoxb-<digits>-<digits>-<24 alnum>`. */
export function botToken(): string {
  return `xoxb-${randomString(11, DIGITS)}-${randomString(13, DIGITS)}-${randomString(24, ALNUM)}`;
}

/** Shaped like Slack's user tokens: `xoxp-<digits>-<digits>-<digits>-<32 hex>`. */
export function userToken(): string {
  return `xoxp-${randomString(11, DIGITS)}-${randomString(11, DIGITS)}-${randomString(13, DIGITS)}-${randomBytes(16).toString('hex')}`;
}

/** Shaped like Slack's refresh tokens, `xoxe-1-…`. */
export function refreshToken(): string {
  return `xoxe-1-${randomString(60, ALNUM)}`;
}

/** Constant-time string comparison (only the length can leak). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
