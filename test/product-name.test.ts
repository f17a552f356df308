import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildApp } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { HOSTILE_WORKSPACE } from './support/workspaces.js';
import { Browser, decodeEntities, install, startApp, tempDir, testConfig, webhookUrlFrom } from './helpers.js';

// APP_NAME names the product; LANDING_INSTRUCTIONS replaces the landing page's "How to use it" without a fork.

test('APP_NAME names the product in titles, on every page and in the test message', async (t) => {
  const { app, url, emu } = await startApp(t, { APP_NAME: 'Acme CI <beta>' });
  const browser = new Browser();
  const { html, landingUrl } = await install(browser, app.installUrl);
  assert.match(html, /<title>Your Slack webhook is ready · Acme CI &lt;beta&gt;<\/title>/);
  assert.match(html, /<span id="app-name">Acme CI &lt;beta&gt;<\/span>/);
  assert.match(html, /Hello from Acme CI &lt;beta&gt;/, 'in the curl example');
  const notFound = await (await fetch(`${url}/nope`)).text();
  assert.match(notFound, /<title>Not found · Acme CI &lt;beta&gt;<\/title>/);

  const csrf = decodeEntities(/name="csrf" value="([^"]+)"/.exec(html)![1]!);
  assert.equal((await browser.post(`${url}/slack/test-message`, { csrf })).status, 303);
  // Slack's own escaping (&lt; &gt;) in the message text, so Slack shows the name as written.
  assert.match(emu.emulator.messages().at(-1)!.text, /test message from Acme CI &lt;beta&gt;/);
  assert.ok(landingUrl);
});

test('the default name is "Slack webhook installer"; a name with control characters or too long is refused', () => {
  assert.equal(testConfig({}).appName, 'Slack webhook installer');
  for (const bad of ['a\u0007b', 'x'.repeat(81), 'right\u202eto-left'])
    assert.throws(
      () => testConfig({ APP_NAME: bad }),
      (e: unknown) => e instanceof ConfigError && /APP_NAME/.test(e.message),
    );
});

test('the shipped instructions: Prefect, an environment variable and curl, each with its own copy button', async (t) => {
  const { app } = await startApp(t);
  const { html } = await install(new Browser(), app.installUrl);
  const webhookUrl = webhookUrlFrom(html);
  const snippets = ['snippet-toml', 'snippet-env', 'snippet-curl'];
  for (const id of snippets) {
    const text = decodeEntities(new RegExp(`<pre id="${id}">([^<]*)</pre>`).exec(html)![1]!);
    assert.ok(text.includes(webhookUrl), id);
    assert.match(html, new RegExp(`<button type="button" class="copy" data-copy-target="${id}"`));
  }
  assert.match(html, /~\/\.prefect\/config\.toml/);
  const text = (id: string) => decodeEntities(new RegExp(`<pre id="${id}">([^<]*)</pre>`).exec(html)![1]!);
  assert.equal(text('snippet-env'), `export SLACK_WEBHOOK_URL='${webhookUrl}'`, 'quoted for a shell');
  assert.equal(text('snippet-toml'), `[context.secrets]\nSLACK_WEBHOOK_URL = "${webhookUrl}"`, 'a TOML string');
  assert.match(
    html,
    /curl -X POST -H 'Content-type: application\/json' --data '\{&quot;text&quot;:&quot;Hello from Slack webhook installer&quot;\}'/,
  );
});

test('LANDING_INSTRUCTIONS: an Eta file of the operator’s, given the URL, channel and workspace, escaped', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'ci.eta');
  writeFileSync(
    file,
    '<h3>In BuildBot CI</h3>\n<p>Settings → Notifications → Slack, for <%= it.workspace %> / <%= it.channel %>:</p>\n<pre id="snippet-ci">notify:\n  slack_webhook: "<%= it.webhookUrl %>"</pre>\n<button type="button" class="copy" data-copy-target="snippet-ci">Copy</button>\n',
  );
  const { app } = await startApp(t, { LANDING_INSTRUCTIONS: file });
  const { html } = await install(new Browser(), app.installUrl, { team: HOSTILE_WORKSPACE.id });
  const webhookUrl = webhookUrlFrom(html);
  assert.match(html, /<h3>In BuildBot CI<\/h3>/);
  assert.match(html, /for &lt;script&gt;alert\(&quot;ws&quot;\)&lt;\/script&gt; &amp; Co \/ #general:/);
  assert.ok(!html.includes('<script>alert'), 'the workspace name is escaped');
  assert.ok(html.includes(`slack_webhook: "${webhookUrl}"`), 'the webhook URL in the operator’s snippet');
  assert.ok(!html.includes('~/.prefect/config.toml'), 'instead of the shipped block');
});

test('LANDING_INSTRUCTIONS that cannot be read or does not render stops the start with a message naming it', async (t) => {
  const dir = tempDir(t);
  const broken = join(dir, 'broken.eta');
  writeFileSync(broken, '<%= it.webhookUrl %> <% if (%>');
  const throwing = join(dir, 'throwing.eta');
  writeFileSync(throwing, '<%= it.nothing.here %>');
  for (const path of [join(dir, 'missing.eta'), broken, throwing]) {
    const config = testConfig({ LANDING_INSTRUCTIONS: path, DATABASE_PATH: ':memory:' });
    await assert.rejects(buildApp(config, { logger: false }), (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.match(e.message, /LANDING_INSTRUCTIONS/);
      return true;
    });
  }
});

test('in demo mode / is a small page with the install URL and the emulator; otherwise / is the plain 404', async (t) => {
  const demo = await buildApp(loadConfig({ DATABASE_PATH: join(tempDir(t), 'db.sqlite'), LOG_LEVEL: 'silent' }), {
    logger: false,
  });
  t.after(() => demo.close());
  const home = await demo.inject({ url: '/', headers: { accept: 'text/html' } });
  assert.equal(home.statusCode, 200);
  assert.match(home.body, /<h1>Slack webhook installer: demo<\/h1>/);
  assert.ok(home.body.includes(`<a id="install-link" href="${demo.installUrl}">`));
  assert.match(home.body, /<a id="emulator-link" href="\/_emulator">/);

  const { url } = await startApp(t);
  const root = await fetch(`${url}/`);
  const missing = await fetch(`${url}/no-such-page`);
  assert.equal(root.status, 404);
  assert.equal(await root.text(), await missing.text());
});
