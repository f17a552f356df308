#!/usr/bin/env node
// Known vulnerabilities in production dependencies: `npm audit --omit=dev` when the advisory service answers
// (exit 1 when it reports any), and a loud SKIPPED line when it cannot be reached (offline CI, a registry mirror
// without the audit endpoint), exit 0; AUDIT_REQUIRED=true makes that skip a failure. Used by .ci/run.
import { spawnSync } from 'node:child_process';

const required = process.env.AUDIT_REQUIRED === 'true';
const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8', timeout: 120_000 });
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  report = undefined;
}
const counts = report?.metadata?.vulnerabilities;

if (counts === undefined) {
  const why =
    report?.message ??
    run.error?.message ??
    (run.stderr ?? '').split('\n').find((line) => /error/i.test(line)) ??
    'no report';
  const rule = '!'.repeat(78);
  console.log(`${rule}\n!!! npm audit SKIPPED: the advisory service could not be asked (${why.trim()}).`);
  console.log(`!!! Production dependencies were NOT checked for known vulnerabilities. Run \`npm run audit\``);
  console.log(`!!! where the npm registry's audit endpoint is reachable.\n${rule}`);
  process.exit(required ? 1 : 0);
}

if (counts.total === 0) {
  console.log('npm audit: no known vulnerabilities in production dependencies');
  process.exit(0);
}
console.error(
  `npm audit: ${counts.total} known vulnerabilit${counts.total === 1 ? 'y' : 'ies'} in production dependencies:`,
);
for (const [name, v] of Object.entries(report.vulnerabilities ?? {})) {
  const advisories = (v.via ?? []).filter((via) => typeof via === 'object');
  const what = advisories.map((a) => `${a.title} (${a.url})`).join('; ') || `through ${v.via.join(', ')}`;
  console.error(`  ${name} [${v.severity}]: ${what}; fix: ${v.fixAvailable ? 'npm audit fix' : 'none yet'}`);
}
process.exit(1);
