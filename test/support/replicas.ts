// Several server processes on one PostgreSQL, as behind a load balancer: one PUBLIC_URL for all of them, and a
// browser that sends each request of a flow to the replica a test chooses.
import Fastify from 'fastify';
import type { TestContext } from 'node:test';
import emulatorPlugin from '../../src/emulator/plugin.js';
import { SlackEmulator } from '../../src/emulator/state.js';
import {
  ACME,
  Browser,
  emulatorEnv,
  freePort,
  hiddenFields,
  location,
  startServerProcess,
  TEST_APP,
  type RunningEmulator,
  type ServerProcess,
} from '../helpers.js';

export interface CountingEmulator extends RunningEmulator {
  /** How many oauth.v2.access calls reached "Slack". */
  exchanges: () => number;
  /** Holds the next oauth.v2.access call: `arrived` resolves when it reaches Slack, `release` lets it be answered. */
  holdNextExchange: () => { arrived: Promise<void>; release: () => void };
}

/** The Slack emulator, alone on loopback, counting (and on demand holding) the code exchanges it answers. */
export async function startCountingEmulator(t: TestContext): Promise<CountingEmulator> {
  const emulator = new SlackEmulator({ apps: [TEST_APP], publicUrl: 'http://127.0.0.1/_emulator' });
  const server = Fastify();
  let exchanges = 0;
  let hold: { arrived: () => void; released: Promise<void> } | undefined;
  server.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/_emulator/api/oauth.v2.access')) return;
    exchanges += 1;
    const held = hold;
    hold = undefined;
    if (held !== undefined) {
      held.arrived();
      await held.released;
    }
  });
  await server.register(emulatorPlugin, { emulator, prefix: '/_emulator' });
  const address = await server.listen({ port: 0, host: '127.0.0.1' });
  emulator.publicUrl = `${address}/_emulator`;
  t.after(() => server.close());
  return {
    emulator,
    url: emulator.publicUrl,
    server,
    exchanges: () => exchanges,
    holdNextExchange: () => {
      let arrived!: () => void;
      let release!: () => void;
      const arrival = new Promise<void>((resolve) => (arrived = resolve));
      hold = { arrived, released: new Promise<void>((resolve) => (release = resolve)) };
      return { arrived: arrival, release };
    },
  };
}

export interface Replicas {
  /** The one address users see (a balancer's); nothing listens there, each request goes to a replica directly. */
  publicUrl: string;
  env: Record<string, string>;
  start: (t: TestContext, extra?: Record<string, string>) => Promise<ServerProcess>;
}

/** The environment replicas share: one database, one key, one signing secret, one PUBLIC_URL. */
export async function replicas(emu: RunningEmulator, databaseUrl: string, key: string): Promise<Replicas> {
  const publicUrl = `http://127.0.0.1:${await freePort()}`;
  const env = {
    ...emulatorEnv(emu),
    DATABASE_URL: databaseUrl,
    ENCRYPTION_KEY: key,
    PUBLIC_URL: publicUrl,
    LOG_LEVEL: 'warn',
  };
  return {
    publicUrl,
    env,
    start: (t, extra = {}) => startServerProcess(t, { ...env, ...extra }),
  };
}

/** `url` with its origin replaced by a replica's own address. */
export function at(replica: ServerProcess, url: string): string {
  const u = new URL(url);
  return `${replica.direct}${u.pathname}${u.search}`;
}

/**
 * Opens the install URL on one replica, consents at the emulator, and returns the callback URL (not requested),
 * to be sent to whichever replica the test wants.
 */
export async function consentVia(browser: Browser, replica: ServerProcess): Promise<string> {
  const start = await browser.get(at(replica, replica.installUrl));
  if (start.status !== 302) throw new Error(`install URL answered ${start.status}`);
  const authorize = new URL(location(start));
  authorize.searchParams.set('team', ACME);
  const page = await browser.get(authorize.href);
  const html = await page.text();
  if (page.status !== 200) throw new Error(`consent page answered ${page.status}`);
  const channel = /<option[^>]*value="(C[A-Z0-9]+)"/.exec(html)?.[1] ?? '';
  const answer = await browser.post(`${authorize.origin}${authorize.pathname}`, {
    ...hiddenFields(html),
    channel,
    new_channel: '',
    action: 'allow',
  });
  if (answer.status !== 302) throw new Error(`consent form answered ${answer.status}`);
  return location(answer);
}

/** A whole install that starts on one replica and comes back from Slack to another. */
export async function installAcross(start: ServerProcess, finish: ServerProcess, browser = new Browser()) {
  const callback = await consentVia(browser, start);
  const answer = await browser.get(at(finish, callback));
  // A completed install answers 303 to its landing page, which the browser opens on the same replica.
  const res = answer.status === 303 ? await browser.get(at(finish, new URL(location(answer), callback).href)) : answer;
  return { res, html: await res.text(), browser };
}
