// `verify <id> | --all`: the command line around verifyAll (verify.ts): which installations, how many at once,
// where to resume, and what an interrupted run says.
import { refreshIfExpiring, type RefreshClient } from '../slack/token-refresh.js';
import { checkWebhook } from '../slack/webhooks.js';
import type { Store } from '../store/index.js';
import { atMost, parse, parseId, parseIntIn, UsageError } from './args.js';
import { noSuch, withExistingStore, type Command } from './context.js';
import { printable, statusOf } from './format.js';
import type { Output } from './stream.js';
import { summaryLine, verifyAll, type VerifyTarget } from './verify.js';

export const DEFAULT_CONCURRENCY = 8;
const MAX_CONCURRENCY = 64;
/** Active installations read per query: the connection is free for revocations between pages. */
const PAGE = 500;

/** Active installations with ids above `after`, in id order, a page at a time. */
async function* activeAfter(store: Store, after: number): AsyncGenerator<VerifyTarget> {
  for (let cursor = after; ;) {
    const page = await store.installations.list({ revoked: false, after: cursor, limit: PAGE });
    for (const r of page) yield { id: r.id, webhookUrl: r.webhookUrl };
    if (page.length < PAGE) return;
    cursor = page.at(-1)!.id;
  }
}

/**
 * The targets, each one's rotating bot token refreshed first when it expires within 2 hours (as the server does
 * before a test message); an install whose refresh token Slack refuses is revoked and not checked.
 */
async function* withFreshTokens(
  store: Store,
  targets: AsyncIterable<VerifyTarget> | VerifyTarget[],
  client: RefreshClient,
  err: Output,
): AsyncGenerator<VerifyTarget> {
  for await (const target of targets) {
    const outcome = await refreshIfExpiring(store.installations, target.id, client);
    if (outcome === 'revoked') {
      err.write(`#${target.id}: Slack refused its refresh token (invalid_refresh_token): revoked, not checked\n`);
      continue;
    }
    if (typeof outcome === 'object') err.write(`#${target.id}: bot token refresh failed (${outcome.failed})\n`);
    yield target;
  }
}

export const verifyCommand: Command = {
  usage: 'verify <id> | --all [--concurrency N] [--after ID]',
  summary:
    'check webhooks without posting into any channel: dead ones are revoked, others (timeouts, 5xx) reported and ' +
    `left as they are, Slack's 429s waited out (Retry-After); --all: every active one in id order, ` +
    `${DEFAULT_CONCURRENCY} at a time, from above --after ID (an interrupted run prints where to resume); ` +
    'exit 1 if any was unknown',
  run: async (args, ctx) => {
    const { values, positionals } = parse({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        all: { type: 'boolean', default: false },
        concurrency: { type: 'string' },
        after: { type: 'string' },
      },
    });
    atMost(positionals, 1);
    if (values.all === (positionals.length === 1)) throw new UsageError('give either one installation id or --all');
    if (values.after !== undefined && !values.all) throw new UsageError('--after goes with --all');
    const id = positionals.length === 1 ? parseId(positionals[0]!) : undefined;
    const after = values.after === undefined ? 0 : parseId(values.after);
    const concurrency =
      values.concurrency === undefined
        ? DEFAULT_CONCURRENCY
        : parseIntIn('--concurrency', values.concurrency, 1, MAX_CONCURRENCY);
    const config = ctx.config();
    return withExistingStore(config, async (store) => {
      let targets: AsyncIterable<VerifyTarget> | VerifyTarget[];
      let total: number | undefined;
      if (id === undefined) {
        targets = activeAfter(store, after);
        // Counting costs a pass over the table: only worth it for a terminal's progress line.
        if (ctx.err.isTTY === true) total = await store.installations.count({ revoked: false, after });
      } else {
        const record = await store.installations.get(id);
        if (record === undefined) return noSuch(ctx, id);
        if (record.revokedAt !== null) {
          ctx.err.write(
            `installation ${id} is ${printable(statusOf(record))}: only active installations are checked\n`,
          );
          return 1;
        }
        targets = [record];
      }
      // Ctrl-C stops starting checks; those under way finish, and the run says where to resume.
      const interrupt = new AbortController();
      const onSigint = (): void => interrupt.abort();
      process.once('SIGINT', onSigint);
      try {
        const run = await verifyAll(withFreshTokens(store, targets, config.slack, ctx.err), {
          check: (url) => checkWebhook(url, config.slack.timeoutMs),
          revoke: (target, reason) => store.installations.revoke(target, reason),
          concurrency,
          out: ctx.out,
          progress: ctx.err,
          total,
          signal: interrupt.signal,
        });
        ctx.out.write(`${summaryLine(run.summary, run.rateLimited)}\n`);
        if (run.stopped !== undefined) {
          const resumeAt = Math.max(after, run.doneThrough);
          ctx.err.write(
            `stopped (${run.stopped}): every active installation up to #${resumeAt} was checked; ` +
              `resume with: verify --all --after ${resumeAt}${values.concurrency === undefined ? '' : ` --concurrency ${concurrency}`}\n`,
          );
          return interrupt.signal.aborted ? 130 : 1;
        }
        return run.summary.unknown > 0 ? 1 : 0;
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
  },
};
