import { createHmac } from 'node:crypto';
import { sameSecret } from '../input.js';

/** Slack refuses, and so do we, requests signed more than five minutes from now (replays). */
export const MAX_SKEW_SECONDS = 5 * 60;

/** `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` under the app's signing secret. */
export function slackSignature(signingSecret: string, timestamp: string, rawBody: Buffer | string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`;
}

/** Whether a request really comes from Slack: a fresh timestamp and a matching signature, compared in constant time. */
export function verifySlackRequest(
  signingSecret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  rawBody: Buffer,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  // Decimal seconds and nothing else: Number() would also read ' 1531420618', '+1531420618' or '0x5b479fca'.
  const timestamp = headers.timestamp?.match(/^\d{1,12}$/)?.[0];
  const { signature } = headers;
  if (timestamp === undefined || signature === undefined) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > MAX_SKEW_SECONDS) return false;
  return sameSecret(signature, slackSignature(signingSecret, timestamp, rawBody));
}
