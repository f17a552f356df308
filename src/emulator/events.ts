import { randomId, randomString } from './random.js';
import { signSlackRequest } from './signing.js';

/** Slack gives an app 3 seconds to answer an event before it counts the delivery as failed. */
export const EVENT_TIMEOUT_MS = 3000;

/**
 * Which installation an event is for, and so which envelope Slack wraps it in. Each shape is copied from one of
 * Slack's published samples (test/fixtures/slack/SOURCES.md names them):
 * - `workspace`: Slack's event pages (token, team_id, api_app_id, event, type, event_id, event_time);
 * - `grid-workspace`: a workspace of an Enterprise Grid org adds `enterprise_id`, and its inner event carries
 *   `event_ts` (java-slack-sdk's EventUninstallationTest);
 * - `org`: an org-wide install has `enterprise_id` and **no** `team_id` (bolt-python's token revocation tests).
 * None of them has a top-level `is_enterprise_install`: Slack puts that only inside `authorizations[]`, which
 * these uninstall events do not carry.
 */
export type EventContext =
  | { kind: 'workspace'; teamId: string }
  | { kind: 'grid-workspace'; teamId: string; enterpriseId: string }
  | { kind: 'org'; enterpriseId: string };

export interface EventCallbackOptions {
  /** The app's Verification Token, which Slack still puts in every envelope. */
  token: string;
  context: EventContext;
  appId: string;
  event: Record<string, unknown>;
  /** Unix milliseconds; the envelope carries seconds. */
  eventTimeMs: number;
}

/** An Events API `event_callback` envelope, shaped like Slack's (event_id `Ev…`, event_time in seconds). */
export function eventCallback(options: EventCallbackOptions): Record<string, unknown> {
  const { context } = options;
  const seconds = Math.floor(options.eventTimeMs / 1000);
  const where =
    context.kind === 'workspace'
      ? { team_id: context.teamId }
      : context.kind === 'grid-workspace'
        ? { team_id: context.teamId, enterprise_id: context.enterpriseId }
        : { enterprise_id: context.enterpriseId };
  const micros = String((options.eventTimeMs % 1000) * 1000).padStart(6, '0');
  const event =
    context.kind === 'grid-workspace' ? { ...options.event, event_ts: `${seconds}.${micros}` } : options.event;
  return {
    token: options.token,
    ...where,
    api_app_id: options.appId,
    event,
    type: 'event_callback',
    event_id: randomId('Ev'),
    event_time: seconds,
  };
}

/** The challenge Slack sends when a Request URL is saved; the app must echo `challenge`. */
export function urlVerification(
  token: string,
  challenge: string = randomString(52),
): { token: string; challenge: string; type: 'url_verification' } {
  return { token, challenge, type: 'url_verification' };
}

export interface PostEventOptions {
  /** Unix seconds for X-Slack-Request-Timestamp. */
  timestamp: number;
  /** Set on redeliveries, as Slack does: X-Slack-Retry-Num and X-Slack-Retry-Reason. */
  retryNum?: number;
  retryReason?: string;
}

/** Why a delivery got no HTTP answer, in Slack's own retry-reason words. */
export class EventDeliveryError extends Error {
  override name = 'EventDeliveryError';
  constructor(
    readonly reason: 'http_timeout' | 'connection_failed',
    options?: ErrorOptions,
  ) {
    super(reason, options);
  }
}

/** POSTs a signed event the way Slack does; rejects with EventDeliveryError when no answer comes in time. */
export async function postEvent(
  url: string,
  signingSecret: string,
  body: object,
  options: PostEventOptions,
): Promise<{ status: number; body: string }> {
  const raw = JSON.stringify(body);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    'x-slack-request-timestamp': String(options.timestamp),
    'x-slack-signature': signSlackRequest(signingSecret, options.timestamp, raw),
  };
  if (options.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(options.retryNum);
    headers['x-slack-retry-reason'] = options.retryReason ?? 'http_timeout';
  }
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body: raw,
      redirect: 'manual',
      signal: AbortSignal.timeout(EVENT_TIMEOUT_MS),
    });
    return { status: res.status, body: await res.text() };
  } catch (error) {
    throw new EventDeliveryError((error as Error).name === 'TimeoutError' ? 'http_timeout' : 'connection_failed', {
      cause: error,
    });
  }
}

export const UNINSTALL_ORDERS = ['uninstalled-first', 'revoked-first'] as const;
export type UninstallOrder = (typeof UNINSTALL_ORDERS)[number];

/** One event delivery: the app's HTTP status, or 0 with the reason when it got no answer. */
export interface Delivery {
  type: string;
  status: number;
  /** True for Slack's redelivery of the same event (same event_id, X-Slack-Retry-Num: 1). */
  retry: boolean;
  error?: 'no_events_url' | 'http_timeout' | 'connection_failed';
}

/**
 * Delivers envelopes one after another to `target`'s Request URL; entries from index `firstRetry` on are
 * redeliveries of earlier ones. A delivery that gets no answer is recorded with status 0, never thrown.
 */
export async function deliverEvents(
  target: { eventsUrl?: string | undefined; signingSecret: string },
  bodies: Array<Record<string, unknown>>,
  firstRetry: number,
  timestamp: () => number,
): Promise<Delivery[]> {
  const deliveries: Delivery[] = [];
  for (const [index, body] of bodies.entries()) {
    const retry = index >= firstRetry;
    const type = String((body.event as { type?: unknown } | undefined)?.type ?? body.type);
    if (target.eventsUrl === undefined) {
      deliveries.push({ type, status: 0, retry, error: 'no_events_url' });
      continue;
    }
    try {
      const answer = await postEvent(target.eventsUrl, target.signingSecret, body, {
        timestamp: timestamp(),
        ...(retry && { retryNum: 1 }),
      });
      deliveries.push({ type, status: answer.status, retry });
    } catch (error) {
      if (!(error instanceof EventDeliveryError)) throw error;
      deliveries.push({ type, status: 0, retry, error: error.reason });
    }
  }
  return deliveries;
}
