import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Browser, install, startApp } from './helpers.js';

// RFC 9700 §2.5 and Slack's own advice for oauth.v2.access: the client authenticates with HTTP Basic, so the
// client secret is not a body field (bodies end up in debug logs and proxies' request dumps more often).

test('the code exchange authenticates with HTTP Basic and sends no client_secret in the body', async (t) => {
  const { app, emu } = await startApp(t);
  const { res } = await install(new Browser(), app.installUrl);
  assert.equal(res.status, 200, 'the emulator accepted the Basic credentials');
  assert.deepEqual(emu.emulator.tokenRequests(), [
    { clientAuthentication: 'basic', clientSecretInBody: false, codeVerifier: false },
  ]);
});

test('a wrong client secret sent by Basic is refused as bad_client_secret, on a 4xx page that does not show it', async (t) => {
  const { app } = await startApp(t, { SLACK_CLIENT_SECRET: 'not-the-apps-secret' });
  const { res, html } = await install(new Browser(), app.installUrl);
  assert.equal(res.status, 400);
  assert.match(html, /bad_client_secret/);
  assert.ok(!html.includes('not-the-apps-secret'));
});
