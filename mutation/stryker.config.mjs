// StrykerJS configuration for one module of mutation/modules.mjs, named by MUTATION_MODULE; run it through
// `npm run test:mutation`, which runs each module in turn (see README, "Mutation testing").
import { incrementalFile, modules as enforced, pending } from './modules.mjs';

const modules = { ...enforced, ...pending };

const name = process.env.MUTATION_MODULE ?? '';
const module = modules[name];
if (module === undefined) {
  throw new Error(`MUTATION_MODULE must be one of ${Object.keys(modules).join(', ')} (got "${name}")`);
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: module.mutate,
  // The TypeScript sources are mutated; the sandbox keeps the project's dist/ and recompiles only these files.
  buildCommand: `node mutation/build.mjs ${module.mutate.join(' ')}`,
  testRunner: 'tap',
  tap: {
    // Each test file runs alone (`node file.js`), printing TAP: Stryker learns which file covers which mutant.
    testFiles: module.tests.map((test) => `dist/test/${test}.test.js`),
    nodeArgs: ['--test-reporter=tap'],
    forceBail: true,
  },
  coverageAnalysis: 'perTest',
  ignorePatterns: ['data', 'reports', 'mutation/incremental', 'coverage'],
  concurrency: 2,
  // The machine may be busy: a mutant is a timeout only if it takes this long past the test file's normal time.
  timeoutMS: 15_000,
  incremental: true,
  incrementalFile: incrementalFile(name),
  thresholds: { high: 95, low: 90, break: 90 },
  // No clear-text reporter: mutation/run.mjs prints each module's survivors, marking the known equivalent ones.
  reporters: ['progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  plugins: ['@stryker-mutator/tap-runner'],
};
