// `npm run test:mutation [-- module… [stryker options…]]`: runs StrykerJS on each module of modules.mjs in turn
// (or on those named), each against its own test files, then prints every module's score and its survivors.
// Stryker fails a module under 90% (thresholds.break). Incremental by default: mutants whose code and tests did
// not change since mutation/incremental/<module>.json keep their result; `--force` tests them all again.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { equivalent } from './equivalent.mjs';
import { incrementalFile, modules as enforced, pending } from './modules.mjs';

const modules = { ...enforced, ...pending };

// Module names first, then Stryker's own options (`--force`, `--concurrency 1`, `--logLevel debug`, …).
const args = process.argv.slice(2);
const firstOption = args.findIndex((a) => a.startsWith('-'));
const named = firstOption === -1 ? args : args.slice(0, firstOption);
const strykerArgs = firstOption === -1 ? [] : args.slice(firstOption);
const unknown = named.filter((a) => !Object.hasOwn(modules, a));
if (unknown.length > 0) {
  console.error(`unknown module ${unknown.join(', ')}: one of ${Object.keys(modules).join(', ')}`);
  process.exit(2);
}
const selected = named.length > 0 ? named : Object.keys(enforced);
// The package exports no path to its CLI; npm installs it here (npm runs scripts from the project's root).
const stryker = join('node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js');

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** Counts from Stryker's JSON report, and the survivors, each marked as listed in equivalent.mjs or not. */
function summarize(name) {
  const report = JSON.parse(readFileSync(`reports/mutation/${name}.json`, 'utf8'));
  const counts = { mutants: 0, detected: 0, undetected: 0, errors: 0 };
  const survivors = [];
  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    const lines = source.split('\n');
    for (const m of mutants) {
      counts.mutants++;
      if (DETECTED.has(m.status)) counts.detected++;
      else if (UNDETECTED.has(m.status)) counts.undetected++;
      else if (m.status !== 'Ignored') counts.errors++;
      if (!UNDETECTED.has(m.status)) continue;
      const { start, end } = m.location;
      const text = lines.slice(start.line - 1, end.line).join('\n');
      const original = text.slice(start.column - 1, text.length - (lines[end.line - 1].length - (end.column - 1)));
      const listed = equivalent.find(
        (e) =>
          e.file === file && e.mutator === m.mutatorName && e.original === original && e.replacement === m.replacement,
      );
      survivors.push({ where: `${file}:${start.line}:${start.column}`, m, original, listed });
    }
  }
  const valid = counts.detected + counts.undetected;
  return { ...counts, score: valid === 0 ? 100 : (100 * counts.detected) / valid, survivors };
}

/**
 * Stryker writes the absolute path of the checkout into the incremental file (projectRoot), which it never reads
 * back: dropped, so that the committed files do not name a machine's folders or change with the checkout.
 */
function portable(file) {
  if (!existsSync(file)) return;
  const result = JSON.parse(readFileSync(file, 'utf8'));
  if (!Object.hasOwn(result, 'projectRoot')) return;
  delete result.projectRoot;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
}

const results = [];
for (const name of selected) {
  const started = Date.now();
  console.log(`\n=== ${name}: ${modules[name].mutate.join(', ')} against ${modules[name].tests.join(', ')}`);
  const run = spawnSync(process.execPath, [stryker, 'run', 'mutation/stryker.config.mjs', ...strykerArgs], {
    stdio: 'inherit',
    env: { ...process.env, MUTATION_MODULE: name },
  });
  const report = `reports/mutation/${name}.json`;
  const fresh = existsSync(report) && statSync(report).mtimeMs >= started;
  if (fresh) portable(incrementalFile(name));
  results.push({ name, ok: run.status === 0, ...(fresh ? summarize(name) : {}) });
}

console.log('\nMutation score by module (break below 90%):');
for (const r of results) {
  if (r.score === undefined) {
    console.log(`  ${r.name.padEnd(14)} no report: Stryker failed (see its output above)`);
    continue;
  }
  const explained = r.survivors.filter((s) => s.listed).length;
  console.log(
    `  ${r.name.padEnd(14)} ${r.score.toFixed(2).padStart(6)}%  ${r.detected}/${r.detected + r.undetected} detected, ` +
      `${r.undetected} survived (${explained} listed as equivalent)${r.ok ? '' : '  BELOW THRESHOLD'}`,
  );
  for (const s of r.survivors) {
    const note = s.listed
      ? `equivalent: ${s.listed.reason}`
      : 'NOT EXPLAINED: add a test, or list it in equivalent.mjs';
    console.log(
      `      ${s.where} ${s.m.mutatorName} ${JSON.stringify(s.original)} -> ${JSON.stringify(s.m.replacement)}`,
    );
    console.log(`        ${note}`);
  }
}
console.log('Reports: reports/mutation/<module>.html');
process.exit(results.every((r) => r.ok) ? 0 : 1);
