#!/usr/bin/env node
// The package's `bin`. npm runs a bin file directly, so it must be executable, but tsc writes dist/ without the
// x bit (a fresh `npm run build` gives `Permission denied`); this small file is committed executable and loads
// the compiled CLI, dist/src/cli.js, which `node dist/src/cli.js` and `npm run cli` run directly.
import { existsSync } from 'node:fs';

const cli = new URL('../../dist/src/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('error: slack-webhook-installer is not built yet: run `npm run build` first\n');
  process.exitCode = 1;
} else {
  await import(cli.href);
}
