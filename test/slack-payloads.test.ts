import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import Fastify from 'fastify';
import { WEBHOOK_ERRORS, type CodeGrant } from '../src/emulator/state.js';
import { startEmulator, TEST_APP, type RunningEmulator } from './helpers.js';
import { composeShape, fixture, shape, shapeLines, type Json } from './slack-fixtures.js';

// The emulator is held to Slack's own published samples (test/fixtures/slack/SOURCES.md), field for field:
// a field the emulator adds that Slack does not send, or one Slack sends that it leaves out, fails here.

const REFERENCE = fixture('api/oauth.v2.access.reference.json') as {
  output: { required: string[]; properties: Record<string, Json> };
  examples: Record<string, { example: Record<string, Json> }>;
};
const SUCCESS = REFERENCE.examples.success!.example; // Grid workspace, bot + user token
const ROTATING = REFERENCE.examples.success_with_token_rotation!.example;
const SIWS = REFERENCE.examples.success_with_sign_in_with_slack!.example; // non-Grid workspace: enterprise null
const ORG_WIDE = fixture('api/oauth.v2.access.org-wide.json');
const PY_ROTATION = fixture('api/oauth.v2.access.token-rotation.json'); // Grid workspace with is_enterprise_install
const BOT_REFRESH = fixture('api/oauth.v2.access.bot-refresh.json');
const WEBHOOK_DOC = fixture('api/oauth.access.incoming-webhook.json');
const WEBHOOK_FIELDS = [
  'incoming_webhook',
  ...['channel', 'channel_id', 'configuration_url', 'url'].map((k) => `incoming_webhook.${k}`),
];
const ROTATING_APP = {
  ...TEST_APP,
  clientId: '222.333',
  appId: 'A0ROTATING1',
  name: 'Rotating app',
  tokenRotation: true,
};

function str(value: Json | undefined): string {
  assert.equal(typeof value, 'string');
  return value as string;
}

async function exchange(emu: RunningEmulator, grant: Omit<CodeGrant, 'expiresAt'>): Promise<Record<string, Json>> {
  const code = emu.emulator.issueCode(grant);
  const app = emu.emulator.app(grant.clientId)!;
  return post(emu, { client_id: app.clientId, client_secret: app.clientSecret, code });
}

async function post(emu: RunningEmulator, form: Record<string, string>): Promise<Record<string, Json>> {
  const res = await fetch(`${emu.url}/api/oauth.v2.access`, { method: 'POST', body: new URLSearchParams(form) });
  assert.equal(res.status, 200, 'Slack answers Web API errors with HTTP 200 too');
  return (await res.json()) as Record<string, Json>;
}

function grant(teamId: string, extra: Partial<CodeGrant> = {}): Omit<CodeGrant, 'expiresAt'> {
  const channel = teamId === 'T0INITECH1' ? 'C0INITECH2' : 'C0ACME0002';
  const userId = teamId === 'T0INITECH1' ? 'W0INITECH1' : 'U0ACME0001';
  return {
    clientId: TEST_APP.clientId,
    redirectUri: undefined,
    teamId,
    channel: { id: channel },
    scopes: ['incoming-webhook'],
    userId,
    ...extra,
  };
}

/** Every field of an answer is one Slack's reference schema for oauth.v2.access lists, and the required ones are there. */
function assertInSchema(answer: Record<string, Json>): void {
  const properties = REFERENCE.output.properties as Record<
    string,
    { properties?: Record<string, Json>; anyOf?: Array<{ properties?: Record<string, Json> }> }
  >;
  for (const key of REFERENCE.output.required) assert.ok(key in answer, `required field ${key} is missing`);
  for (const [path] of shape(answer)) {
    const [top, sub] = path.split('.');
    if (top === 'ok') continue; // every Web API answer carries ok
    const spec = properties[top!];
    assert.ok(spec, `${top} is not a field of oauth.v2.access`);
    if (sub === undefined) continue;
    const nested = spec.properties ?? spec.anyOf?.find((a) => a.properties)?.properties ?? {};
    assert.ok(sub in nested, `${path} is not a field of oauth.v2.access`);
  }
}

test('oauth.v2.access answers have exactly the fields of Slack’s samples', async (t) => {
  const emu = await startEmulator(t, [TEST_APP, ROTATING_APP]);

  await t.test('a workspace: enterprise null, is_enterprise_install false, an incoming_webhook', async () => {
    const answer = await exchange(emu, grant('T0ACME0001'));
    assertInSchema(answer);
    assert.deepEqual(
      shapeLines(answer),
      composeShape([
        [SIWS, ['ok', 'app_id', 'authed_user', 'authed_user.id', 'enterprise', 'is_enterprise_install']],
        [SUCCESS, ['access_token', 'token_type', 'scope', 'bot_user_id', 'team', 'team.id', 'team.name']],
        [WEBHOOK_DOC, WEBHOOK_FIELDS],
      ]),
    );
    assert.equal(answer.enterprise, null);
    assert.equal(answer.is_enterprise_install, false);
    assert.equal(answer.token_type, 'bot');
  });

  await t.test('a workspace of a Grid org names the org', async () => {
    const answer = await exchange(emu, grant('T0INITECH1'));
    assertInSchema(answer);
    assert.deepEqual(
      shapeLines(answer),
      composeShape([
        [SUCCESS, ['ok', 'app_id', 'authed_user', 'authed_user.id', 'access_token', 'token_type', 'scope']],
        [SUCCESS, ['bot_user_id', 'team', 'team.id', 'team.name', 'enterprise', 'enterprise.id', 'enterprise.name']],
        [PY_ROTATION, ['is_enterprise_install']],
        [WEBHOOK_DOC, WEBHOOK_FIELDS],
      ]),
    );
    assert.deepEqual(answer.enterprise, { id: 'E0INITECH1', name: 'Initech' });
    assert.equal(answer.is_enterprise_install, false);
  });

  await t.test('an org-wide install: team null, is_enterprise_install true', async () => {
    const answer = await exchange(emu, grant('T0INITECH1', { orgWide: true }));
    assertInSchema(answer);
    // No Slack sample shows an org-wide install with an incoming webhook, though Slack supports them now and
    // its schema lists incoming_webhook for every install; the rest is the org-wide sample's fields.
    assert.deepEqual(
      shapeLines(answer),
      composeShape([
        [ORG_WIDE, ['ok', 'access_token', 'token_type', 'scope', 'bot_user_id', 'app_id', 'team', 'enterprise']],
        [ORG_WIDE, ['enterprise.id', 'enterprise.name', 'is_enterprise_install', 'authed_user', 'authed_user.id']],
        [WEBHOOK_DOC, WEBHOOK_FIELDS],
      ]),
    );
    assert.equal(answer.team, null);
    assert.equal(answer.is_enterprise_install, true);
  });

  await t.test('user_scope adds the user token to authed_user', async () => {
    const answer = await exchange(emu, grant('T0ACME0001', { userScopes: ['search:read'] }));
    assertInSchema(answer);
    assert.deepEqual(
      shapeLines(answer.authed_user),
      composeShape([[SUCCESS.authed_user as Record<string, Json>, ['id', 'scope', 'access_token', 'token_type']]]),
    );
    assert.equal((answer.authed_user as Record<string, Json>).token_type, 'user');
  });

  await t.test(
    'token rotation adds expires_in and refresh_token; the refresh grant answers as Slack’s mock',
    async () => {
      const answer = await exchange(emu, grant('T0INITECH1', { clientId: ROTATING_APP.clientId }));
      assertInSchema(answer);
      assert.deepEqual(
        shapeLines(answer),
        composeShape([
          [ROTATING, ['ok', 'app_id', 'authed_user', 'authed_user.id', 'access_token', 'token_type', 'scope']],
          [ROTATING, ['bot_user_id', 'team', 'team.id', 'team.name', 'enterprise', 'enterprise.id', 'enterprise.name']],
          [ROTATING, ['expires_in', 'refresh_token']],
          [PY_ROTATION, ['is_enterprise_install']],
          [WEBHOOK_DOC, WEBHOOK_FIELDS],
        ]),
      );
      assert.equal(answer.expires_in, 43200, 'Slack: "With token rotation, it expires every 12 hours."');
      assert.match(str(answer.access_token), /^xoxe\.xoxb-/);

      const refreshed = await post(emu, {
        client_id: ROTATING_APP.clientId,
        client_secret: ROTATING_APP.clientSecret,
        grant_type: 'refresh_token',
        refresh_token: str(answer.refresh_token),
      });
      assert.deepEqual(shapeLines(refreshed), shapeLines(BOT_REFRESH));
      assert.notEqual(refreshed.access_token, answer.access_token);
      assert.notEqual(refreshed.refresh_token, answer.refresh_token);
    },
  );

  await t.test('an error is { ok: false, error } as in Slack’s reference', async () => {
    const answer = await post(emu, { client_id: 'nope', client_secret: 'nope', code: 'nope' });
    assert.deepEqual(answer, REFERENCE.examples.error!.example);
    const reused = await post(emu, {
      client_id: ROTATING_APP.clientId,
      client_secret: ROTATING_APP.clientSecret,
      grant_type: 'refresh_token',
      refresh_token: 'xoxe-1-not-issued',
    });
    assert.deepEqual(reused, { ok: false, error: 'invalid_refresh_token' });
    assert.ok(
      'invalid_refresh_token' in (fixture('api/oauth.v2.access.reference.json').errors as Record<string, Json>),
    );
  });
});

test('auth.test answers with the fields of Slack’s bot-token sample, and only fields its schema lists', async (t) => {
  const emu = await startEmulator(t);
  const answer = await exchange(emu, grant('T0ACME0001'));
  const res = await fetch(`${emu.url}/api/auth.test`, {
    method: 'POST',
    headers: { authorization: `Bearer ${str(answer.access_token)}` },
  });
  const body = (await res.json()) as Record<string, Json>;
  const reference = fixture('api/auth.test.reference.json') as {
    output: { properties: Record<string, Json> };
    examples: Record<string, { example: Record<string, Json> }>;
  };
  for (const key of Object.keys(reference.examples.success_with_bot_token!.example))
    assert.ok(key in body, `auth.test leaves out ${key}`);
  for (const key of Object.keys(body))
    assert.ok(key === 'ok' || key in reference.output.properties, `auth.test adds ${key}`);
});

async function receiver(t: TestContext): Promise<{ url: string; bodies: Array<Record<string, Json>> }> {
  const server = Fastify();
  const bodies: Array<Record<string, Json>> = [];
  server.post('/events', async (request) => {
    bodies.push(request.body as Record<string, Json>);
    return '';
  });
  const address = await server.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => server.close());
  return { url: `${address}/events`, bodies };
}

test('uninstall envelopes have exactly the fields of Slack’s samples, for a workspace, a Grid workspace and an org', async (t) => {
  const emu = await startEmulator(t);
  const events = await receiver(t);
  emu.emulator.setEventsUrl(TEST_APP.appId, events.url);
  const cases = [
    { owner: 'T0ACME0001', grant: grant('T0ACME0001'), samples: ['app_uninstalled.json', 'tokens_revoked.json'] },
    {
      owner: 'T0INITECH1',
      grant: grant('T0INITECH1'),
      samples: ['app_uninstalled.grid-workspace.json', 'tokens_revoked.grid-workspace.user.json'],
    },
    {
      owner: 'E0INITECH1',
      grant: grant('T0INITECH1', { orgWide: true }),
      samples: ['app_uninstalled.org.json', 'tokens_revoked.org.json'],
    },
  ];
  for (const c of cases) {
    await exchange(emu, c.grant);
    events.bodies.length = 0;
    const deliveries = await emu.emulator.uninstall(c.owner, TEST_APP.appId, { order: 'uninstalled-first' });
    assert.deepEqual(
      deliveries.map((d) => d.status),
      [200, 200],
    );
    const [uninstalled, revoked] = events.bodies;
    const [uninstalledSample, revokedSample] = c.samples.map((name) => fixture(`events/${name}`));
    assert.deepEqual(shapeLines(uninstalled), shapeLines(uninstalledSample), `${c.owner}: app_uninstalled`);
    assert.deepEqual(shapeLines(revoked), shapeLines(revokedSample), `${c.owner}: tokens_revoked`);
    assert.equal(uninstalled!.is_enterprise_install, undefined, 'Slack sends no top-level is_enterprise_install');
  }
  // The bot-token variant of the Grid sample has the same fields as the user-token one the emulator is held to.
  assert.deepEqual(
    shapeLines(fixture('events/tokens_revoked.grid-workspace.bot.json')),
    shapeLines(fixture('events/tokens_revoked.grid-workspace.user.json')),
  );
});

test('url_verification has exactly the fields of Slack’s sample', async (t) => {
  const emu = await startEmulator(t);
  assert.deepEqual(
    shapeLines(emu.emulator.urlVerification(TEST_APP.appId)),
    shapeLines(fixture('events/url_verification.json')),
  );
});

test('webhook answers: 200 plain-text ok, and only error bodies Slack documents, with Slack’s statuses', async (t) => {
  const answers = fixture('webhooks/answers.json') as {
    success: { status: number; body: string };
    documented_errors: string[];
    errors_in_slack_sdk_tests: Record<string, number>;
    statuses: Record<string, number>;
  };
  const known = new Set([...answers.documented_errors, ...Object.keys(answers.errors_in_slack_sdk_tests)]);
  const statuses: Record<string, number> = { ...answers.statuses, ...answers.errors_in_slack_sdk_tests };
  const emu = await startEmulator(t);
  const send = async (url: string, body: string) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
  };
  const hookUrl = async () => {
    const answer = await exchange(emu, grant('T0ACME0001'));
    return str((answer.incoming_webhook as Record<string, Json>).url);
  };

  const url = await hookUrl();
  const ok = await send(url, JSON.stringify({ text: 'hello' }));
  assert.deepEqual([ok.status, ok.body], [answers.success.status, answers.success.body]);
  assert.match(ok.type ?? '', /^text\/plain/);

  const seen: Array<{ status: number; body: string }> = [];
  seen.push(await send(url.replace('/T0ACME0001/', '/T0NOSUCH01/'), '{"text":"x"}'));
  seen.push(await send(url.replace(/\/B[A-Z0-9]+\//, '/B0NOSUCH01/'), '{"text":"x"}'));
  seen.push(await send(url, '{not json'));
  seen.push(await send(url, '{}'));
  seen.push(await send(url, JSON.stringify({ blocks: 'no' })));
  seen.push(await send(url, JSON.stringify({ attachments: Array.from({ length: 101 }, () => ({ text: 'a' })) })));
  for (const reason of Object.keys(WEBHOOK_ERRORS) as Array<keyof typeof WEBHOOK_ERRORS>) {
    const dead = await hookUrl();
    emu.emulator.killWebhook(dead, reason);
    seen.push(await send(dead, '{"text":"x"}'));
  }
  assert.deepEqual([...new Set(seen.map((s) => s.body))].sort(), [
    'action_prohibited',
    'channel_is_archived',
    'channel_not_found',
    'invalid_blocks',
    'invalid_payload',
    'invalid_token',
    'no_service',
    'no_team',
    'no_text',
    'too_many_attachments',
  ]);
  for (const answer of seen) {
    assert.ok(known.has(answer.body), `${answer.body} is not an error Slack documents`);
    if (answer.body in statuses) assert.equal(answer.status, statuses[answer.body], answer.body);
    else assert.ok(answer.status >= 400 && answer.status < 500, `${answer.body}: ${answer.status}`);
  }
});
