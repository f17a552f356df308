// How the emulator reads request bodies (Fastify's content-type parsers and @fastify/multipart, src/emulator/body.ts):
// bodies it cannot read, or that go over its limits, get Slack's answers or a 4xx, never a 500.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fixture } from './slack-fixtures.js';
import { credentials, issueCode, type Json, postForm, postJson, REDIRECT, startEmulator } from './support/emulator.js';

/** Slack's generic errors for oauth.v2.access, as api.slack.com lists them (test/fixtures/slack/SOURCES.md). */
const SLACK_ERRORS = fixture('api/oauth.v2.access.api-slack-com.json').errors as Record<string, string>;

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

  test('a multipart name or value that is not UTF-8 answers invalid_form_data; UTF-8 is read exactly', async (t) => {
    const emu = await startEmulator(t);
    const url = `${emu.base}/api/oauth.v2.access`;
    const type = 'multipart/form-data; boundary=b0undary';
    const answer = async (body: Buffer) =>
      (await (await postJson(url, body as unknown as string, type)).json()) as Json;
    const bytes = (fields: Array<[string, string | Buffer]>) =>
      Buffer.concat([
        ...fields.map(([name, value]) =>
          Buffer.concat([
            // Headers byte for byte as written (Latin-1), so a test can put any byte in a name.
            Buffer.from(`--b0undary\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`, 'latin1'),
            Buffer.from(value),
            Buffer.from('\r\n'),
          ]),
        ),
        Buffer.from('--b0undary--\r\n'),
      ]);
    const fine = Object.entries({ ...credentials(), code: 'nope' });

    // A redirect_uri with non-ASCII characters, U+FFFD among them, must come back exactly for the exchange to work.
    const redirectUri = `${REDIRECT}&café=✓\uFFFD`;
    const code = await issueCode(emu, { redirectUri });
    const ok = await answer(bytes([...Object.entries(credentials()), ['code', code], ['redirect_uri', redirectUri]]));
    assert.equal(ok.ok, true, JSON.stringify(ok));

    const notUtf8 = Buffer.from([0x63, 0x61, 0x66, 0xe9]); // "café" in Latin-1
    for (const [what, fields] of [
      ['a value', [...fine, ['state', notUtf8]]],
      ['a truncated sequence', [['code', Buffer.from([0xe2, 0x9c])], ...fine]],
      ['an overlong encoding', [['code', Buffer.from([0xc0, 0xaf])], ...fine]],
      ['a name', [...fine, ['n\xff', 'x']]],
    ] as Array<[string, Array<[string, string | Buffer]>]>) {
      assert.deepEqual(await answer(bytes(fields)), { ok: false, error: 'invalid_form_data' }, what);
    }
    assert.ok('invalid_form_data' in SLACK_ERRORS);
  });

  test('an argument name over 100 bytes answers invalid_arg_name, in every encoding', async (t) => {
    const emu = await startEmulator(t);
    const url = `${emu.base}/api/oauth.v2.access`;
    const fields = (name: string) => ({ ...credentials(), code: 'nope', [name]: 'x' });
    const long = 'n'.repeat(101);
    const longest = 'é'.repeat(50); // 100 bytes
    const multipart = (name: string) =>
      Object.entries(fields(name))
        .map(([k, v]) => `--b0undary\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
        .join('')
        .concat('--b0undary--\r\n');
    const send = {
      multipart: (name: string) => postJson(url, multipart(name), 'multipart/form-data; boundary=b0undary'),
      form: (name: string) => postForm(url, fields(name)),
      json: (name: string) => postJson(url, JSON.stringify(fields(name))),
      query: (name: string) => fetch(`${url}?${new URLSearchParams(fields(name)).toString()}`),
    };
    for (const [how, post] of Object.entries(send)) {
      assert.deepEqual(await (await post(long)).json(), { ok: false, error: 'invalid_arg_name' }, how);
      assert.deepEqual(await (await post(`${longest}é`)).json(), { ok: false, error: 'invalid_arg_name' }, how);
      assert.deepEqual(await (await post(longest)).json(), { ok: false, error: 'invalid_code' }, `${how}: 100 bytes`);
    }
    assert.match(SLACK_ERRORS.invalid_arg_name!, /very long names/);
  });

  test('file parts are skipped unread, ten at the most; a part typed application/json is text', async (t) => {
    const emu = await startEmulator(t);
    const url = `${emu.base}/api/oauth.v2.access`;
    const part = (name: string, value: string, headers = '') =>
      `--b0undary\r\nContent-Disposition: form-data; name="${name}"${headers}\r\n\r\n${value}\r\n`;
    const answer = async (files: number, code: string) => {
      const body = [
        // File parts named "code" come first: were one read, the first value would win and the code be wrong.
        ...Array.from({ length: files }, (_, i) => part('code', '{"x":1}', `; filename="f${i}.txt"`)),
        // A code is not JSON: were this part parsed as JSON it would be refused.
        part('code', code, '\r\nContent-Type: application/json'),
        ...Object.entries({ ...credentials(), redirect_uri: REDIRECT }).map(([k, v]) => part(k, v)),
        '--b0undary--\r\n',
      ].join('');
      return (await (await postJson(url, body, 'multipart/form-data; boundary=b0undary')).json()) as Json;
    };
    const ok = await answer(10, await issueCode(emu));
    assert.equal(ok.ok, true, JSON.stringify(ok));
    assert.deepEqual(await answer(11, await issueCode(emu)), { ok: false, error: 'invalid_form_data' });
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
