import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

// SECURITY.md's ASVS 5.0 mapping is kept current by whoever changes what it names: this test fails when a chapter
// goes missing or a row points at a file that no longer exists.

const security = readFileSync('SECURITY.md', 'utf8');
const mapping = security.slice(security.indexOf('## ASVS 5.0 mapping'));

test('SECURITY.md maps every ASVS 5.0 chapter, V1 to V17, with a status on each row', () => {
  assert.ok(security.includes('## ASVS 5.0 mapping'));
  for (let chapter = 1; chapter <= 17; chapter++)
    assert.match(mapping, new RegExp(`^### V${chapter} `, 'm'), `V${chapter}`);
  const rows = mapping.split('\n').filter((line) => /^\| (\d+\.\d+|RFC)/.test(line));
  assert.ok(rows.length > 60, `${rows.length} rows`);
  for (const row of rows) assert.match(row, /\| (met|partly|deploy|n\.a\.) \|/, row);
  // The OAuth chapter names what issue 15 was about.
  assert.match(mapping, /\| 10\.1\.2 \| partly \|.*SLACK_PKCE=true/);
  assert.match(mapping, /\| RFC 9700 §2\.5 \| met \|/);
});

test('every file the mapping points at exists', () => {
  const paths = new Set([...mapping.matchAll(/`((?:src|test|tools|\.ci|views)\/[\w./-]+)`/g)].map((m) => m[1]!));
  assert.ok(paths.size > 20, `${paths.size} paths`);
  for (const path of paths) assert.ok(existsSync(path.replace(/\*.*$/, '')), `${path} exists`);
});

test('the README’s security section links SECURITY.md and its mapping', () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Security'));
  assert.match(section.slice(0, 800), /\[SECURITY\.md\]\(SECURITY\.md\).*ASVS 5\.0 mapping/s);
});
