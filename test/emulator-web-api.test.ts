// The emulator's Web API methods other than oauth.v2.access.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type Json, install, postJson, exchangeLike } from './support/emulator.js';

describe('auth.test and other Web API methods', () => {
  test('auth.test answers for a bot token from the Bearer header or the token field', async (t) => {
    const emu = await startEmulator(t);
    const installed = await install(emu, { team: 'T0GLOBEX01', channel: 'C0GLOBEX01' });
    const res = await fetch(`${emu.base}/api/auth.test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${installed.access_token}` },
    });
    const body = (await res.json()) as Json;
    assert.equal(body.ok, true);
    assert.equal(body.team, 'Globex');
    assert.equal(body.team_id, 'T0GLOBEX01');
    assert.equal(body.user_id, installed.bot_user_id);
    assert.match(body.bot_id, /^B[A-Z0-9]+$/);
    assert.equal(body.url, `${emu.base}/`);
    assert.equal(res.headers.get('x-oauth-scopes'), 'incoming-webhook');
    const viaField = await exchangeLike(emu, 'auth.test', { token: installed.access_token });
    assert.equal(viaField.bot_id, body.bot_id);
    assert.deepEqual(await exchangeLike(emu, 'auth.test', {}), { ok: false, error: 'not_authed' });
    assert.deepEqual(await exchangeLike(emu, 'auth.test', { token: 'xoxb-1-2-nope' }), {
      ok: false,
      error: 'invalid_auth',
    });
  });

  test('unknown methods, wrong HTTP methods and unreadable bodies get Slack-style answers, never a 500', async (t) => {
    const emu = await startEmulator(t);
    assert.deepEqual(await exchangeLike(emu, 'chat.postMessage', {}), {
      ok: false,
      error: 'unknown_method',
      req_method: 'chat.postMessage',
    });
    const put = await fetch(`${emu.base}/api/oauth.v2.access`, { method: 'PUT' });
    assert.equal(put.status, 405);
    assert.deepEqual(await (await postJson(`${emu.base}/api/oauth.v2.access`, '{"code":')).json(), {
      ok: false,
      error: 'invalid_json',
    });
    assert.deepEqual(await (await postJson(`${emu.base}/api/oauth.v2.access`, '[]')).json(), {
      ok: false,
      error: 'json_not_object',
    });
    assert.deepEqual(await (await postJson(`${emu.base}/api/oauth.v2.access`, 'x', 'text/csv')).json(), {
      ok: false,
      error: 'invalid_post_type',
    });
    const malformedType = await postJson(`${emu.base}/api/oauth.v2.access`, 'x', 'nonsense/');
    assert.equal(malformedType.status, 415);
    assert.equal(malformedType.headers.get('content-type'), 'text/plain; charset=utf-8');
    const huge = await postJson(`${emu.base}/api/oauth.v2.access`, JSON.stringify({ code: 'x'.repeat(300_000) }));
    assert.equal(huge.status, 413);
    assert.ok(!(await huge.text()).includes(' at '), 'no stack trace');
    const missing = await fetch(`${emu.base}/no/such/page`);
    assert.equal(missing.status, 404);
  });
});
