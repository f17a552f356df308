import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { keyFilePath, secretBoxFor } from '../src/crypto/keys.js';
import { keyIdOf } from '../src/crypto/secret-box.js';
import { tempDir } from './helpers.js';

const noKey = { key: undefined, oldKeys: [] };

test('ENCRYPTION_KEY, when set, is the key: no key file is read or written', (t) => {
  const dir = tempDir(t);
  const key = Buffer.alloc(32, 7);
  const databasePath = join(dir, 'db.sqlite');
  writeFileSync(keyFilePath(databasePath), `${Buffer.alloc(32, 9).toString('base64')}\n`);
  const box = secretBoxFor({ databasePath, encryption: { key, oldKeys: [Buffer.alloc(32, 8)] } });
  assert.equal(box.keyId, keyIdOf(key));
  assert.equal(box.hasKey(keyIdOf(Buffer.alloc(32, 8))), true, 'old keys are kept');
  assert.equal(box.hasKey(keyIdOf(Buffer.alloc(32, 9))), false, 'the file is not read');
});

test('an in-memory database gets a throwaway key and leaves no key file behind', (t) => {
  const dir = tempDir(t);
  const cwd = process.cwd();
  process.chdir(dir); // where a key file for ":memory:" would land
  t.after(() => process.chdir(cwd));
  const old = Buffer.alloc(32, 3);
  const a = secretBoxFor({ databasePath: ':memory:', encryption: { key: undefined, oldKeys: [old] } });
  const b = secretBoxFor({ databasePath: ':memory:', encryption: noKey });
  assert.notEqual(a.keyId, b.keyId);
  assert.equal(a.hasKey(keyIdOf(old)), true);
  assert.deepEqual(readdirSync(dir), []);
});

test('a key file that exists but holds no key stops start-up with a message naming the file', (t) => {
  const dir = tempDir(t);
  const databasePath = join(dir, 'db.sqlite');
  const keyFile = keyFilePath(databasePath);
  assert.equal(keyFile, join(dir, 'encryption.key'));
  writeFileSync(keyFile, 'not a key\n');
  assert.throws(() => secretBoxFor({ databasePath, encryption: noKey }), {
    name: 'KeyError',
    message: new RegExp(`^${keyFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} must be 32 bytes`),
  });
  assert.equal(readFileSync(keyFile, 'utf8'), 'not a key\n', 'the file is left as it was');
  mkdirSync(join(dir, 'unreadable'));
  const directory = join(dir, 'unreadable', 'db.sqlite');
  mkdirSync(keyFilePath(directory)); // reading a folder fails with EISDIR, not "no such file"
  assert.throws(() => secretBoxFor({ databasePath: directory, encryption: noKey }), { code: 'EISDIR' });
});

test('a new key file is never written through a link planted where it should be', (t) => {
  const dir = tempDir(t);
  const databasePath = join(dir, 'db.sqlite');
  const target = join(dir, 'elsewhere');
  symlinkSync(target, keyFilePath(databasePath)); // dangling: reading it says "no such file"
  assert.throws(() => secretBoxFor({ databasePath, encryption: noKey }), { code: 'EEXIST' });
  assert.equal(existsSync(target), false);
});
