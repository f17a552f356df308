/** What the emulator's own tests share: a standalone emulator on loopback, and ways to drive it like Slack's clients. */
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import emulatorPlugin from '../../src/emulator/plugin.js';
import { SlackEmulator, type EmulatorApp } from '../../src/emulator/state.js';
import { HOSTILE_WORKSPACE } from './workspaces.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789ab';
export const APP: EmulatorApp = {
  clientId: '1111.2222',
  clientSecret: 'app-secret',
  appId: 'A0TEST0001',
  name: 'Webhook Installer',
  signingSecret: SIGNING_SECRET,
  verificationToken: 'vErIfIcAtIoNtOkEn',
};
export const OTHER: EmulatorApp = {
  clientId: '3333.4444',
  clientSecret: 'other-secret',
  appId: 'A0OTHER001',
  name: 'Other App',
};
export const CONFIGURED: EmulatorApp = {
  clientId: '5555.6666',
  clientSecret: 'configured-secret',
  appId: 'A0CONF0001',
  name: 'Configured',
  redirectUrls: ['http://localhost:9999/slack'],
};
export const REDIRECT = 'http://localhost:9999/slack/callback?from=test';

export interface Emu {
  emulator: SlackEmulator;
  server: FastifyInstance;
  /** http://127.0.0.1:PORT/_emulator */
  base: string;
  clock: { now: number };
}

/** A standalone emulator on loopback, closed when the test ends. */
export async function startEmulator(t: TestContext, serverOptions: FastifyServerOptions = {}): Promise<Emu> {
  const clock = { now: Date.now() };
  const emulator = new SlackEmulator({
    apps: [APP, OTHER, CONFIGURED],
    publicUrl: 'http://unset.invalid',
    now: () => clock.now,
    workspaces: [HOSTILE_WORKSPACE],
  });
  const server = Fastify(serverOptions);
  await server.register(emulatorPlugin, { emulator, prefix: '/_emulator' });
  const address = await server.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => server.close());
  // A trailing slash is trimmed, so webhook URLs never get a double slash.
  emulator.publicUrl = `${address}/_emulator/`;
  assert.equal(emulator.publicUrl, `${address}/_emulator`);
  return { emulator, server, base: emulator.publicUrl, clock };
}

export function authorizeUrl(emu: Emu, params: Record<string, string>): string {
  return `${emu.base}/oauth/v2/authorize?${new URLSearchParams(params).toString()}`;
}

/** The authorize URL APP's install link leads to (incoming-webhook, REDIRECT), with `params` added or replaced. */
export function appAuthorizeUrl(emu: Emu, params: Record<string, string>): string {
  return authorizeUrl(emu, { client_id: APP.clientId, scope: 'incoming-webhook', redirect_uri: REDIRECT, ...params });
}

export function postForm(
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

export interface ConsentOptions {
  app?: EmulatorApp;
  scope?: string;
  team?: string;
  channel?: string;
  newChannel?: string;
  state?: string;
  redirectUri?: string;
  action?: string;
}

/** Submits the consent form the way the page's Allow/Cancel buttons do. */
export function consent(emu: Emu, options: ConsentOptions = {}): Promise<Response> {
  const fields: Record<string, string> = {
    client_id: (options.app ?? APP).clientId,
    scope: options.scope ?? 'incoming-webhook',
    team: options.team ?? 'T0ACME0001',
    channel: options.channel ?? 'C0ACME0002',
    action: options.action ?? 'allow',
  };
  if (options.redirectUri !== '') fields.redirect_uri = options.redirectUri ?? REDIRECT;
  if (options.state !== '') fields.state = options.state ?? 'st4te';
  if (options.newChannel !== undefined) fields.new_channel = options.newChannel;
  return postForm(`${emu.base}/oauth/v2/authorize`, fields);
}

export async function issueCode(emu: Emu, options: ConsentOptions = {}): Promise<string> {
  const res = await consent(emu, options);
  assert.equal(res.status, 302, await res.text());
  const code = new URL(res.headers.get('location')!).searchParams.get('code');
  assert.ok(code);
  return code;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Slack answers are asserted field by field
export type Json = Record<string, any>;

export async function exchange(
  emu: Emu,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Json> {
  const res = await postForm(`${emu.base}/api/oauth.v2.access`, fields, headers);
  assert.equal(res.status, 200);
  return (await res.json()) as Json;
}

export function credentials(app: EmulatorApp = APP): Record<string, string> {
  return { client_id: app.clientId, client_secret: app.clientSecret };
}

export async function install(emu: Emu, options: ConsentOptions = {}): Promise<Json> {
  const code = await issueCode(emu, options);
  const redirect = options.redirectUri ?? REDIRECT;
  const body = await exchange(emu, {
    code,
    ...credentials(options.app),
    ...(redirect ? { redirect_uri: redirect } : {}),
  });
  assert.equal(body.ok, true, JSON.stringify(body));
  return body;
}

export function postJson(url: string, body: string, contentType = 'application/json'): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
}

export async function expectPlain(res: Response, status: number, body: string): Promise<void> {
  assert.equal(res.status, status);
  assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(await res.text(), body);
}

/** POSTs form fields to a Web API method and returns the parsed JSON. */
export async function exchangeLike(emu: Emu, method: string, fields: Record<string, string>): Promise<Json> {
  const res = await postForm(`${emu.base}/api/${method}`, fields);
  assert.equal(res.status, 200);
  return (await res.json()) as Json;
}

export interface Received {
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  json: Json;
}

/** A stand-in for the app's POST /slack/events: keeps the raw body and headers, echoes url_verification challenges. */
export async function startReceiver(t: TestContext, status = 200): Promise<{ url: string; received: Received[] }> {
  const server = Fastify();
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  const received: Received[] = [];
  server.post('/slack/events', async (request, reply) => {
    const raw = request.body as string;
    const json = JSON.parse(raw) as Json;
    received.push({ headers: { ...request.headers }, raw, json });
    if (json.type === 'url_verification') return reply.type('text/plain').send(json.challenge);
    return reply.code(status).send('');
  });
  const address = await server.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => server.close());
  return { url: `${address}/slack/events`, received };
}

/** Slack's check, written out with node:crypto rather than through the emulator's own signing code. */
export function signatureValid(secret: string, received: Received): boolean {
  const timestamp = received.headers['x-slack-request-timestamp'];
  const signature = received.headers['x-slack-signature'];
  const expected = `v0=${createHmac('sha256', secret)
    .update(`v0:${String(timestamp)}:${received.raw}`)
    .digest('hex')}`;
  return (
    typeof signature === 'string' &&
    signature.length === expected.length &&
    timingSafeEqual(Buffer.from(signature), Buffer.from(expected))
  );
}

export function authTestWith(emu: Emu, token: string): Promise<Json> {
  return exchangeLike(emu, 'auth.test', { token });
}
