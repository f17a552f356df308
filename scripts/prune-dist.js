#!/usr/bin/env node
// Removes compiled files whose TypeScript source is gone (a renamed or split test would otherwise keep running
// from dist/ by `npm test`). tsc never deletes outputs, and its incremental build info stays valid.
// scripts/build.js calls pruneDist() whenever it runs tsc; run alone, `node scripts/prune-dist.js [ROOT]`.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const OUTPUT = /\.(js|js\.map|d\.ts|d\.ts\.map)$/;

/** @param {string} root the project root, or another tree laid out the same way (the test passes one) */
export function pruneDist(root) {
  const dist = join(root, 'dist');
  const prune = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) prune(path);
      else if (OUTPUT.test(entry.name)) {
        const source = join(root, relative(dist, path)).replace(OUTPUT, '.ts');
        if (!existsSync(source)) rmSync(path);
      }
    }
  };
  for (const top of ['src', 'test', 'bench']) prune(join(dist, top));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href)
  pruneDist(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)));
