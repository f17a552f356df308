import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { tempDir } from './helpers.js';

// ASVS 15.1.1-15.1.2: an inventory of what ships (npm run sbom) and a configured patch policy (renovate.json).

interface Tree {
  version?: string;
  dependencies?: Record<string, Tree>;
}
const run = promisify(execFile);
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  name: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

test('npm run sbom writes a CycloneDX SBOM of exactly the production dependencies (npm ls --omit=dev), offline', async (t) => {
  const out = join(tempDir(t), 'sbom.cdx.json');
  // The compiled script, as `npm run sbom` runs it after its build (npm test has built it already).
  await run(process.execPath, ['dist/tools/sbom.js', out]);
  const sbom = JSON.parse(readFileSync(out, 'utf8')) as {
    bomFormat: string;
    specVersion: string;
    metadata: { component: { name: string } };
    components: Array<{ name: string; version: string; purl: string }>;
  };
  assert.equal(sbom.bomFormat, 'CycloneDX');
  assert.match(sbom.specVersion, /^1\.\d+$/);
  assert.equal(sbom.metadata.component.name, pkg.name);
  for (const c of sbom.components) assert.match(c.purl, /^pkg:npm\//, `${c.name} has a package URL`);

  // What npm itself says production installs: the same packages, no more (no dev tool) and no fewer (npm/cli#7909).
  const tree = JSON.parse(
    (await run('npm', ['ls', '--package-lock-only', '--omit=dev', '--all', '--json'])).stdout,
  ) as Tree;
  const installed = new Set<string>();
  const walk = (node: Tree) => {
    for (const [name, dep] of Object.entries(node.dependencies ?? {})) {
      if (dep.version !== undefined) installed.add(`${name}@${dep.version}`);
      walk(dep);
    }
  };
  walk(tree);
  assert.deepEqual(new Set(sbom.components.map((c) => `${c.name}@${c.version}`)), installed);
  for (const dep of Object.keys(pkg.dependencies))
    assert.ok(
      sbom.components.some((c) => c.name === dep),
      dep,
    );
  for (const dev of ['typescript', 'eslint', 'fast-check', '@slack/bolt', 'esbuild'])
    assert.ok(!sbom.components.some((c) => c.name === dev), `${dev} (dev only) is not listed`);
});

test('renovate.json: security updates at any time with no quarantine, the rest weekly; pinned majors stay pinned', () => {
  const config = JSON.parse(readFileSync('renovate.json', 'utf8')) as {
    minimumReleaseAge: string;
    osvVulnerabilityAlerts: boolean;
    vulnerabilityAlerts: { enabled: boolean; schedule: string[]; minimumReleaseAge: null; prCreation: string };
    packageRules: Array<{ matchPackageNames?: string[]; allowedVersions?: string }>;
  };
  assert.equal(config.vulnerabilityAlerts.enabled, true);
  assert.deepEqual(config.vulnerabilityAlerts.schedule, ['at any time']);
  assert.equal(config.vulnerabilityAlerts.minimumReleaseAge, null);
  assert.equal(config.vulnerabilityAlerts.prCreation, 'immediate');
  assert.equal(config.osvVulnerabilityAlerts, true);
  assert.equal(config.minimumReleaseAge, '7 days');
  const rule = (name: string) => config.packageRules.find((r) => r.matchPackageNames?.includes(name));
  assert.equal(rule('better-sqlite3')?.allowedVersions, '<13');
  assert.match(pkg.dependencies['better-sqlite3']!, /^\^12\./);
});
