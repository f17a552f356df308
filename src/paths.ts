import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Compiled code runs from dist/src, so the project root (views/, migrations/) is two levels up.
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const viewsDir = resolve(projectRoot, 'views');
export const migrationsDir = resolve(projectRoot, 'migrations');
