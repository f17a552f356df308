// What the build compares to decide whether to run tsc or esbuild: a stamp of the inputs' names, sizes and
// modification times. Any edit, added, deleted or renamed file changes it; reading it costs a few milliseconds.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Files below `dir` (recursively), or `dir` itself when it is a file; none when it does not exist. */
function files(dir) {
  if (!existsSync(dir)) return [];
  if (!statSync(dir).isDirectory()) return [dir];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

/**
 * One line per input file under `root` (paths relative to it) that `include` keeps: path, size, mtime.
 * @param {string} root
 * @param {string[]} inputs files or folders relative to root
 * @param {(path: string) => boolean} include
 * @returns {string}
 */
export function inputsStamp(root, inputs, include) {
  return inputs
    .flatMap((input) => files(join(root, input)))
    .filter(include)
    .map((path) => {
      const stat = statSync(path);
      return `${relative(root, path)}\t${stat.size}\t${stat.mtimeMs}`;
    })
    .sort()
    .join('\n');
}

/** @param {string} file @returns {string | undefined} */
export function readStamp(file) {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** @param {string} file @param {string} stamp */
export function writeStamp(file, stamp) {
  writeFileSync(file, stamp);
}
