// Stryker's build step, run inside its sandbox with the instrumented source files as arguments. The sandbox
// already holds dist/ from `npm run build` (copied from the project), so only those files are compiled again,
// by TypeScript's transpiler with the project's compiler options: well under a second, where a full `tsc` of
// src, test and bench would take ten or more for each module.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';

const files = process.argv.slice(2);
if (!existsSync('dist/src')) {
  console.error('dist/ is missing: run `npm run build` before mutation testing (npm run test:mutation does)');
  process.exit(1);
}
const config = ts.readConfigFile('tsconfig.json', (path) => ts.sys.readFile(path));
const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, '.');
// One file at a time, with no type check (Stryker's mutants are not type-correct; it marks them @ts-nocheck).
// A lone file cannot see package.json's "type": "module", which NodeNext needs to emit ESM: say it here.
const compilerOptions = {
  ...options,
  module: ts.ModuleKind.ES2022,
  sourceMap: false,
  incremental: false,
  tsBuildInfoFile: undefined,
};
for (const file of files) {
  const { outputText, diagnostics } = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions,
    fileName: file,
  });
  if (diagnostics?.length) {
    console.error(ts.formatDiagnostics(diagnostics, ts.createCompilerHost(compilerOptions)));
    process.exit(1);
  }
  const out = join('dist', file.replace(/\.ts$/, '.js'));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, outputText);
}
