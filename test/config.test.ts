import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';

const creds = { SLACK_CLIENT_ID: '1.2', SLACK_CLIENT_SECRET: 's' };

test('defaults: port 3000 on 127.0.0.1, PUBLIC_URL from the port, Slack’s real endpoints, incoming-webhook scope', () => {
  const c = loadConfig({ ...creds });
  assert.equal(c.port, 3000);
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.publicUrl, 'http://localhost:3000');
  assert.equal(c.redirectUri, 'http://localhost:3000/slack/oauth_redirect');
  assert.deepEqual(c.slack.scopes, ['incoming-webhook']);
  assert.equal(c.slack.authorizeUrl, 'https://slack.com/oauth/v2/authorize');
  assert.equal(c.slack.apiUrl, 'https://slack.com/api/');
  assert.equal(c.databasePath, './data/installations.db');
  assert.equal(c.logLevel, 'info');
  assert.equal(c.demo, false);
  assert.equal(c.installSecret, undefined);
});

test('PUBLIC_URL loses its trailing slash; SLACK_API_URL gains one; scopes are split on commas', () => {
  const c = loadConfig({
    ...creds,
    PUBLIC_URL: 'https://hooks.example.com/',
    SLACK_API_URL: 'http://127.0.0.1:9/api',
    SLACK_SCOPES: 'incoming-webhook, chat:write',
  });
  assert.equal(c.redirectUri, 'https://hooks.example.com/slack/oauth_redirect');
  assert.equal(c.slack.apiUrl, 'http://127.0.0.1:9/api/');
  assert.deepEqual(c.slack.scopes, ['incoming-webhook', 'chat:write']);
});

test('without credentials and outside production, demo mode points the flow at the built-in emulator', () => {
  const c = loadConfig({ PORT: '4000' });
  assert.equal(c.demo, true);
  assert.equal(c.slack.authorizeUrl, 'http://localhost:4000/_emulator/oauth/v2/authorize');
  assert.equal(c.slack.apiUrl, 'http://127.0.0.1:4000/_emulator/api/');
});

const bad: Array<[string, Record<string, string>, RegExp]> = [
  ['PORT', { ...creds, PORT: 'eighty' }, /^PORT /],
  ['PORT', { ...creds, PORT: '70000' }, /^PORT /],
  ['PUBLIC_URL', { ...creds, PUBLIC_URL: 'not a url' }, /^PUBLIC_URL /],
  ['PUBLIC_URL', { ...creds, PUBLIC_URL: 'ftp://x' }, /^PUBLIC_URL /],
  ['SLACK_CLIENT_SECRET', { SLACK_CLIENT_ID: '1.2' }, /^SLACK_CLIENT_SECRET /],
  ['SLACK_CLIENT_ID', { SLACK_CLIENT_SECRET: 's' }, /^SLACK_CLIENT_ID /],
  ['production', { NODE_ENV: 'production' }, /SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are required/],
  ['SLACK_SCOPES', { ...creds, SLACK_SCOPES: 'incoming webhook' }, /^SLACK_SCOPES /],
  ['SLACK_AUTHORIZE_URL', { ...creds, SLACK_AUTHORIZE_URL: 'slack.com' }, /^SLACK_AUTHORIZE_URL /],
  ['INSTALL_SECRET', { ...creds, INSTALL_SECRET: 'short' }, /^INSTALL_SECRET /],
  ['LOG_LEVEL', { ...creds, LOG_LEVEL: 'loud' }, /^LOG_LEVEL /],
];
for (const [name, env, message] of bad) {
  test(`a bad ${name} stops start-up with a message naming it`, () => {
    assert.throws(
      () => loadConfig(env),
      (err: unknown) => err instanceof ConfigError && message.test(err.message),
    );
  });
}
