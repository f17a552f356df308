// The build's change detection (scripts/build-stamp.js): what decides whether npm start and npm run cli rebuild.
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { tempDir } from './helpers.js';

interface BuildStamp {
  inputsStamp: (root: string, inputs: string[], include: (path: string) => boolean) => string;
}
// A plain JavaScript module (it runs before anything is compiled), so it is loaded by URL.
const { inputsStamp } = (await import(
  pathToFileURL(join(process.cwd(), 'scripts', 'build-stamp.js')).href
)) as BuildStamp;

const isTs = (path: string) => path.endsWith('.ts');

test('the inputs stamp changes with an edit, an added, deleted or renamed file, and only with those', (t) => {
  const root = tempDir(t);
  mkdirSync(join(root, 'src', 'deep'), { recursive: true });
  writeFileSync(join(root, 'src', 'a.ts'), 'export const a = 1;\n');
  writeFileSync(join(root, 'src', 'deep', 'b.ts'), 'export const b = 2;\n');
  writeFileSync(join(root, 'src', 'notes.md'), 'not an input');
  const stamp = () => inputsStamp(root, ['src', 'missing-folder'], isTs);

  const first = stamp();
  assert.equal(first.split('\n').length, 2, 'two inputs, the .md left out');
  assert.equal(stamp(), first, 'nothing changed: same stamp');
  writeFileSync(join(root, 'src', 'notes.md'), 'edited, but not an input');
  assert.equal(stamp(), first, 'a file the filter leaves out changes nothing');

  const edits: Array<[string, () => void]> = [
    ['same size, new time', () => utimesSync(join(root, 'src', 'a.ts'), new Date(), new Date(Date.now() + 5000))],
    ['new content', () => writeFileSync(join(root, 'src', 'deep', 'b.ts'), 'export const b = 22;\n')],
    ['added', () => writeFileSync(join(root, 'src', 'c.ts'), '')],
    ['renamed', () => renameSync(join(root, 'src', 'c.ts'), join(root, 'src', 'd.ts'))],
    ['deleted', () => rmSync(join(root, 'src', 'd.ts'))],
  ];
  let previous = stamp();
  for (const [what, edit] of edits) {
    edit();
    const next = stamp();
    assert.notEqual(next, previous, what);
    previous = next;
  }
});
