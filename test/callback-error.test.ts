// The callback's `error` parameter is anyone's to write: only a Slack-shaped error code reaches the page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startApp } from './helpers.js';
import { captureLogs } from './support/logs.js';

test('?error= shows Slack’s code when it looks like one, and otherwise only “Slack reported an error”', async (t) => {
  const logs = captureLogs();
  const { url } = await startApp(t, { LOG_LEVEL: 'info' }, { logger: logs.logger });
  const callback = (error: string) => fetch(`${url}/slack/oauth_redirect?error=${encodeURIComponent(error)}`);

  const spoof = `Your install failed. Reinstall at https://evil.example/install ${'x'.repeat(300)}`;
  for (const words of [spoof, 'Invalid_Team', 'code with spaces', 'a'.repeat(65), 'bad-dash', 'é']) {
    const res = await callback(words);
    const html = await res.text();
    assert.equal(res.status, 400, words);
    assert.match(html, /Slack reported an error\. No webhook was created\./, words);
    assert.ok(!html.includes(words), `the page does not repeat ${words.slice(0, 20)}`);
  }
  assert.ok(!logs.lines.some((l) => l.includes('x'.repeat(101))), 'the raw value is cut short in the log');
  const logged = logs.lines.find((l) => l.includes('Your install failed'));
  assert.ok(logged, 'the raw value is in the log');
  assert.equal((JSON.parse(logged) as { slackError: string }).slackError, spoof.slice(0, 100));

  for (const code of ['invalid_team_for_non_distributed_app', 'org_login_required', 'a'.repeat(64), '0_1']) {
    const html = await (await callback(code)).text();
    assert.ok(html.includes(`Slack reported “${code}”. No webhook was created.`), code);
  }
});
