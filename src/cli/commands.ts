// The operator's commands: what each takes, and what it does with the store. No SQL here, only Store methods.
import type { InstallationScan } from '../store/index.js';
import { PRUNE_BATCH } from '../store/types.js';
import { atMost, parse, parseDate, parseId, parseIntIn, UsageError } from './args.js';
import { noSuch, withExistingStore, withStore, type Command } from './context.js';
import { installationDetails, isoSeconds, printable, statusOf, toJson, toView } from './format.js';
import { listInstallations, TTY_TABLE_LIMIT } from './listing.js';
import { verifyCommand } from './verify-command.js';
import { FORMATS, type Format } from './writers.js';

export type { Command, Context } from './context.js';

const MAX_LIMIT = 1_000_000_000;

/** One of `allowed`, or a UsageError that lists them. */
function parseFormat<F extends Format>(text: string, allowed: readonly F[]): F {
  if (!(allowed as readonly string[]).includes(text))
    throw new UsageError(`--format is ${allowed.join(', ')}, got "${text}"`);
  return text as F;
}

function noArgs(args: string[]): void {
  parse({ args, options: {}, strict: true, allowPositionals: false });
}

/** The id of a command that takes exactly one. */
function oneId(positionals: string[]): number {
  if (positionals.length === 0) throw new UsageError('an installation id is required');
  atMost(positionals, 1);
  return parseId(positionals[0]!);
}

const reveal = { type: 'boolean', default: false } as const;

export const COMMANDS: Record<string, Command> = {
  'install-url': {
    usage: 'install-url',
    summary: 'print the secret install URL to hand to users',
    run: async (args, ctx) => {
      noArgs(args);
      const config = ctx.config();
      const secret = config.installSecret ?? (await withStore(config, (store) => store.settings.installSecret()));
      ctx.out.write(`${config.publicUrl}/slack/install/${secret}\n`);
      return 0;
    },
  },

  list: {
    usage:
      'list [--team TEAM_ID] [--channel CHANNEL_ID] [--active | --revoked] [--format table|json|ndjson|csv | --json] ' +
      '[--limit N] [--after ID] [--reveal]',
    summary:
      'list installations in id order, revoked ones included unless --active, streamed as they are read; a table ' +
      `(on a terminal the first ${TTY_TABLE_LIMIT} unless --limit), a JSON array, NDJSON or CSV; --after ID pages on`,
    run: async (args, ctx) => {
      const { values } = parse({
        args,
        strict: true,
        allowPositionals: false,
        options: {
          team: { type: 'string' },
          channel: { type: 'string' },
          active: { type: 'boolean', default: false },
          revoked: { type: 'boolean', default: false },
          json: { type: 'boolean', default: false },
          format: { type: 'string' },
          limit: { type: 'string' },
          after: { type: 'string' },
          reveal,
        },
      });
      if (values.active && values.revoked) throw new UsageError('--active and --revoked exclude each other');
      if (values.json && values.format !== undefined && values.format !== 'json')
        throw new UsageError('--json and --format exclude each other');
      const format = values.json ? 'json' : parseFormat(values.format ?? 'table', FORMATS);
      const scan: InstallationScan = {
        teamId: values.team,
        channelId: values.channel,
        revoked: values.revoked ? true : values.active ? false : undefined,
        limit: values.limit === undefined ? undefined : parseIntIn('--limit', values.limit, 1, MAX_LIMIT),
        after: values.after === undefined ? undefined : parseId(values.after),
      };
      await withExistingStore(ctx.config(), (store) =>
        listInstallations(store, { scan, format, reveal: values.reveal }, ctx.out),
      );
      return 0;
    },
  },

  show: {
    usage: 'show <id> [--json] [--reveal]',
    summary: 'every field of one installation, one per line (or a JSON object with --json)',
    run: async (args, ctx) => {
      const { values, positionals } = parse({
        args,
        strict: true,
        allowPositionals: true,
        options: { json: { type: 'boolean', default: false }, reveal },
      });
      const id = oneId(positionals);
      const record = await withExistingStore(ctx.config(), (store) => store.installations.get(id));
      if (record === undefined) return noSuch(ctx, id);
      ctx.out.write(values.json ? toJson(toView(record, values.reveal)) : installationDetails(record, values.reveal));
      return 0;
    },
  },

  revoke: {
    usage: 'revoke <id> [--reason TEXT]',
    summary: 'mark an installation revoked (it is kept, as history); the reason defaults to "revoked by operator"',
    run: async (args, ctx) => {
      const { values, positionals } = parse({
        args,
        strict: true,
        allowPositionals: true,
        options: { reason: { type: 'string', default: 'revoked by operator' } },
      });
      const id = oneId(positionals);
      const reason = values.reason.trim();
      if (reason === '') throw new UsageError('--reason must not be empty');
      return withExistingStore(ctx.config(), async (store) => {
        if (await store.installations.revoke(id, reason)) {
          ctx.out.write(`revoked installation ${id} (${printable(reason)})\n`);
          return 0;
        }
        const record = await store.installations.get(id);
        if (record === undefined) return noSuch(ctx, id);
        ctx.err.write(`installation ${id} is ${printable(statusOf(record))} already\n`);
        return 1;
      });
    },
  },

  verify: verifyCommand,

  export: {
    usage: 'export --format json|csv|ndjson [--reveal]',
    summary:
      'every installation, active and revoked, to stdout as a JSON array, CSV with a header row, or NDJSON ' +
      '(one object a line), streamed as read: memory stays flat however many there are',
    run: async (args, ctx) => {
      const { values } = parse({
        args,
        strict: true,
        allowPositionals: false,
        options: { format: { type: 'string' }, reveal },
      });
      if (values.format === undefined) throw new UsageError('--format is required');
      const format = parseFormat(values.format, ['json', 'csv', 'ndjson']);
      await withExistingStore(ctx.config(), (store) =>
        listInstallations(store, { scan: {}, format, reveal: values.reveal }, ctx.out),
      );
      return 0;
    },
  },

  prune: {
    usage: 'prune --revoked-before DATE',
    summary:
      'delete installations revoked before DATE (2026-01-31 is midnight UTC, or a date-time with a zone); ' +
      `active ones are never deleted; ${PRUNE_BATCH} at a time, so the server's installs go on meanwhile ` +
      '(the server does this itself, at start-up and daily, with REVOKED_RETENTION_DAYS)',
    run: async (args, ctx) => {
      const { values } = parse({
        args,
        strict: true,
        allowPositionals: false,
        options: { 'revoked-before': { type: 'string' } },
      });
      const text = values['revoked-before'];
      if (text === undefined) throw new UsageError('--revoked-before is required');
      const before = parseDate('--revoked-before', text);
      const tty = ctx.err.isTTY === true;
      const deleted = await withExistingStore(ctx.config(), (store) =>
        store.installations.pruneRevokedBefore(before, {
          onBatch: (n) => tty && ctx.err.write(`\rdeleted ${n}…\x1b[K`),
        }),
      );
      if (tty) ctx.err.write('\r\x1b[K');
      ctx.out.write(`deleted ${deleted} installation(s) revoked before ${isoSeconds(before)}\n`);
      return 0;
    },
  },

  'rotate-key': {
    usage: 'rotate-key',
    summary:
      're-encrypt every installation and the generated install secret under ENCRYPTION_KEY (old keys from ENCRYPTION_KEYS_OLD)',
    run: async (args, ctx) => {
      noArgs(args);
      const [changed, settings] = await withStore(ctx.config(), async (store) => [
        await store.installations.resealAll(),
        await store.settings.resealAll(),
      ]);
      ctx.out.write(
        `re-encrypted ${changed} installation(s) and ${settings} setting(s) under the current key; ENCRYPTION_KEYS_OLD can now be emptied\n`,
      );
      return 0;
    },
  },

  migrate: {
    usage: 'migrate',
    summary: 'apply pending database migrations (the server also does this at start-up)',
    run: async (args, ctx) => {
      noArgs(args);
      const applied = await withStore(ctx.config(), (store) => store.schemaVersion()); // opening applies them
      ctx.out.write(`database is at migration ${applied}\n`);
      return 0;
    },
  },
};
