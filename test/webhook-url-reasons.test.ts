// Each way a webhook URL from Slack's answer can be refused has its own reason, which names no part of the URL (it
// is logged): the reason is what an operator reads to find out why an install stored nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SLACK_WEBHOOK_BASES, webhookUrlProblem } from '../src/slack/webhook-url.js';

const GOOD = 'https://hooks.slack.com/services/T9TK3CUKW/BXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX';
const problem = (raw: string) => webhookUrlProblem(raw, SLACK_WEBHOOK_BASES);

test('Slack’s own webhook URLs, commercial and GovSlack, are accepted', () => {
  assert.equal(problem(GOOD), undefined);
  assert.equal(problem(GOOD.replace('hooks.slack.com', 'hooks.slack-gov.com')), undefined);
  assert.equal(
    webhookUrlProblem('http://127.0.0.1:3000/_emulator/services/T1/B1/x', ['http://127.0.0.1:3000/_emulator']),
    undefined,
  );
});

test('each refusal says why, and only why', () => {
  const cases: Array<[string, string]> = [
    ['not a url', 'not a URL'],
    ['', 'not a URL'],
    [`${GOOD} `, 'not written as a URL parser writes it'],
    [GOOD.replace('https:', 'HTTPS:'), 'not written as a URL parser writes it'],
    [GOOD.replace('/T9TK3CUKW/', '/./T9TK3CUKW/'), 'not written as a URL parser writes it'],
    [GOOD.replace('https://', 'https://user@'), 'carries a user name or password'],
    [GOOD.replace('https://', 'https://:secret@'), 'carries a user name or password'],
    [GOOD.replace('https://', 'https://user:secret@'), 'carries a user name or password'],
    [`${GOOD}?x=1`, 'carries a query string or fragment'],
    [`${GOOD}#top`, 'carries a query string or fragment'],
    [`${GOOD}?x=1#top`, 'carries a query string or fragment'],
    [
      GOOD.replace('hooks.slack.com', 'hooks.slack.com.evil.example'),
      'not on a Slack webhook host or one of SLACK_WEBHOOK_ORIGINS',
    ],
    [GOOD.replace('https:', 'http:'), 'not on a Slack webhook host or one of SLACK_WEBHOOK_ORIGINS'],
    [GOOD.replace('/services/', '/other/'), 'not on a Slack webhook host or one of SLACK_WEBHOOK_ORIGINS'],
    [`${GOOD}%27$(touch%20x)`, 'its path has characters other than A-Z a-z 0-9 - _ /'],
    [`${GOOD}/`, 'its path has characters other than A-Z a-z 0-9 - _ /'],
    ['https://hooks.slack.com/services/', 'its path has characters other than A-Z a-z 0-9 - _ /'],
  ];
  for (const [raw, reason] of cases) assert.equal(problem(raw), reason, raw);
});
