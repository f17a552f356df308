import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's root (views/, migrations/): the nearest folder above this code that holds package.json. The code
 * runs from dist/src/ (tsc's output, which the tests and the CLI import) and from dist/server.js (the bundle
 * `npm start` runs), one and two levels below the root.
 */
function findProjectRoot(): string {
  const here = fileURLToPath(import.meta.url);
  for (let dir = dirname(here); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json in any folder above ${here}`);
  }
}

export const projectRoot = findProjectRoot();
export const viewsDir = join(projectRoot, 'views');
export const migrationsDir = join(projectRoot, 'migrations');
