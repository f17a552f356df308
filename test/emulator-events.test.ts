// The emulator's Events API deliveries: signing, url_verification, Request URLs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { EventDeliveryError } from '../src/emulator/events.js';
import { signSlackRequest } from '../src/emulator/signing.js';
import { EmulatorError, SlackEmulator } from '../src/emulator/state.js';
import { SIGNING_SECRET, APP, OTHER, startEmulator, startReceiver, signatureValid } from './support/emulator.js';

describe('events: request signing and delivery', () => {
  test("signSlackRequest matches Slack's official test vector", () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const expected = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
    assert.equal(signSlackRequest('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, body), expected);
    assert.equal(signSlackRequest('8f742231b10e8888abcd99yyyzzz85a5', '1531420618', Buffer.from(body)), expected);
  });

  test('sendEvent POSTs the exact JSON, signed with the app secret and timestamp, to the events URL', async (t) => {
    const emu = await startEmulator(t);
    const receiver = await startReceiver(t);
    emu.emulator.setEventsUrl(APP.appId, receiver.url);
    emu.clock.now = 1_700_000_000_500;
    const envelope = emu.emulator.eventCallback('T0ACME0001', APP.appId, { type: 'app_uninstalled' });
    assert.deepEqual(await emu.emulator.sendEvent(APP.appId, envelope), { status: 200, body: '' });

    const [got] = receiver.received;
    assert.ok(got);
    assert.equal(got.raw, JSON.stringify(envelope));
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['x-slack-request-timestamp'], '1700000000');
    assert.match(String(got.headers['x-slack-signature']), /^v0=[0-9a-f]{64}$/);
    assert.ok(signatureValid(SIGNING_SECRET, got));
    assert.equal(got.headers['x-slack-retry-num'], undefined);
    const { event_id: eventId, ...rest } = got.json;
    assert.match(eventId, /^Ev[A-Z0-9]{10}$/);
    assert.deepEqual(rest, {
      token: 'vErIfIcAtIoNtOkEn',
      team_id: 'T0ACME0001',
      api_app_id: APP.appId,
      event: { type: 'app_uninstalled' },
      type: 'event_callback',
      event_time: 1_700_000_000,
    });
    assert.deepEqual(Object.keys(got.json), [
      'token',
      'team_id',
      'api_app_id',
      'event',
      'type',
      'event_id',
      'event_time',
    ]);
  });

  test('sendEvent can forge a timestamp or a secret, and envelopes can be Enterprise Grid ones', async (t) => {
    const emu = await startEmulator(t);
    const receiver = await startReceiver(t);
    emu.emulator.setEventsUrl(APP.clientId, receiver.url);
    // Slack's Grid and org-wide envelopes name the org; none has a top-level is_enterprise_install.
    const grid = emu.emulator.eventCallback('T0INITECH1', APP.appId, { type: 'app_uninstalled' });
    assert.equal(grid.enterprise_id, 'E0INITECH1');
    assert.equal(grid.team_id, 'T0INITECH1');
    assert.equal(grid.is_enterprise_install, undefined);
    const org = emu.emulator.eventCallback('E0INITECH1', APP.appId, { type: 'app_uninstalled' });
    assert.equal(org.enterprise_id, 'E0INITECH1');
    assert.equal(org.team_id, undefined);
    await emu.emulator.sendEvent(APP.appId, grid, { timestamp: 1531420618, signingSecret: 'not-the-secret' });
    const [got] = receiver.received;
    assert.equal(got!.headers['x-slack-request-timestamp'], '1531420618');
    assert.equal(signatureValid(SIGNING_SECRET, got!), false);
    assert.ok(signatureValid('not-the-secret', got!));
    assert.equal(emu.emulator.eventCallback('T0ACME0001', APP.appId, { type: 'x' }).enterprise_id, undefined);
  });

  test('url_verification carries the app token and a challenge the app echoes', async (t) => {
    const emu = await startEmulator(t);
    const receiver = await startReceiver(t);
    emu.emulator.setEventsUrl(APP.appId, receiver.url);
    const challenge = emu.emulator.urlVerification(APP.appId);
    assert.equal(challenge.type, 'url_verification');
    assert.equal(challenge.token, 'vErIfIcAtIoNtOkEn');
    assert.match(challenge.challenge, /^[A-Za-z0-9]{52}$/);
    assert.deepEqual(await emu.emulator.sendEvent(APP.appId, challenge), { status: 200, body: challenge.challenge });
    assert.deepEqual(emu.emulator.urlVerification(APP.appId, 'fixed'), {
      token: 'vErIfIcAtIoNtOkEn',
      challenge: 'fixed',
      type: 'url_verification',
    });
    assert.ok(signatureValid(SIGNING_SECRET, receiver.received[0]!));
  });

  test('apps take signingSecret and eventsUrl in the constructor (as demo mode does); bad ones and unknown apps are refused', async (t) => {
    const receiver = await startReceiver(t);
    const emulator = new SlackEmulator({
      apps: [{ ...OTHER, signingSecret: 'demo-secret', eventsUrl: receiver.url }],
      publicUrl: 'http://localhost/_emulator',
    });
    assert.equal((await emulator.sendEvent(OTHER.appId, emulator.urlVerification(OTHER.appId, 'c'))).body, 'c');
    assert.ok(signatureValid('demo-secret', receiver.received[0]!));
    // Without one, an app gets a random secret shaped like Slack's.
    assert.match(
      new SlackEmulator({ apps: [OTHER], publicUrl: 'http://x' }).app(OTHER.clientId)!.signingSecret,
      /^[0-9a-f]{32}$/,
    );

    assert.throws(
      () => new SlackEmulator({ apps: [{ ...OTHER, eventsUrl: 'ftp://x/events' }], publicUrl: 'http://x' }),
      TypeError,
    );
    assert.throws(() => new SlackEmulator({ apps: [{ ...OTHER, signingSecret: '' }], publicUrl: 'http://x' }));
    assert.throws(
      () => new SlackEmulator({ apps: [OTHER, { ...APP, appId: OTHER.appId }], publicUrl: 'http://x' }),
      /duplicate emulator app id/,
    );
    assert.throws(() => emulator.setEventsUrl(OTHER.appId, 'not a url'), TypeError);
    assert.throws(() => emulator.setEventsUrl('A0NOPE0001', receiver.url), {
      name: 'EmulatorError',
      code: 'unknown_app',
    });
    await assert.rejects(emulator.sendEvent('A0NOPE0001', {}), { code: 'unknown_app' });
    emulator.setEventsUrl(OTHER.appId, undefined);
    await assert.rejects(
      emulator.sendEvent(OTHER.appId, {}),
      (error) => error instanceof EmulatorError && error.code === 'no_events_url',
    );
  });

  test('sendEvent rejects with connection_failed when nothing listens at the events URL', async (t) => {
    const emu = await startEmulator(t);
    const gone = Fastify();
    const address = await gone.listen({ port: 0, host: '127.0.0.1' });
    await gone.close();
    emu.emulator.setEventsUrl(APP.appId, `${address}/slack/events`);
    await assert.rejects(
      emu.emulator.sendEvent(APP.appId, {}),
      (error) => error instanceof EventDeliveryError && error.reason === 'connection_failed',
    );
  });
});
