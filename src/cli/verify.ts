// `verify`: checks webhooks a bounded number at a time, revokes the dead ones, reports the rest, waits out Slack's
// rate limits, shows progress on a terminal, and knows where a stopped run can resume.
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebhookCheck } from '../slack/webhooks.js';
import { printable } from './format.js';
import type { Output } from './stream.js';

export type { Output } from './stream.js';

export interface VerifyTarget {
  id: number;
  webhookUrl: string;
}

export interface VerifyOptions {
  /** Tells live from dead without posting a message (`checkWebhook`). */
  check: (url: string) => Promise<WebhookCheck>;
  /** Marks an installation revoked; false when it was revoked already (by the server, meanwhile). */
  revoke: (id: number, reason: string) => boolean | Promise<boolean>;
  concurrency: number;
  /** Where each installation that is not live is reported. */
  out: Output;
  /** Where progress goes, only when it is a terminal. */
  progress: Output;
  /** How many targets there are, when known, for the progress line. */
  total?: number;
  /**
   * Pauses in a row, with nothing but 429s between them, after which the run stops (resumable): a rate limit says
   * nothing about a webhook, so it never makes one unknown or dead.
   */
  maxPauses?: number;
  /** The longest Retry-After waited out; a longer one stops the run (it can be resumed later). */
  maxWaitMs?: number;
  /** Waits, and the clock it waits by (a timer and Date.now; tests pass their own). */
  wait?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Aborted: no new check starts, those under way finish. */
  signal?: AbortSignal;
}

export interface VerifySummary {
  checked: number;
  live: number;
  /** Dead and now revoked. */
  dead: number;
  /** No answer that says live or dead (timeouts, 5xx, 429, …), or a dead one that could not be revoked. */
  unknown: number;
}

export interface VerifyRun {
  summary: VerifySummary;
  /** 429 answers waited out (each followed by another try). */
  rateLimited: number;
  /** Every target with an id up to this one was checked (0: none); `--after` it resumes a stopped run. */
  doneThrough: number;
  /** Why the run stopped before the last target, if it did. */
  stopped: string | undefined;
}

export const DEFAULT_MAX_PAUSES = 10;
export const DEFAULT_MAX_WAIT_MS = 5 * 60 * 1000;
/** Without a usable Retry-After, the wait doubles from one second with each 429 of a webhook. */
const FALLBACK_WAIT_MS = 1000;
const PROGRESS_EVERY_MS = 100;

export function summaryLine(s: VerifySummary, rateLimited = 0): string {
  const waits = rateLimited > 0 ? `; ${rateLimited} rate-limited answer(s) waited out and retried` : '';
  return `checked ${s.checked}: ${s.live} live, ${s.dead} dead (revoked), ${s.unknown} unknown${waits}`;
}

/** The older interface: the summary alone. */
export async function verifyInstallations(
  targets: Iterable<VerifyTarget> | AsyncIterable<VerifyTarget>,
  options: VerifyOptions,
): Promise<VerifySummary> {
  return (await verifyAll(targets, options)).summary;
}

/**
 * Checks every target (taken in id order from an iterable that may page through the database), `concurrency` at
 * a time. A 429 is never taken for dead: every check pauses for its Retry-After, then the webhook is tried again.
 */
export async function verifyAll(
  targets: Iterable<VerifyTarget> | AsyncIterable<VerifyTarget>,
  options: VerifyOptions,
): Promise<VerifyRun> {
  const summary: VerifySummary = { checked: 0, live: 0, dead: 0, unknown: 0 };
  const maxPauses = options.maxPauses ?? DEFAULT_MAX_PAUSES;
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const wait =
    options.wait ?? ((ms: number) => sleep(ms, undefined, { signal: options.signal }).catch(() => undefined)); // ends early on abort
  const now = options.now ?? Date.now;
  const tty = options.progress.isTTY === true;
  const total = options.total ?? (Array.isArray(targets) ? targets.length : undefined);
  let rateLimited = 0;
  let stopped: string | undefined;
  /** Until when every worker holds off (Slack's rate limit is not per webhook). */
  let pausedUntil = 0;
  /** Pauses begun since the last answer that was not a 429. */
  let pauses = 0;

  // Targets come in id order, but finish in any order: the resume point is just below the oldest one in flight.
  const inFlight = new Set<number>();
  let lastTaken = 0;
  const doneThrough = (): number => (inFlight.size === 0 ? lastTaken : Math.min(...inFlight) - 1);

  let shownAt = 0;
  const showProgress = (force = false): void => {
    if (!tty) return;
    const at = now();
    if (!force && at - shownAt < PROGRESS_EVERY_MS) return;
    shownAt = at;
    const of = total === undefined ? '' : `/${total}`;
    const waiting = pausedUntil > at ? `, rate-limited: waiting ${Math.ceil((pausedUntil - at) / 1000)} s` : '';
    options.progress.write(
      `\r[${summary.checked}${of}] checking… ${summary.live} live, ${summary.dead} dead, ${summary.unknown} unknown${waiting}\x1b[K`,
    );
  };
  const report = (line: string): void => {
    if (tty) options.progress.write('\r\x1b[K'); // the progress line gives way, then comes back below
    options.out.write(`${printable(line)}\n`);
  };

  const checkOnce = (url: string): Promise<WebhookCheck> =>
    options.check(url).catch((err: unknown): WebhookCheck => ({ outcome: 'unknown', detail: (err as Error).message }));

  /** One webhook, waiting out 429s; undefined when the run stops meanwhile. */
  const checkTarget = async (target: VerifyTarget): Promise<WebhookCheck | undefined> => {
    for (;;) {
      while (pausedUntil > now()) {
        if (stopped !== undefined) return undefined;
        showProgress(true);
        await wait(pausedUntil - now());
      }
      if (stopped !== undefined) return undefined;
      const result = await checkOnce(target.webhookUrl);
      if (result.outcome !== 'limited') {
        pauses = 0;
        return result;
      }
      rateLimited += 1;
      const ms = result.retryAfterMs ?? FALLBACK_WAIT_MS * 2 ** Math.min(pauses, 6);
      if (ms > maxWaitMs) {
        stopped ??= `Slack asked to wait ${Math.ceil(ms / 1000)} s (Retry-After), longer than ${Math.round(maxWaitMs / 1000)} s`;
        return undefined;
      }
      // The checks under way when a pause begins answer 429 too: they join that pause rather than begin another.
      if (pausedUntil <= now()) {
        pauses += 1;
        if (pauses > maxPauses) {
          stopped ??= `Slack kept answering 429 through ${maxPauses} pauses`;
          return undefined;
        }
      }
      pausedUntil = Math.max(pausedUntil, now() + ms);
    }
  };

  const settle = async (target: VerifyTarget, result: WebhookCheck): Promise<void> => {
    if (result.outcome === 'live') {
      summary.live += 1;
    } else if (result.outcome === 'dead') {
      try {
        const now = await options.revoke(target.id, `webhook dead: ${result.reason}`);
        summary.dead += 1;
        report(`#${target.id} dead (${result.reason}): ${now ? 'revoked' : 'revoked already'}`);
      } catch (err) {
        summary.unknown += 1;
        report(`#${target.id} dead (${result.reason}): could not be revoked: ${(err as Error).message}`);
      }
    } else {
      summary.unknown += 1;
      const detail = result.outcome === 'limited' ? 'HTTP 429' : result.detail;
      report(`#${target.id} unknown (${detail}): left as it is`);
    }
    summary.checked += 1;
    showProgress();
  };

  const iterator = Symbol.asyncIterator in targets ? targets[Symbol.asyncIterator]() : targets[Symbol.iterator]();
  const onAbort = (): void => {
    stopped ??= 'interrupted';
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted === true) onAbort();

  const worker = async (): Promise<void> => {
    while (stopped === undefined) {
      const next = await iterator.next();
      if (next.done === true || stopped !== undefined) return;
      const target = next.value;
      inFlight.add(target.id);
      lastTaken = Math.max(lastTaken, target.id);
      const result = await checkTarget(target);
      if (result !== undefined) {
        await settle(target, result);
        inFlight.delete(target.id);
      }
    }
  };

  try {
    showProgress(true);
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await iterator.return?.();
  }
  if (tty) {
    showProgress(true);
    options.progress.write('\r\x1b[K');
  }
  return { summary, rateLimited, doneThrough: doneThrough(), stopped };
}
