// How the emulator reads request bodies (Fastify's content-type parsers and @fastify/multipart, src/emulator/body.ts):
// bodies it cannot read, or that go over its limits, get Slack's answers or a 4xx, never a 500.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { credentials, type Json, postJson, startEmulator } from './support/emulator.js';

function multipart(boundary: string, fields: Array<[string, string]>): string {
  const parts = fields.map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  return `${parts.join('')}--${boundary}--\r\n`;
}

describe('oauth.v2.access bodies', () => {
  test('multipart bodies that are malformed or over a limit answer invalid_form_data', async (t) => {
    const emu = await startEmulator(t);
    const url = `${emu.base}/api/oauth.v2.access`;
    const type = 'multipart/form-data; boundary=b0undary';
    const answer = async (body: string, contentType = type) =>
      (await (await postJson(url, body, contentType)).json()) as Json;

    const fine = Object.entries({ ...credentials(), code: 'nope' });
    assert.equal((await answer(multipart('b0undary', fine))).error, 'invalid_code', 'a well-formed body is read');
    const unclosed = multipart('b0undary', fine).replace(/--b0undary--\r\n$/, '');
    const tooMany = multipart(
      'b0undary',
      Array.from({ length: 150 }, (_, i): [string, string] => [`f${i}`, 'x']),
    );
    const longValue = multipart('b0undary', [['state', 'v'.repeat(129 * 1024)], ...fine]);
    for (const [what, body] of [
      ['no closing boundary', unclosed],
      ['150 parts', tooMany],
      ['a field of 129 KiB', longValue],
    ]) {
      assert.deepEqual(await answer(body!), { ok: false, error: 'invalid_form_data' }, what);
    }
    assert.deepEqual(await answer(multipart('b0undary', fine), 'multipart/form-data'), {
      ok: false,
      error: 'invalid_form_data',
    });
  });

  test('JSON with __proto__, JSON that does not parse and forms that are not UTF-8 get Slack errors', async (t) => {
    const emu = await startEmulator(t);
    const url = `${emu.base}/api/oauth.v2.access`;
    const answer = async (body: string | Blob, type: string) =>
      (await (await fetch(url, { method: 'POST', headers: { 'content-type': type }, body })).json()) as Json;
    assert.deepEqual(await answer('{"__proto__":{"code":"x"}}', 'application/json'), {
      ok: false,
      error: 'invalid_json',
    });
    assert.deepEqual(await answer('{"code":', 'application/json'), { ok: false, error: 'invalid_json' });
    assert.deepEqual(await answer('[1]', 'application/json'), { ok: false, error: 'json_not_object' });
    assert.deepEqual(
      await answer(
        new Blob([new Uint8Array([0x63, 0x6f, 0x64, 0x65, 0x3d, 0xff])]),
        'application/x-www-form-urlencoded',
      ),
      {
        ok: false,
        error: 'invalid_form_data',
      },
    );
    assert.deepEqual(await answer('code=x', 'text/plain'), { ok: false, error: 'invalid_post_type' });
  });

  test('a body over 128 KiB gets 413 in plain text, whatever its type', async (t) => {
    const emu = await startEmulator(t);
    const big = 'x'.repeat(129 * 1024);
    for (const type of ['application/json', 'application/x-www-form-urlencoded', 'text/plain']) {
      const res = await postJson(`${emu.base}/api/oauth.v2.access`, big, type);
      assert.equal(res.status, 413, type);
      assert.equal(await res.text(), 'Payload Too Large');
    }
  });
});
