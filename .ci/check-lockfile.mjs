#!/usr/bin/env node
// Supply chain, offline: every package in package-lock.json comes from the npm registry and carries a sha512
// integrity hash, and package.json asks for registry versions only (no git, tarball, file or link dependencies).
// `npm ci` then installs exactly those bytes or fails. Part of `npm run lint`; usage: check-lockfile.mjs [dir]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const REGISTRY = 'https://registry.npmjs.org/';
const dir = process.argv[2] ?? '.';
const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const problems = [];

if (!(lock.lockfileVersion >= 2) || typeof lock.packages !== 'object') {
  problems.push(`package-lock.json is lockfile version ${lock.lockfileVersion}; npm 7 or later writes version 2 or 3`);
}
let checked = 0;
for (const [path, entry] of Object.entries(lock.packages ?? {})) {
  if (path === '') continue;
  if (entry.inBundle) continue; // shipped inside its parent's tarball, which the parent's hash covers
  checked++;
  if (entry.link) {
    problems.push(`${path} is a link to ${entry.resolved ?? 'a local folder'}, not a registry package`);
    continue;
  }
  // Without `resolved` npm fetches name@version from the configured registry (npm omits registry URLs when
  // omit-lockfile-registry-resolved is set); git, tarball and file dependencies always keep theirs.
  if (entry.resolved !== undefined && !entry.resolved.startsWith(REGISTRY)) {
    problems.push(`${path} comes from ${entry.resolved}, not ${REGISTRY}`);
  }
  if (typeof entry.integrity !== 'string' || !/^sha512-[A-Za-z0-9+/]+=*$/.test(entry.integrity)) {
    problems.push(`${path} has no sha512 integrity hash (${entry.integrity ?? 'none'})`);
  }
}
for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
  for (const [name, spec] of Object.entries(manifest[field] ?? {})) {
    if (/^(git|github:|gitlab:|bitbucket:|file:|link:|https?:)|^[^@\s]+\/[^\s]+$/.test(spec)) {
      problems.push(`package.json ${field}.${name} is "${spec}": only registry versions are allowed`);
    }
  }
}

if (problems.length > 0) {
  console.error(`check-lockfile: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-lockfile: ${checked} packages, all from the npm registry with a sha512 integrity hash`);
