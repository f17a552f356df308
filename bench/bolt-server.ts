// Bolt for JS doing the same job, configured as Bolt's OAuth documentation shows: the built-in install path with
// directInstall, incoming-webhook scope, a state secret, and an installation store, here one SQLite row per install.
// `node dist/bench/bolt-server.js` with PORT, PUBLIC_URL, EMULATOR_URL, SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, DATABASE_PATH.
import bolt from '@slack/bolt';
import type { Installation, InstallationQuery } from '@slack/oauth';
import Database from 'better-sqlite3';
import { escapeHtml, requiredEnv } from './shared.js';

const { App } = bolt;

const port = Number(requiredEnv('PORT'));
const publicUrl = requiredEnv('PUBLIC_URL');
const emulatorUrl = requiredEnv('EMULATOR_URL');

const db = new Database(requiredEnv('DATABASE_PATH'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`CREATE TABLE IF NOT EXISTS installations (
  id INTEGER PRIMARY KEY, team_id TEXT, enterprise_id TEXT, channel_id TEXT, webhook_url TEXT, installation TEXT, installed_at INTEGER)`);
const insert = db.prepare(
  'INSERT INTO installations (team_id, enterprise_id, channel_id, webhook_url, installation, installed_at) VALUES (?, ?, ?, ?, ?, ?)',
);
const latest = db.prepare(
  'SELECT installation FROM installations WHERE team_id IS ? AND enterprise_id IS ? ORDER BY id DESC LIMIT 1',
);
const remove = db.prepare('DELETE FROM installations WHERE team_id IS ? AND enterprise_id IS ?');

const app = new App({
  signingSecret: 'bench-signing-secret-0123456789abcdef',
  clientId: requiredEnv('SLACK_CLIENT_ID'),
  clientSecret: requiredEnv('SLACK_CLIENT_SECRET'),
  stateSecret: 'bench-state-secret-0123456789abcdef',
  scopes: ['incoming-webhook'],
  redirectUri: `${publicUrl}/slack/oauth_redirect`,
  clientOptions: { slackApiUrl: `${emulatorUrl}/api/` },
  installerOptions: {
    directInstall: true,
    redirectUriPath: '/slack/oauth_redirect',
    authorizationUrl: `${emulatorUrl}/oauth/v2/authorize`,
    // The landing page shows the webhook URL, as this server's does (Bolt's default page only says "Thank you!").
    callbackOptions: {
      success: (installation, _options, _req, res) => {
        const url = installation.incomingWebhook?.url ?? '';
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          `<!doctype html><title>Installed</title><p>Webhook for ${escapeHtml(installation.incomingWebhook?.channel ?? '')}: <code>${escapeHtml(url)}</code></p>`,
        );
      },
    },
  },
  installationStore: {
    storeInstallation: async (installation: Installation) => {
      insert.run(
        installation.team?.id ?? null,
        installation.enterprise?.id ?? null,
        installation.incomingWebhook?.channelId ?? null,
        installation.incomingWebhook?.url ?? null,
        JSON.stringify(installation),
        Date.now(),
      );
    },
    fetchInstallation: async (query: InstallationQuery<boolean>) => {
      const row = latest.get(query.isEnterpriseInstall ? null : (query.teamId ?? null), query.enterpriseId ?? null) as
        { installation: string } | undefined;
      if (row === undefined) throw new Error('no installation');
      return JSON.parse(row.installation) as Installation;
    },
    deleteInstallation: async (query: InstallationQuery<boolean>) => {
      remove.run(query.isEnterpriseInstall ? null : (query.teamId ?? null), query.enterpriseId ?? null);
    },
  },
});

await app.start({ port, host: '127.0.0.1' });
process.once(
  'SIGTERM',
  () =>
    void app.stop().then(() => {
      db.close();
      process.exit(0);
    }),
);
