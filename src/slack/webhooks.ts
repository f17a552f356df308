// Talking to an incoming webhook: a test message, and a liveness check that posts nothing into the channel.
import { isSlackCode } from '../input.js';

/** Bodies with which Slack says a webhook is gone for good (any 4xx but 429); see shared Slack notes §3.3. */
const DEAD = new Set([
  'no_service',
  'channel_not_found',
  'channel_is_archived',
  'invalid_token',
  'action_prohibited',
  'no_team',
  'team_disabled',
]);
/** An empty payload is refused with these while the webhook lives, and nothing is posted. */
const LIVE_REFUSALS = new Set(['no_text', 'invalid_payload']);

export type WebhookAnswer =
  | { kind: 'answered'; status: number; body: string; retryAfter: string | null }
  | { kind: 'unreachable'; detail: string };

/** One POST with a JSON payload; never throws, never follows a redirect. */
export async function postToWebhook(url: string, payload: object, timeoutMs: number): Promise<WebhookAnswer> {
  // A timer cleared once the answer is in: AbortSignal.timeout keeps each signal and its timer for the whole
  // timeout, so verify --all, at hundreds of checks a second, would hold thousands of them at once.
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError')),
    timeoutMs,
  );
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      redirect: 'manual',
      signal: controller.signal,
    });
    const body = (await res.text()).trim().slice(0, 200);
    return { kind: 'answered', status: res.status, body, retryAfter: res.headers.get('retry-after') };
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string } };
    return {
      kind: 'unreachable',
      detail: e.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : (e.cause?.code ?? e.name ?? 'error'),
    };
  } finally {
    clearTimeout(timer);
  }
}

export type WebhookCheck =
  | { outcome: 'live' }
  | { outcome: 'dead'; reason: string }
  | { outcome: 'unknown'; detail: string }
  /** 429: Slack asks to come back later (after `retryAfterMs`, when it said), which says nothing about the webhook. */
  | { outcome: 'limited'; retryAfterMs: number | undefined };

/** Retry-After as milliseconds: a number of seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Tells a live webhook from a dead one without posting a message: Slack refuses an empty payload with 400
 * `no_text` while the webhook lives, and answers `no_service`, `channel_is_archived`, … once it is gone.
 * A 429 asks to come back later; anything else (timeouts, 5xx, a redirect) says nothing about the webhook.
 */
export async function checkWebhook(url: string, timeoutMs: number): Promise<WebhookCheck> {
  const answer = await postToWebhook(url, {}, timeoutMs);
  if (answer.kind === 'unreachable') return { outcome: 'unknown', detail: answer.detail };
  const { status, body } = answer;
  if (status === 429) return { outcome: 'limited', retryAfterMs: retryAfterMs(answer.retryAfter) };
  if (status === 200 || (status === 400 && LIVE_REFUSALS.has(body))) return { outcome: 'live' };
  if (status >= 400 && status < 500 && status !== 429 && DEAD.has(body)) return { outcome: 'dead', reason: body };
  return { outcome: 'unknown', detail: `HTTP ${status}${isSlackCode(body) ? ` ${body}` : ''}` };
}

export type TestMessageResult = { ok: true } | { ok: false; reason: string; dead: boolean };

/** Slack's own escaping for text it would otherwise read as markup (its "Formatting text" docs): & < and >. */
function slackEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Posts the landing page's test message, which names the product (APP_NAME), and says what Slack answered. */
export async function sendTestMessage(
  url: string,
  channel: string,
  appName: string,
  timeoutMs: number,
): Promise<TestMessageResult> {
  const text = `:wave: Hello ${slackEscape(channel)}! This is a test message from ${slackEscape(appName)}: this webhook works, and messages sent to it will appear here.`;
  const answer = await postToWebhook(url, { text }, timeoutMs);
  if (answer.kind === 'unreachable')
    return { ok: false, reason: `Slack could not be reached (${answer.detail})`, dead: false };
  if (answer.status === 200) return { ok: true };
  const code = isSlackCode(answer.body) ? answer.body : `HTTP ${answer.status}`;
  return { ok: false, reason: code, dead: answer.status !== 429 && answer.status < 500 && DEAD.has(answer.body) };
}
