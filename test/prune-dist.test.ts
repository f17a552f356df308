import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers.js';

const script = fileURLToPath(new URL('../../scripts/prune-dist.js', import.meta.url));

test('the build removes compiled files whose source is gone, and keeps the others', (t) => {
  const root = tempDir(t);
  for (const dir of ['test', 'dist/test/support', 'dist/src']) mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, 'test/kept.test.ts'), '');
  const outputs = ['kept.test.js', 'kept.test.js.map', 'split.test.js', 'split.test.js.map', 'support/gone.js'];
  for (const file of outputs) writeFileSync(join(root, 'dist/test', file), '');
  writeFileSync(join(root, 'dist/test/notes.txt'), '');

  execFileSync(process.execPath, [script, root]);

  const left = (file: string) => existsSync(join(root, 'dist/test', file));
  assert.deepEqual(outputs.map(left), [true, true, false, false, false]);
  assert.ok(left('notes.txt'), 'files tsc does not write are left alone');
});
