// The floor: only what an OAuth install cannot skip, on a bare Fastify app, with no checks and no logging. Like this
// server since its landing page became reloadable, the callback stores the install and answers 303 to a page of its
// own (Post/Redirect/Get), found again by a random id: the least a page that survives a reload needs.
// `node dist/bench/floor-server.js` with PORT, PUBLIC_URL, EMULATOR_URL, SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, DATABASE_PATH.
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { randomBytes } from 'node:crypto';
import { escapeHtml, requiredEnv } from './shared.js';

const port = Number(requiredEnv('PORT'));
const publicUrl = requiredEnv('PUBLIC_URL');
const emulatorUrl = requiredEnv('EMULATOR_URL');
const clientId = requiredEnv('SLACK_CLIENT_ID');
const clientSecret = requiredEnv('SLACK_CLIENT_SECRET');
const redirectUri = `${publicUrl}/slack/oauth_redirect`;
const authorizeBase = `${emulatorUrl}/oauth/v2/authorize?client_id=${encodeURIComponent(clientId)}&scope=incoming-webhook&redirect_uri=${encodeURIComponent(redirectUri)}&state=`;
const accessUrl = `${emulatorUrl}/api/oauth.v2.access`;

const db = new Database(requiredEnv('DATABASE_PATH'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`CREATE TABLE IF NOT EXISTS installations (
  id INTEGER PRIMARY KEY, landing_id TEXT UNIQUE, team_id TEXT, channel_id TEXT, channel TEXT, webhook_url TEXT,
  bot_token TEXT, installed_at INTEGER)`);
const insert = db.prepare(
  'INSERT INTO installations (landing_id, team_id, channel_id, channel, webhook_url, bot_token, installed_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
);
const landing = db.prepare<[string], { channel: string; webhook_url: string }>(
  'SELECT channel, webhook_url FROM installations WHERE landing_id = ?',
);

interface AccessAnswer {
  ok: boolean;
  access_token?: string;
  team?: { id: string };
  incoming_webhook?: { url: string; channel_id: string; channel: string };
}

const app = Fastify();

app.get('/slack/install', async (_request, reply) => {
  const state = randomBytes(16).toString('base64url');
  return reply
    .header('set-cookie', `floor_state=${state}; Path=/; HttpOnly; SameSite=Lax; Max-Age=600`)
    .redirect(authorizeBase + state, 302);
});

app.get<{ Querystring: { code?: string } }>('/slack/oauth_redirect', async (request, reply) => {
  const body = new URLSearchParams({
    client_id: clientId,
    client_secret: clientSecret,
    code: request.query.code ?? '',
    redirect_uri: redirectUri,
  });
  const res = await fetch(accessUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const answer = (await res.json()) as AccessAnswer;
  const hook = answer.incoming_webhook;
  if (!answer.ok || hook === undefined) return reply.code(502).type('text/plain').send('install failed');
  const landingId = randomBytes(16).toString('base64url');
  insert.run(
    landingId,
    answer.team?.id ?? null,
    hook.channel_id,
    hook.channel,
    hook.url,
    answer.access_token ?? null,
    Date.now(),
  );
  return reply.redirect(`/slack/installed/${landingId}`, 303);
});

app.get<{ Params: { id: string } }>('/slack/installed/:id', async (request, reply) => {
  const row = landing.get(request.params.id);
  if (row === undefined) return reply.code(404).type('text/plain').send('not found');
  return reply
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><title>Installed</title><p>Webhook for ${escapeHtml(row.channel)}: <code>${escapeHtml(row.webhook_url)}</code></p>`,
    );
});

await app.listen({ port, host: '127.0.0.1' });
process.once(
  'SIGTERM',
  () =>
    void app.close().then(() => {
      db.close();
      process.exit(0);
    }),
);
