#!/usr/bin/env node
// The operator's command line: `npm run cli -- <command>` or `npx slack-webhook-installer <command>`.
// Exit codes: 0 done, 1 failure, 2 bad usage; errors go to stderr.
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig, type Config } from './config.js';
import { secretBoxFor } from './crypto/keys.js';
import { KeyError } from './crypto/secret-box.js';
import { openDatabase } from './store/database.js';
import { Store } from './store/index.js';

class UsageError extends Error {}

interface Command {
  usage: string;
  summary: string;
  run: (config: Config, args: string[]) => number | Promise<number>;
}

function withStore<T>(config: Config, use: (store: Store) => T): T {
  const store = Store.open(config.databasePath, secretBoxFor(config));
  try {
    return use(store);
  } finally {
    store.close();
  }
}

function noArgs(name: string, args: string[]) {
  if (args.length > 0) throw new UsageError(`${name} takes no arguments, got: ${args.join(' ')}`);
}

const COMMANDS: Record<string, Command> = {
  'install-url': {
    usage: 'install-url',
    summary: 'print the secret install URL to hand to users',
    run: (config, args) => {
      noArgs('install-url', args);
      const secret = config.installSecret ?? withStore(config, (store) => store.settings.installSecret());
      process.stdout.write(`${config.publicUrl}/slack/install/${secret}\n`);
      return 0;
    },
  },
  'rotate-key': {
    usage: 'rotate-key',
    summary: 're-encrypt every installation under ENCRYPTION_KEY (old keys from ENCRYPTION_KEYS_OLD)',
    run: (config, args) => {
      noArgs('rotate-key', args);
      const changed = withStore(config, (store) => store.installations.resealAll());
      process.stdout.write(`re-encrypted ${changed} installation(s) under the current key; ENCRYPTION_KEYS_OLD can now be emptied\n`);
      return 0;
    },
  },
  migrate: {
    usage: 'migrate',
    summary: 'apply pending database migrations (the server also does this at start-up)',
    run: (config, args) => {
      noArgs('migrate', args);
      const db = openDatabase(config.databasePath); // opening applies them
      const applied = db.pragma('user_version', { simple: true });
      db.close();
      process.stdout.write(`database is at migration ${applied}\n`);
      return 0;
    },
  },
};

function help(): string {
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.usage.length));
  return ['usage: slack-webhook-installer <command>', '', 'commands:',
    ...Object.values(COMMANDS).map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`)].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? process.stderr : process.stdout).write(`${help()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`unknown command "${name}"\n\n${help()}\n`);
    return 2;
  }
  try {
    if (existsSync('.env')) process.loadEnvFile('.env');
    return await command.run(loadConfig(process.env), args);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\nusage: slack-webhook-installer ${command.usage}\n`);
      return 2;
    }
    if (err instanceof ConfigError || err instanceof KeyError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
