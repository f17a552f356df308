import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../config.js';
import { makePrivate } from '../private-file.js';
import { parseKey, SecretBox } from './secret-box.js';

/** Where a key is kept when ENCRYPTION_KEY is not set (never in production): beside the database. */
export function keyFilePath(databasePath: string): string {
  return join(dirname(databasePath), 'encryption.key');
}

/** The key in the file, or a new random one written there once (readable by this user only). */
function loadOrCreateKeyFile(path: string): Buffer {
  try {
    const key = parseKey(path, readFileSync(path, 'utf8'));
    makePrivate(path); // a key file from an earlier version, or copied in by hand, may be readable by others
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}

/** The keys the store seals and opens secrets with, from the configuration or the key file. */
export function secretBoxFor(config: Pick<Config, 'databasePath' | 'encryption'>): SecretBox {
  const { key, oldKeys } = config.encryption;
  if (key !== undefined) return new SecretBox(key, oldKeys);
  if (config.databasePath === ':memory:') return new SecretBox(randomBytes(32), oldKeys);
  return new SecretBox(loadOrCreateKeyFile(keyFilePath(config.databasePath)), oldKeys);
}
