import assert from 'node:assert/strict';
import { test } from 'node:test';
import cookie from '@fastify/cookie';
import Fastify from 'fastify';
import {
  BadInput,
  cookieValue,
  isRecord,
  isSlackCode,
  originForm,
  sameSecret,
  stringFields,
  text,
} from '../src/input.js';

test('query and form fields: the named ones, each given once as text of at most the length allowed', () => {
  const names = ['code', 'state'] as const;
  assert.deepEqual(stringFields({ code: 'abc', state: 's', other: 'x' }, names, 5), { code: 'abc', state: 's' });
  assert.deepEqual(stringFields({ code: '12345' }, names, 5), { code: '12345' }, 'exactly the length allowed');
  assert.deepEqual(stringFields({ code: '' }, names, 5), { code: '' });
  assert.deepEqual(stringFields({}, names, 5), {});
  assert.deepEqual(Object.keys(stringFields({ state: 's' }, names, 5)), ['state'], 'absent fields stay absent');
  for (const source of [undefined, null, 'code=abc', 42]) assert.deepEqual(stringFields(source, names, 5), {});
});

test('a field given twice, as something other than text, or too long is a 400 that names it', () => {
  const names = ['code', 'state'] as const;
  for (const value of [['a', 'b'], 42, { a: 1 }, null, true]) {
    assert.throws(() => stringFields({ state: 'ok', code: value }, names, 5), {
      name: 'BadInput',
      statusCode: 400,
      message: 'code must be given once, as text',
    });
  }
  assert.throws(() => stringFields({ code: 'ok', state: '123456' }, names, 5), {
    name: 'BadInput',
    statusCode: 400,
    message: 'state is longer than 5 characters',
  });
  const err = new BadInput('x');
  assert.ok(err instanceof Error);
  assert.equal(String(err), 'BadInput: x');
});

test('records are plain objects: not null, not arrays, not text', () => {
  assert.equal(isRecord({}), true);
  assert.equal(isRecord({ ok: true }), true);
  for (const value of [null, undefined, [], [1], 'x', 1, true]) assert.equal(isRecord(value), false, String(value));
});

test('text from Slack’s answers: a non-empty string, or nothing', () => {
  assert.equal(text('T0ACME'), 'T0ACME');
  assert.equal(text(' '), ' ');
  for (const value of ['', undefined, null, 42, ['a'], { a: 'b' }]) assert.equal(text(value), undefined);
});

test('Slack error codes are short snake_case words; anything else is not shown as one', () => {
  for (const code of ['invalid_code', 'no_service', 'a', 'x1', `a${'b'.repeat(63)}`]) {
    assert.equal(isSlackCode(code), true, code);
  }
  for (const code of [
    '',
    '_leading',
    '1abc',
    'Invalid_code',
    'invalid-code',
    'invalid code',
    'Xinvalid',
    'invalid_code!',
    'invalid_codE',
    '<b>bad</b>',
    `a${'b'.repeat(64)}`,
    'ok\nforged log line',
  ]) {
    assert.equal(isSlackCode(code), false, JSON.stringify(code));
  }
});

test('secrets compare equal only when every byte is equal, and a different length is simply unequal', () => {
  assert.equal(sameSecret('s3cret-value', 's3cret-value'), true);
  assert.equal(sameSecret(Buffer.from('abc'), 'abc'), true);
  assert.equal(sameSecret('abc', Buffer.from('abc')), true);
  assert.equal(sameSecret('', ''), true);
  assert.equal(sameSecret('s3cret-value', 's3cret-valuE'), false);
  assert.equal(sameSecret('s3cret-value', 's3cret-valu'), false);
  assert.equal(sameSecret('s3cret-valu', 's3cret-value'), false);
  assert.equal(sameSecret('é', 'e'), false);
  assert.equal(sameSecret(Buffer.from([1, 2]), Buffer.from([1, 3])), false);
});

test('a cookie is read by name from the request’s Cookie header, when there is one', async (t) => {
  const app = Fastify();
  await app.register(cookie, { hook: false });
  app.get('/', async (request) => ({ value: cookieValue(request, 'flow') ?? null }));
  t.after(() => app.close());
  const read = async (header?: string) =>
    (await app.inject({ url: '/', headers: header === undefined ? {} : { cookie: header } })).json<{
      value: string | null;
    }>().value;
  assert.equal(await read(), null);
  assert.equal(await read('other=1'), null);
  assert.equal(await read('flow=abc'), 'abc');
  assert.equal(await read('a=1; flow=xyz; b=2'), 'xyz');
  assert.equal(await read('flow=a%20b'), 'a b');
});

test('a request target in absolute form is routed as the path it names; other targets are left as they are', () => {
  const cases: Array<[string, string]> = [
    ['/slack/install/x', '/slack/install/x'],
    ['/', '/'],
    ['http://h:1/p?q=1', '/p?q=1'],
    ['http://h', '/'],
    ['http://h/', '/'],
    ['http://h?q=1', '/?q=1'],
    ['https://user:pass@evil.example/slack/install/x', '/slack/install/x'],
    ['HTTP://H/P', '/P'],
    ['git+ssh://h/p', '/p'],
    ['a.b-c://h/p', '/p'],
    ['*', '*'],
    ['h/p', 'h/p'],
    ['http:/h/p', 'http:/h/p'],
    ['1http://h/p', '1http://h/p'],
    ['x http://h/p', 'x http://h/p'],
    ['//evil.example/p', '//evil.example/p'],
  ];
  for (const [target, path] of cases) assert.equal(originForm(target), path, target);
});
