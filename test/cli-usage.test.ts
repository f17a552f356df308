// The CLI's usage: install-url, help, and bad usage exiting 2 before any configuration is read.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from './helpers.js';
import { cli, seeded, URL_1 } from './support/cli.js';

const COMMANDS = ['install-url', 'list', 'show', 'revoke', 'verify', 'export', 'prune', 'rotate-key', 'migrate'];

test('cli: install-url prints the same URL the server uses, and bad usage exits 2', async (t) => {
  const dir = tempDir(t);
  const first = cli(dir, ['install-url'], { PUBLIC_URL: 'https://hooks.example.com' });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^https:\/\/hooks\.example\.com\/slack\/install\/[A-Za-z0-9_-]{32}\n$/);
  assert.equal(
    cli(dir, ['install-url'], { PUBLIC_URL: 'https://hooks.example.com' }).stdout,
    first.stdout,
    'generated once, then kept',
  );
  const unknown = cli(dir, ['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  assert.equal(cli(dir, []).code, 2);
  assert.equal(cli(dir, ['install-url', 'extra']).code, 2);
  const bad = cli(dir, ['install-url'], { PORT: 'x' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /PORT/);
});

test('cli: bad usage exits 2 with the command usage before any configuration is read; help lists commands and --reveal', async (t) => {
  const dir = tempDir(t);
  const badConfig = { PORT: 'x', DATABASE_PATH: join(dir, 'db.sqlite') };
  for (const command of COMMANDS) {
    const run = cli(dir, [command, '--no-such-option'], badConfig);
    assert.equal(run.code, 2, `${command}: ${run.stderr}`);
    assert.match(run.stderr, /Unknown option '--no-such-option'/);
    assert.match(run.stderr, new RegExp(`usage: slack-webhook-installer ${command}`));
    assert.equal(run.stdout, '');
    const help = cli(dir, [command, '--help'], badConfig);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, new RegExp(`^usage: slack-webhook-installer ${command}`));
  }
  const help = cli(dir, ['help']);
  assert.equal(help.code, 0);
  for (const command of COMMANDS) {
    assert.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'));
  }
  assert.match(help.stdout, /--reveal/);
  assert.match(help.stdout, /masked/);
  assert.match(help.stdout, /Exit codes: 0 done, 1 failure, 2 bad usage/);
  assert.equal(cli(dir, ['constructor']).code, 2, 'no command from Object.prototype');
  assert.equal(existsSync(join(dir, 'db.sqlite')), false, 'bad usage touched no database');

  const missing = cli(dir, ['list'], { DATABASE_PATH: join(dir, 'nowhere', 'db.sqlite') });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no database at .*nowhere/);
  assert.equal(existsSync(join(dir, 'nowhere')), false, 'a wrong DATABASE_PATH creates nothing');
  const noKey = await seeded(t, [{ url: URL_1 }]);
  await noKey.store.close();
  const keyless = cli(noKey.dir, ['list'], { DATABASE_PATH: noKey.env.DATABASE_PATH });
  assert.equal(keyless.code, 1);
  assert.match(keyless.stderr, /ENCRYPTION_KEY is not set/);
  assert.equal(existsSync(join(noKey.dir, 'encryption.key')), false, 'no new key file made beside the database');
});
