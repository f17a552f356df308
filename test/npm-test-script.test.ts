// The `npm test` command itself: it must find every test file on each supported Node.js. Node 22 and 24 read a
// --test argument as a file or a glob, no longer as a folder to search (`node --test dist/test/` ran one failing
// "test" there), and Node 20 does not expand globs itself; so the script names files by patterns the shell expands.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };

/** Every test source under test/, as the path tsc compiles it to. */
function compiledTestFiles(dir = 'test'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return compiledTestFiles(path);
    return entry.name.endsWith('.test.ts') ? [join('dist', relative('.', path)).replace(/\.ts$/, '.js')] : [];
  });
}

test('npm test names test files, never a bare folder, so Node 22 and 24 run them too', () => {
  const args = pkg.scripts.test!.split(/\s+/).slice(1);
  const patterns = args.filter((a) => !a.startsWith('--'));
  assert.ok(patterns.length > 0);
  for (const pattern of patterns) assert.match(pattern, /\.test\.js$/, `${pattern} names test files`);
});

test("the shell's expansion of npm test's patterns is exactly the compiled test files", () => {
  const patterns = pkg.scripts
    .test!.split(/\s+/)
    .slice(1)
    .filter((a) => !a.startsWith('--'));
  // npm runs scripts with sh, which expands the patterns before node sees them.
  const expanded = execFileSync('sh', ['-c', `printf '%s\\n' ${patterns.join(' ')}`], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  assert.deepEqual(expanded.sort(), compiledTestFiles().sort());
});
