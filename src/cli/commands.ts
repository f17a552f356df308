// The operator's commands: what each takes, and what it does with the store. No SQL here, only Store methods.
import { existsSync } from 'node:fs';
import type { Config } from '../config.js';
import { keyFilePath } from '../crypto/keys.js';
import { checkWebhook } from '../slack/webhooks.js';
import { openStore, type InstallationRecord, type Store } from '../store/index.js';
import { atMost, parse, parseDate, parseId, parseIntIn, UsageError } from './args.js';
import {
  installationDetails,
  installationsTable,
  isoSeconds,
  printable,
  statusOf,
  toCsv,
  toJson,
  toView,
} from './format.js';
import { summaryLine, verifyInstallations, type Output } from './verify.js';

export interface Context {
  /** The configuration, read (with `./.env`) on first use, so that bad usage is reported before bad configuration. */
  config(): Config;
  out: Output;
  err: Output;
}

export interface Command {
  /** What follows the program name. */
  usage: string;
  summary: string;
  run(args: string[], ctx: Context): number | Promise<number>;
}

export const DEFAULT_CONCURRENCY = 4;
const MAX_CONCURRENCY = 32;

/** Opens (creating and migrating if needed) the database, as the server does. */
async function withStore<T>(config: Config, use: (store: Store) => T | Promise<T>): Promise<T> {
  const store = await openStore(config);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/**
 * Opens a database that must exist already: run from the wrong folder, a command would otherwise make an empty
 * database, and without ENCRYPTION_KEY a new key file, and report "no installations".
 */
async function withExistingStore<T>(config: Config, use: (store: Store) => T | Promise<T>): Promise<T> {
  const path = config.databasePath;
  if (path !== ':memory:' && !existsSync(path)) {
    throw new Error(`no database at ${path}: set DATABASE_PATH (or run from the folder the server runs in)`);
  }
  if (config.encryption.key === undefined && path !== ':memory:' && !existsSync(keyFilePath(path))) {
    throw new Error(
      `ENCRYPTION_KEY is not set and there is no key file at ${keyFilePath(path)}: set the server's ENCRYPTION_KEY`,
    );
  }
  return withStore(config, use);
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

function noSuch(ctx: Context, id: number): number {
  ctx.err.write(`no installation ${id}\n`);
  return 1;
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
    usage: 'list [--team TEAM_ID] [--channel CHANNEL_ID] [--active | --revoked] [--json] [--reveal]',
    summary: 'list installations, revoked ones included unless --active; a table, or a JSON array with --json',
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
          reveal,
        },
      });
      if (values.active && values.revoked) throw new UsageError('--active and --revoked exclude each other');
      const records = await withExistingStore(ctx.config(), (store) =>
        store.installations.list({
          teamId: values.team,
          channelId: values.channel,
          revoked: values.revoked ? true : values.active ? false : undefined,
        }),
      );
      if (values.json) ctx.out.write(toJson(records.map((r) => toView(r, values.reveal))));
      else if (records.length === 0) ctx.out.write('no installations\n');
      else ctx.out.write(installationsTable(records, values.reveal));
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

  verify: {
    usage: `verify <id> | --all [--concurrency N]`,
    summary:
      'check webhooks without posting into any channel: dead ones are revoked, others (timeouts, 5xx, 429) ' +
      `reported and left as they are; --all: every active one, ${DEFAULT_CONCURRENCY} at a time; exit 1 if any was unknown`,
    run: async (args, ctx) => {
      const { values, positionals } = parse({
        args,
        strict: true,
        allowPositionals: true,
        options: { all: { type: 'boolean', default: false }, concurrency: { type: 'string' } },
      });
      atMost(positionals, 1);
      if (values.all === (positionals.length === 1)) throw new UsageError('give either one installation id or --all');
      const id = positionals.length === 1 ? parseId(positionals[0]!) : undefined;
      const concurrency =
        values.concurrency === undefined
          ? DEFAULT_CONCURRENCY
          : parseIntIn('--concurrency', values.concurrency, 1, MAX_CONCURRENCY);
      const config = ctx.config();
      return withExistingStore(config, async (store) => {
        let targets: InstallationRecord[];
        if (id === undefined) {
          targets = await store.installations.list({ revoked: false });
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
        const summary = await verifyInstallations(targets, {
          check: (url) => checkWebhook(url, config.slack.timeoutMs),
          revoke: (target, reason) => store.installations.revoke(target, reason),
          concurrency,
          out: ctx.out,
          progress: ctx.err,
        });
        ctx.out.write(`${summaryLine(summary)}\n`);
        return summary.unknown > 0 ? 1 : 0;
      });
    },
  },

  export: {
    usage: 'export --format json|csv [--reveal]',
    summary: 'every installation, active and revoked, to stdout as a JSON array or as CSV with a header row',
    run: async (args, ctx) => {
      const { values } = parse({
        args,
        strict: true,
        allowPositionals: false,
        options: { format: { type: 'string' }, reveal },
      });
      if (values.format !== 'json' && values.format !== 'csv') {
        throw new UsageError(
          values.format === undefined ? '--format is required' : `--format is json or csv, got "${values.format}"`,
        );
      }
      const views = (await withExistingStore(ctx.config(), (store) => store.installations.list())).map((r) =>
        toView(r, values.reveal),
      );
      ctx.out.write(values.format === 'json' ? toJson(views) : toCsv(views));
      return 0;
    },
  },

  prune: {
    usage: 'prune --revoked-before DATE',
    summary:
      'delete installations revoked before DATE (2026-01-31 is midnight UTC, or a date-time with a zone); ' +
      'active ones are never deleted',
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
      const deleted = await withExistingStore(ctx.config(), (store) => store.installations.pruneRevokedBefore(before));
      ctx.out.write(`deleted ${deleted} installation(s) revoked before ${isoSeconds(before)}\n`);
      return 0;
    },
  },

  'rotate-key': {
    usage: 'rotate-key',
    summary: 're-encrypt every installation under ENCRYPTION_KEY (old keys from ENCRYPTION_KEYS_OLD)',
    run: async (args, ctx) => {
      noArgs(args);
      const changed = await withStore(ctx.config(), (store) => store.installations.resealAll());
      ctx.out.write(
        `re-encrypted ${changed} installation(s) under the current key; ENCRYPTION_KEYS_OLD can now be emptied\n`,
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
