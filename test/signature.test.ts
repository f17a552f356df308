import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slackSignature, verifySlackRequest } from '../src/slack/signature.js';

// Slack's published test vector (docs.slack.dev, "Verifying requests from Slack"), used verbatim by its SDKs.
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TIMESTAMP = 1531420618;
const BODY = Buffer.from(
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
);
const SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

/** Whether the vector's request is accepted by a server whose clock reads `now` (Unix seconds). */
const acceptedAt = (now: number) =>
  verifySlackRequest(SECRET, { timestamp: String(TIMESTAMP), signature: SIGNATURE }, BODY, now);

test('a signed request is accepted up to five minutes old: 299 s and 300 s are, 301 s is not', () => {
  assert.equal(acceptedAt(TIMESTAMP), true);
  assert.equal(acceptedAt(TIMESTAMP + 299), true);
  assert.equal(acceptedAt(TIMESTAMP + 300), true);
  assert.equal(acceptedAt(TIMESTAMP + 301), false);
  assert.equal(acceptedAt(TIMESTAMP + 24 * 3600), false);
});

test('a request signed with a timestamp in the future is refused past the same five minutes', () => {
  // A sender whose clock runs ahead is tolerated as much as one that runs behind (Slack's Python SDK: abs()),
  // but a request dated later than that could be replayed until its date comes, so it is refused.
  assert.equal(acceptedAt(TIMESTAMP - 299), true);
  assert.equal(acceptedAt(TIMESTAMP - 300), true);
  assert.equal(acceptedAt(TIMESTAMP - 301), false);
  assert.equal(acceptedAt(TIMESTAMP - 24 * 3600), false);
  assert.equal(acceptedAt(0), false);
});

test('without a clock given, the request is judged against the current time', () => {
  const now = Math.floor(Date.now() / 1000);
  const fresh = String(now);
  assert.equal(
    verifySlackRequest(SECRET, { timestamp: fresh, signature: slackSignature(SECRET, fresh, BODY) }, BODY),
    true,
  );
  // Ten minutes either way is outside the window whichever second the test runs in.
  for (const ts of [String(now - 600), String(now + 600)])
    assert.equal(
      verifySlackRequest(SECRET, { timestamp: ts, signature: slackSignature(SECRET, ts, BODY) }, BODY),
      false,
    );
});

test('a missing timestamp or signature header is a refusal, not an exception', () => {
  for (const headers of [
    { timestamp: undefined, signature: SIGNATURE },
    { timestamp: String(TIMESTAMP), signature: undefined },
    { timestamp: undefined, signature: undefined },
    { timestamp: '', signature: SIGNATURE },
    { timestamp: String(TIMESTAMP), signature: '' },
    // Signed over the text a missing value turns into in a template string.
    { timestamp: undefined, signature: slackSignature(SECRET, 'undefined', BODY) },
  ]) {
    assert.equal(verifySlackRequest(SECRET, headers, BODY, TIMESTAMP), false, JSON.stringify(headers));
  }
});

test('a timestamp that is not plain decimal seconds is refused, even when correctly signed', () => {
  // Number() reads all of these as (about) the right time, so only the check of the text itself refuses them.
  for (const timestamp of [
    '+1531420618',
    ' 1531420618',
    '1531420618 ',
    '1531420618\n',
    'x1531420618',
    '1531420618x',
    '1531420618.0',
    '1.531420618e9',
    '0x5b479fca',
    '0001531420618', // 13 digits: more than any Unix time in seconds needs
    'abc', // NaN: no comparison with NaN is true, so the age check alone would let it through
  ]) {
    // Whether the text as sent or the plain seconds inside it were signed.
    for (const signed of [timestamp, String(TIMESTAMP)]) {
      const signature = slackSignature(SECRET, signed, BODY);
      assert.equal(verifySlackRequest(SECRET, { timestamp, signature }, BODY, TIMESTAMP), false, timestamp);
    }
  }
  // Leading zeros up to 12 digits are still decimal seconds.
  const padded = '001531420618';
  assert.equal(
    verifySlackRequest(SECRET, { timestamp: padded, signature: slackSignature(SECRET, padded, BODY) }, BODY, TIMESTAMP),
    true,
  );
});

test('the signature covers the version, the timestamp and every byte of the body, under the signing secret', () => {
  assert.equal(slackSignature(SECRET, String(TIMESTAMP), BODY), SIGNATURE);
  assert.equal(slackSignature(SECRET, String(TIMESTAMP), BODY.toString()), SIGNATURE, 'a string body signs alike');
  const refused = (secret: string, timestamp: string, signature: string, body: Buffer) =>
    assert.equal(verifySlackRequest(secret, { timestamp, signature }, body, TIMESTAMP), false);
  refused(`${SECRET}x`, String(TIMESTAMP), SIGNATURE, BODY);
  refused(SECRET, String(TIMESTAMP + 1), SIGNATURE, BODY);
  refused(SECRET, String(TIMESTAMP), SIGNATURE, Buffer.concat([BODY, Buffer.from(' ')]));
  refused(SECRET, String(TIMESTAMP), SIGNATURE, BODY.subarray(1));
  refused(SECRET, String(TIMESTAMP), SIGNATURE.toUpperCase(), BODY);
  refused(SECRET, String(TIMESTAMP), SIGNATURE.replace('v0=', 'v1='), BODY);
  refused(SECRET, String(TIMESTAMP), SIGNATURE.slice(3), BODY);
  refused(SECRET, String(TIMESTAMP), `${SIGNATURE}0`, BODY);
  refused(SECRET, String(TIMESTAMP), SIGNATURE.slice(0, -1), BODY);
});
