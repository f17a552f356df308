import { chmodSync, statSync } from 'node:fs';

/**
 * Makes a file readable and writable by its owner only, when it exists and is more open than that: database and
 * key files from an earlier version, or made under a loose umask, hold sealed secrets and their key.
 */
export function makePrivate(path: string): void {
  try {
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EPERM') throw err; // gone meanwhile, or not ours to change
  }
}
