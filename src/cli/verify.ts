// `verify`: checks webhooks a few at a time, revokes the dead ones, reports the rest, shows progress on a terminal.
import type { WebhookCheck } from '../slack/webhooks.js';
import { printable } from './format.js';

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface VerifyTarget {
  id: number;
  webhookUrl: string;
}

export interface VerifyOptions {
  /** Tells live from dead without posting a message (`checkWebhook`). */
  check: (url: string) => Promise<WebhookCheck>;
  /** Marks an installation revoked; false when it was revoked already (by the server, meanwhile). */
  revoke: (id: number, reason: string) => Promise<boolean>;
  concurrency: number;
  /** Where each installation that is not live is reported. */
  out: Output;
  /** Where progress goes, only when it is a terminal. */
  progress: Output;
}

export interface VerifySummary {
  checked: number;
  live: number;
  /** Dead and now revoked. */
  dead: number;
  /** No answer that says live or dead (timeouts, 5xx, 429, …), or a dead one that could not be revoked. */
  unknown: number;
}

export function summaryLine(s: VerifySummary): string {
  return `checked ${s.checked}: ${s.live} live, ${s.dead} dead (revoked), ${s.unknown} unknown`;
}

export async function verifyInstallations(targets: VerifyTarget[], options: VerifyOptions): Promise<VerifySummary> {
  const summary: VerifySummary = { checked: 0, live: 0, dead: 0, unknown: 0 };
  const tty = options.progress.isTTY === true;
  const showProgress = (): void => {
    if (tty) options.progress.write(`\r[${summary.checked}/${targets.length}] checking…\x1b[K`);
  };
  const report = (line: string): void => {
    if (tty) options.progress.write('\r\x1b[K'); // the progress line gives way, then comes back below
    options.out.write(`${printable(line)}\n`);
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
      report(`#${target.id} unknown (${result.detail}): left as it is`);
    }
    summary.checked += 1;
    showProgress();
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const target = targets[next++]!;
      const result = await options
        .check(target.webhookUrl)
        .catch((err: unknown): WebhookCheck => ({ outcome: 'unknown', detail: (err as Error).message }));
      await settle(target, result);
    }
  };

  showProgress();
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, targets.length)) }, worker));
  if (tty) options.progress.write('\r\x1b[K');
  return summary;
}
