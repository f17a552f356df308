import Fastify, { type FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from '../bench/measure.js';
import { buildApp } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import emulatorPlugin from '../src/emulator/plugin.js';
import { SlackEmulator, type EmulatorApp } from '../src/emulator/state.js';
import { secretBoxFor } from '../src/crypto/keys.js';
import type { Db } from '../src/store/sqlite/database.js';
import { SqliteStore } from '../src/store/sqlite/store.js';
import { HOSTILE_WORKSPACE } from './support/workspaces.js';

export const TEST_APP = {
  clientId: '1234567890.0987654321',
  clientSecret: 'test-client-secret-123',
  appId: 'A0TESTAPP01',
  name: 'Test app',
  signingSecret: 'test-signing-secret-0123456789abcdef',
};
export const INSTALL_SECRET = 'test-install-secret-0123456789abcdef';
export const ACME = 'T0ACME0001';

export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'swi-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A port that was free a moment ago, for servers whose public URL must be known before they listen. */
export { freePort };

export interface RunningEmulator {
  emulator: SlackEmulator;
  url: string;
  server: FastifyInstance;
}

/** The Slack emulator, alone on loopback, as the tests' Slack. */
export async function startEmulator(t: TestContext, apps: EmulatorApp[] = [TEST_APP]): Promise<RunningEmulator> {
  const emulator = new SlackEmulator({
    apps,
    publicUrl: 'http://127.0.0.1/_emulator',
    workspaces: [HOSTILE_WORKSPACE],
  });
  const server = Fastify();
  await server.register(emulatorPlugin, { emulator, prefix: '/_emulator' });
  const address = await server.listen({ port: 0, host: '127.0.0.1' });
  emulator.publicUrl = `${address}/_emulator`;
  t.after(() => server.close());
  return { emulator, url: emulator.publicUrl, server };
}

/** The environment that points a server process at a running emulator, as a real deployment points at Slack. */
export function emulatorEnv(emu: RunningEmulator): Record<string, string> {
  return {
    SLACK_CLIENT_ID: TEST_APP.clientId,
    SLACK_CLIENT_SECRET: TEST_APP.clientSecret,
    SLACK_SIGNING_SECRET: TEST_APP.signingSecret,
    SLACK_AUTHORIZE_URL: `${emu.url}/oauth/v2/authorize`,
    SLACK_API_URL: `${emu.url}/api/`,
    SLACK_WEBHOOK_ORIGINS: emu.url, // the emulator's webhooks are at ${emu.url}/services/…
  };
}

export function testConfig(env: Record<string, string>): Config {
  return loadConfig({
    SLACK_CLIENT_ID: TEST_APP.clientId,
    SLACK_CLIENT_SECRET: TEST_APP.clientSecret,
    SLACK_SIGNING_SECRET: TEST_APP.signingSecret,
    INSTALL_SECRET,
    LOG_LEVEL: 'silent',
    ...env,
  });
}

export interface RunningApp {
  app: FastifyInstance;
  url: string;
  config: Config;
  emu: RunningEmulator;
}

/** This server on loopback with the emulator as its Slack and a database file of its own. */
export async function startApp(
  t: TestContext,
  env: Record<string, string> = {},
  options: { emu?: RunningEmulator; logger?: Parameters<typeof buildApp>[1] } = {},
): Promise<RunningApp> {
  const emu = options.emu ?? (await startEmulator(t));
  const port = await freePort();
  const config = testConfig({
    PORT: String(port),
    SLACK_AUTHORIZE_URL: `${emu.url}/oauth/v2/authorize`,
    SLACK_API_URL: `${emu.url}/api/`,
    SLACK_WEBHOOK_ORIGINS: emu.url,
    DATABASE_PATH: join(tempDir(t), 'installations.db'),
    ...env,
  });
  const app = await buildApp(config, options.logger ?? { logger: false });
  await app.listen({ port, host: '127.0.0.1' });
  t.after(() => app.close());
  // Like the Slack app's Event Subscriptions page: the emulator delivers this app's events here.
  if (emu.emulator.appById(TEST_APP.appId) !== undefined)
    emu.emulator.setEventsUrl(TEST_APP.appId, `${config.publicUrl}/slack/events`);
  return { app, url: config.publicUrl, config, emu };
}

/** Enough of a browser for the OAuth flow: follows nothing by itself, keeps cookies by name. */
export class Browser {
  readonly cookies = new Map<string, string>();

  async get(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const expired = attrs.some(
        (a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()),
      );
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1));
    }
    return res;
  }

  async post(url: string, form: Record<string, string>): Promise<Response> {
    return this.get(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  }
}

export function location(res: Response): string {
  const value = res.headers.get('location');
  if (value === null) throw new Error(`expected a redirect, got ${res.status}`);
  return value;
}

/** The hidden fields of the emulator's consent form. */
export function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(m[0])?.[1];
    const value = /value="([^"]*)"/.exec(m[0])?.[1] ?? '';
    if (name !== undefined) fields[name] = decodeEntities(value);
  }
  return fields;
}

export function decodeEntities(s: string): string {
  return s.replace(
    /&(#39|#x27|quot|lt|gt|amp|#34|#x2F|#96|#61);/g,
    (_, e: string) =>
      ({
        '#39': "'",
        '#x27': "'",
        quot: '"',
        lt: '<',
        gt: '>',
        amp: '&',
        '#34': '"',
        '#x2F': '/',
        '#96': '`',
        '#61': '=',
      })[e]!,
  );
}

export interface ConsentChoice {
  team?: string;
  channel?: string;
  newChannel?: string;
  action?: 'allow' | 'cancel';
  /** Changes a field of the consent form before it is sent, as a tampering client would. */
  tamper?: (fields: Record<string, string>) => void;
}

/**
 * Walks install URL → emulator consent → back to our callback and returns the callback's URL, without
 * requesting it, so a test can replay or alter it.
 */
export async function consent(browser: Browser, installUrl: string, choice: ConsentChoice = {}): Promise<string> {
  const start = await browser.get(installUrl);
  if (start.status !== 302) throw new Error(`install URL answered ${start.status}`);
  const authorize = new URL(location(start));
  authorize.searchParams.set('team', choice.team ?? ACME);
  const page = await browser.get(authorize.href);
  const html = await page.text();
  if (page.status !== 200) throw new Error(`consent page answered ${page.status}: ${html}`);
  const fields = hiddenFields(html);
  const channel = choice.channel ?? /<option[^>]*value="(C[A-Z0-9]+)"/.exec(html)?.[1] ?? '';
  const form = { ...fields, channel, new_channel: choice.newChannel ?? '', action: choice.action ?? 'allow' };
  choice.tamper?.(form);
  const answer = await browser.post(`${authorize.origin}${authorize.pathname}`, form);
  if (answer.status !== 302) throw new Error(`consent form answered ${answer.status}: ${await answer.text()}`);
  return location(answer);
}

/**
 * A whole install; returns the landing page's response and HTML (after the callback's 303, followed as a browser
 * does), the callback's URL and its own answer.
 */
export async function install(browser: Browser, installUrl: string, choice: ConsentChoice = {}) {
  const callback = await consent(browser, installUrl, choice);
  const callbackRes = await browser.get(callback);
  if (callbackRes.status !== 303) return { res: callbackRes, html: await callbackRes.text(), callback, callbackRes };
  const landingUrl = new URL(location(callbackRes), callback).href;
  const res = await browser.get(landingUrl);
  return { res, html: await res.text(), callback, callbackRes, landingUrl };
}

export function webhookUrlFrom(html: string): string {
  const m = /id="webhook-url"[^>]*>([^<]+)<\/textarea>/.exec(html);
  if (m === null) throw new Error('no webhook URL on the page');
  return decodeEntities(m[1]!);
}

export interface ServerProcess {
  url: string;
  /** The process's own address, which differs from `url` when PUBLIC_URL names a balancer or another replica. */
  direct: string;
  /** The working folder: `./data/` holds the database and, without ENCRYPTION_KEY, the key file. */
  cwd: string;
  installUrl: string;
  /** Everything the process wrote, so far. */
  output: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** `npm start`'s command, as a child process in a folder of its own, with the given environment. */
export async function startServerProcess(
  t: TestContext,
  env: Record<string, string>,
  cwd = tempDir(t),
): Promise<ServerProcess> {
  const { spawn } = await import('node:child_process');
  const port = await freePort();
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(SLACK_|INSTALL_SECRET|PUBLIC_URL|DATABASE_|ENCRYPTION_KEY|NODE_ENV|PORT|HOST|LOG_LEVEL)/.test(k),
    ),
  );
  const child = spawn(process.execPath, [join(process.cwd(), 'dist', 'server.js')], {
    cwd,
    env: { ...clean, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const installUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 120_000);
    const check = () => {
      const m = /Install URL[^\n]*\n\s*\n\s*(\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(m[1]!);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    url: new URL(installUrl).origin,
    direct: `http://127.0.0.1:${env.PORT ?? port}`,
    cwd,
    installUrl,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
  };
}

/** The SQLite database a server process started in `cwd` keeps by default (with its key file), for a test to read. */
export async function openServerStore(t: TestContext, cwd: string): Promise<SqliteStore> {
  const databasePath = join(cwd, 'data', 'installations.db');
  const store = await SqliteStore.open(
    databasePath,
    secretBoxFor({ databasePath, encryption: { key: undefined, oldKeys: [] } }),
  );
  t.after(() => store.close());
  return store;
}

/** The SQLite connection under an app's store, for tests of what SQLite itself keeps. */
export function sqliteDb(app: FastifyInstance): Db {
  if (!(app.store instanceof SqliteStore)) throw new Error('this test needs the SQLite store');
  return app.store.db;
}
