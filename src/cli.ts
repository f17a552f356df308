#!/usr/bin/env node
// The operator's command line: `npm run cli -- <command>` or `npx slack-webhook-installer <command>`.
// Exit codes: 0 done, 1 failure, 2 bad usage; errors go to stderr.
import { existsSync } from 'node:fs';
import { UsageError } from './cli/args.js';
import { COMMANDS, type Command, type Context } from './cli/commands.js';
import { MASK } from './cli/format.js';
import { ReaderGone } from './cli/stream.js';
import { loadConfig, type Config } from './config.js';

const PROGRAM = 'slack-webhook-installer';

function help(): string {
  return [
    `usage: ${PROGRAM} <command> [options]`,
    '',
    'commands:',
    ...Object.values(COMMANDS).flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`]),
    '',
    `Secrets: list, show and export print webhook URLs masked (https://hooks.slack.com/services/T…/B…/${MASK}) and never`,
    'a bot token, unless --reveal is given: then both are printed in full, so mind terminal history, logs and files.',
    '',
    'Configuration is read as the server reads it: environment variables, then ./.env (DATABASE_PATH, ENCRYPTION_KEY,',
    'ENCRYPTION_KEYS_OLD, SLACK_TIMEOUT_MS, …). Commands can run while the server runs (the database is in WAL mode).',
    `Exit codes: 0 done, 1 failure, 2 bad usage. "${PROGRAM} <command> --help" shows one command's usage.`,
  ].join('\n');
}

function usageOf(command: Command): string {
  return `usage: ${PROGRAM} ${command.usage}\n  ${command.summary}\n`;
}

/** `--help` or `-h` among a command's arguments, before any `--`. */
function wantsHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

export async function main(
  argv: string[],
  io: Pick<Context, 'out' | 'err'> = { out: process.stdout, err: process.stderr },
): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? io.err : io.out).write(`${help()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    io.err.write(`unknown command "${name}"\n\n${help()}\n`);
    return 2;
  }
  if (wantsHelp(args)) {
    io.out.write(usageOf(command));
    return 0;
  }
  let config: Config | undefined;
  const ctx: Context = {
    ...io,
    config: () => {
      if (config === undefined) {
        if (existsSync('.env')) process.loadEnvFile('.env');
        config = loadConfig(process.env);
      }
      return config;
    },
  };
  try {
    return await command.run(args, ctx);
  } catch (err) {
    if (err instanceof ReaderGone) return 0; // `… | head` has what it wanted
    if (err instanceof UsageError) {
      io.err.write(`${err.message}\n${usageOf(command)}`);
      return 2;
    }
    io.err.write(`error: ${(err as Error).message}\n`);
    return 1;
  }
}

// A reader that goes away early (`… | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});

process.exitCode = await main(process.argv.slice(2));
