/** What the CLI's tests share: running the built CLI, and databases seeded with installations. */
import type { Installation } from '@slack/oauth';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { tempDir } from '../helpers.js';

const CLI = join(process.cwd(), 'dist', 'src', 'cli.js');

export function cli(cwd: string, args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 120_000, // a cap for a hung CLI only: a loaded machine may take seconds to start one
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The same, without blocking this process: needed when the CLI talks to an emulator or app running here. */
export function cliAsync(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Seed {
  team?: string;
  teamName?: string;
  channel?: string;
  channelName?: string;
  url: string;
  token?: string;
}

export function installation(s: Seed): Installation {
  return {
    team: { id: s.team ?? 'T1', name: s.teamName ?? 'Acme' },
    enterprise: undefined,
    isEnterpriseInstall: false,
    user: { id: 'U1', token: undefined, scopes: undefined },
    bot: s.token === undefined ? undefined : { token: s.token, scopes: ['incoming-webhook'], id: '', userId: 'UBOT' },
    incomingWebhook: { url: s.url, channel: s.channelName ?? '#general', channelId: s.channel ?? 'C1' },
    appId: 'A1',
  };
}

/** A database in a temp folder with these installations, and the environment that points the CLI at it. */
export async function seeded(t: Parameters<typeof tempDir>[0], seeds: Seed[]) {
  const dir = tempDir(t);
  const key = randomBytes(32);
  const databasePath = join(dir, 'db.sqlite');
  const store = await SqliteStore.open(databasePath, new SecretBox(key));
  const ids: number[] = [];
  for (const s of seeds) ids.push(await store.installations.insert(installation(s)));
  return {
    dir,
    ids,
    store,
    env: { DATABASE_PATH: databasePath, ENCRYPTION_KEY: key.toString('base64') },
    /** Opens the database afresh, to read what the CLI wrote. */
    reopen: async () => {
      const again = await SqliteStore.open(databasePath, new SecretBox(key));
      t.after(() => again.close());
      return again;
    },
  };
}

export const SECRET_1 = 'abcDEF123secretONE';
export const SECRET_2 = 'ghiJKL456secretTWO';
export const SECRET_3 = 'mnoPQR789secretTHREE';
export const URL_1 = `https://hooks.slack.com/services/T1/B001/${SECRET_1}`;
export const URL_2 = `https://hooks.slack.com/services/T1/B002/${SECRET_2}`;
export const URL_3 = `https://hooks.slack.com/services/T2/B003/${SECRET_3}`;
export const TOKEN_1 = 'xoxb-1-token-one-secret';
export const TOKEN_3 = 'xoxb-3-token-three-secret';

/** Three installations: two in T1 (channels C1, C2), one in T2 (C1) that is revoked. */
export async function threeInstalls(t: Parameters<typeof tempDir>[0]) {
  const db = await seeded(t, [
    { team: 'T1', teamName: 'Acme', channel: 'C1', channelName: '#general', url: URL_1, token: TOKEN_1 },
    { team: 'T1', teamName: 'Acme', channel: 'C2', channelName: '#alerts', url: URL_2 },
    { team: 'T2', teamName: 'Beta', channel: 'C1', channelName: '#general', url: URL_3, token: TOKEN_3 },
  ]);
  const revokedAt = new Date('2026-03-04T05:06:07.890Z');
  assert.ok(await db.store.installations.revoke(db.ids[2]!, 'app uninstalled', revokedAt));
  await db.store.close();
  return { ...db, revokedAt };
}

export function assertNoSecrets(text: string, where: string): void {
  for (const secret of [SECRET_1, SECRET_2, SECRET_3, TOKEN_1, TOKEN_3]) {
    assert.ok(!text.includes(secret), `${where} shows a secret (${secret}) without --reveal:\n${text}`);
  }
}
