import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { KeyError, keyIdOf, parseKey, SecretBox } from '../src/crypto/secret-box.js';

const KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i)); // 00 01 02 … 1f
const AAD = 'installations.webhook_url';

test('a key is read from 64 hex digits or from base64 (standard or URL-safe, padded or not), trimmed', () => {
  const hex = KEY.toString('hex');
  const b64 = KEY.toString('base64');
  for (const text of [hex, hex.toUpperCase(), b64, b64.replace(/=$/, ''), KEY.toString('base64url'), ` ${b64}\n`]) {
    assert.deepEqual(parseKey('ENCRYPTION_KEY', text), KEY, JSON.stringify(text));
  }
  // base64 of bytes that need `+` and `/` (standard) or `-` and `_` (URL-safe).
  const high = Buffer.alloc(32, 0xfb);
  assert.deepEqual(parseKey('K', high.toString('base64')), high);
  assert.deepEqual(parseKey('K', high.toString('base64url')), high);
});

test('a key with a stray character, cut short or too long is refused with a message naming the variable', () => {
  const hex = KEY.toString('hex');
  const b64 = KEY.toString('base64');
  for (const text of [
    '',
    hex.slice(1), // 63 digits
    `${hex}0`,
    `zz${hex}`, // a hex decoder reads nothing past the z…
    `${hex}zz`, // …or stops there with 32 good bytes
    `0x${hex}`,
    `${hex.slice(0, 32)} ${hex.slice(32)}`,
    b64.slice(1),
    `!!${b64}`, // the base64 decoder skips what it cannot read
    `${b64}xyz`,
    `${b64.slice(0, 20)} ${b64.slice(20)}`,
    `${b64}=`,
    Buffer.alloc(31).toString('base64'),
    Buffer.alloc(33).toString('base64'),
    'c2hvcnQ=',
  ]) {
    assert.throws(
      () => parseKey('ENCRYPTION_KEY', text),
      { name: 'KeyError', message: /^ENCRYPTION_KEY must be 32 bytes written as base64 or 64 hex digits/ },
      JSON.stringify(text),
    );
  }
});

test('key ids and derived keys stay the same from one version to the next (known answers)', () => {
  // Computed apart from this code (Python hashlib/hmac, RFC 5869 HKDF): a database written by an earlier version
  // names its keys by these ids, and OAuth states signed before an upgrade must still verify after it.
  assert.equal(keyIdOf(KEY), '2a887327f93d3078');
  const box = new SecretBox(KEY);
  assert.equal(box.keyId, '2a887327f93d3078');
  assert.equal(
    box.deriveKey('oauth state').toString('hex'),
    'b73fa8c3b21d0bfe3c100bd18b66527b26c6407dcc23ee4e95f059ced65699f5',
  );
  assert.equal(box.deriveKey('x').toString('hex'), '7f6adbf9b3d215ab817cae38116345cae4fb4d1e6dff543da82c9d2ffec281d6');
});

test('values sealed under the current key open with it; a box knows its old keys and no others', () => {
  const old = randomBytes(32);
  const box = new SecretBox(KEY, [old]);
  const text = 'https://hooks.slack.com/services/T1/B1/xyz ünïcødé ✓';
  assert.equal(box.decrypt(box.encrypt(text, AAD), box.keyId, AAD), text);
  assert.equal(box.decrypt(new SecretBox(old).encrypt(text, AAD), keyIdOf(old), AAD), text);
  assert.equal(box.hasKey(keyIdOf(KEY)), true);
  assert.equal(box.hasKey(keyIdOf(old)), true);
  assert.equal(box.hasKey(keyIdOf(randomBytes(32))), false);
  assert.equal(new SecretBox(KEY).hasKey(keyIdOf(old)), false, 'no old keys unless given');
  assert.notEqual(SecretBox.random().keyId, SecretBox.random().keyId);
});

test('a value under a key the box does not have says which key id to add back', () => {
  const other = SecretBox.random();
  const sealed = other.encrypt('x', AAD);
  assert.throws(() => new SecretBox(KEY).decrypt(sealed, other.keyId, AAD), {
    name: 'KeyError',
    message: `no configured key has id ${other.keyId}: add the old key to ENCRYPTION_KEYS_OLD`,
  });
});

test('anything but [v1.]nonce.ciphertext.tag is "not a sealed value", not a crypto library error', () => {
  const box = new SecretBox(KEY);
  const sealed = box.encrypt('secret', AAD);
  const [version, nonce, body, tag] = sealed.split('.') as [string, string, string, string];
  assert.equal(version, 'v1');
  for (const value of [
    '',
    'abc',
    nonce,
    `${nonce}.${body}`,
    `${version}.${nonce}.${body}`,
    `${nonce}.${body}.${tag}.`,
    `${sealed}.${tag}`,
    `${body}.${nonce}.${tag}`,
    `${nonce}.${body}.${nonce}`,
    `${version}.${body}.${nonce}.${tag}`,
  ]) {
    assert.throws(() => box.decrypt(value, box.keyId, AAD), { name: 'KeyError', message: 'not a sealed value' }, value);
  }
  assert.equal(box.decrypt(sealed, box.keyId, AAD), 'secret');
  assert.equal(box.decrypt(`${nonce}.${body}.${tag}`, box.keyId, AAD), 'secret', 'sealed before versions existed');
});

test('KeyError is an Error of its own kind', () => {
  const err = new KeyError('m');
  assert.ok(err instanceof Error);
  assert.equal(err.name, 'KeyError');
  assert.match(String(err), /^KeyError: m$/);
});

test('a value of a later format is refused by its name; a prefix that only looks like one is not a sealed value', () => {
  const box = new SecretBox(KEY);
  const rest = box.encrypt('secret', AAD).slice('v1.'.length);
  for (const version of ['v2', 'v12', 'v999']) {
    assert.throws(() => box.decrypt(`${version}.${rest}`, box.keyId, AAD), {
      name: 'KeyError',
      message: `sealed in format ${version}, which this version of the server does not know: upgrade it`,
    });
  }
  for (const version of ['xv2', 'v2x', 'v1000', 'v', 'V2']) {
    assert.throws(
      () => box.decrypt(`${version}.${rest}`, box.keyId, AAD),
      { name: 'KeyError', message: 'not a sealed value' },
      version,
    );
  }
});
