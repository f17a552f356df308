// `npm run sbom [-- FILE]`: a CycloneDX SBOM of the production dependencies (what the Docker image ships), from
// package-lock.json alone (what `npm ci` installs, whatever node_modules holds now), with no network (ASVS 15.1.2). Written to sbom.cdx.json unless a file is named.
//
// `npm sbom --omit=dev` alone drops production packages that a dev dependency also uses (npm/cli#7909: here
// @slack/oauth and @slack/web-api, which @slack/bolt uses too), so the whole tree is asked for and cut down to
// what package.json's `dependencies` reach through the SBOM's own dependency graph.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

interface Component {
  'bom-ref': string;
  name: string;
}
interface Sbom {
  metadata: { component: Component };
  components: Component[];
  dependencies: Array<{ ref: string; dependsOn?: string[] }>;
}

const out = process.argv[2] ?? 'sbom.cdx.json';
const args = ['sbom', '--sbom-format', 'cyclonedx', '--package-lock-only', '--offline'];
const npm = process.env.npm_execpath; // the npm running this script, when run by `npm run sbom`
const text =
  npm === undefined
    ? execFileSync('npm', args, { encoding: 'utf8', maxBuffer: 64 << 20 })
    : execFileSync(process.execPath, [npm, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
const sbom = JSON.parse(text) as Sbom;
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; dependencies: Record<string, string> };

const root = sbom.metadata.component['bom-ref'];
const edges = new Map(sbom.dependencies.map((d) => [d.ref, d.dependsOn ?? []]));
const byRef = new Map(sbom.components.map((c) => [c['bom-ref'], c]));
const production = (edges.get(root) ?? []).filter((ref) => (byRef.get(ref)?.name ?? '') in pkg.dependencies);
const reached = new Set<string>();
const queue = [...production];
for (let ref = queue.pop(); ref !== undefined; ref = queue.pop()) {
  if (reached.has(ref)) continue;
  reached.add(ref);
  queue.push(...(edges.get(ref) ?? []));
}
const missing = Object.keys(pkg.dependencies).filter(
  (name) => !production.some((ref) => byRef.get(ref)?.name === name),
);
if (missing.length > 0) throw new Error(`npm sbom did not list ${missing.join(', ')}: is package-lock.json current?`);

sbom.components = sbom.components.filter((c) => reached.has(c['bom-ref']));
sbom.dependencies = sbom.dependencies
  .filter((d) => d.ref === root || reached.has(d.ref))
  .map((d) => (d.ref === root ? { ...d, dependsOn: production } : d));
// npm names the root component after the folder it runs in (`app` in the image, a checkout's name): use the package's.
sbom.metadata.component.name = pkg.name;
writeFileSync(out, `${JSON.stringify(sbom, null, 2)}\n`);
console.error(`wrote ${out}: ${sbom.components.length} production packages`);
