#!/usr/bin/env node
// npm run test:under-load: the whole test suite while two busy-looping processes hog two cores, to prove no test
// depends on the machine's speed. The hogs are stopped however this ends: tests passing or failing, Ctrl-C, or
// this script being killed outright (each hog exits on its own once its parent is gone).
import { spawn } from 'node:child_process';

const HOGS = 2;
// Spins, and every few million turns checks that the parent that started it is still there.
const HOG = `const parent = process.ppid; for (let i = 0; ; i++) if (i % 5e6 === 0 && process.ppid !== parent) process.exit(0);`;

const hogs = Array.from({ length: HOGS }, () => spawn(process.execPath, ['-e', HOG], { stdio: 'ignore' }));
const stopHogs = () => {
  for (const hog of hogs) if (hog.exitCode === null && hog.signalCode === null) hog.kill('SIGKILL');
};
process.on('exit', stopHogs);
console.log(
  `test:under-load: ${HOGS} busy-looping processes (pids ${hogs.map((h) => h.pid).join(', ')}) running; npm test…`,
);

// npm sets npm_execpath when it runs a script; elsewhere, the npm on PATH.
const npmCli = process.env.npm_execpath;
const tests = npmCli
  ? spawn(process.execPath, [npmCli, 'test'], { stdio: 'inherit' })
  : spawn('npm', ['test'], { stdio: 'inherit', shell: process.platform === 'win32' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    tests.kill(signal);
    stopHogs();
  });
}
tests.on('exit', (code, signal) => {
  stopHogs();
  console.log(`test:under-load: npm test ${code === 0 ? 'passed' : `failed (${signal ?? `exit ${code}`})`} under load`);
  process.exit(code ?? 1);
});
