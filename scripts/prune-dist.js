#!/usr/bin/env node
// Removes compiled files whose TypeScript source is gone (a renamed or split test would otherwise keep running
// from dist/ in `node --test dist/test/`). tsc never deletes outputs, and its incremental build info stays valid.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

// The project root, or another tree laid out the same way (the test passes one).
const root = process.argv[2] ?? new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const OUTPUT = /\.(js|js\.map|d\.ts|d\.ts\.map)$/;

function prune(dir) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) prune(path);
    else if (OUTPUT.test(entry.name)) {
      const source = join(root, relative(dist, path)).replace(OUTPUT, '.ts');
      if (!existsSync(source)) rmSync(path);
    }
  }
}

for (const top of ['src', 'test', 'bench']) prune(join(dist, top));
