// Constants and small helpers shared by the benchmark's processes (the orchestrator and the servers it spawns).

/** A failure the benchmark reports by its message alone (a bad option, a server that did not start). */
export class BenchError extends Error {}

/** The Slack apps registered with the benchmark's emulator: one per server under test, each with fixed credentials. */
export const BENCH_APPS = {
  server: {
    clientId: '1000000001.2000000001',
    clientSecret: 'bench-secret-server-0123456789',
    appId: 'A0BENCHSRV1',
    name: 'Bench: this server',
  },
  bolt: {
    clientId: '1000000002.2000000002',
    clientSecret: 'bench-secret-bolt-0123456789ab',
    appId: 'A0BENCHBOLT',
    name: 'Bench: Bolt',
  },
  floor: {
    clientId: '1000000003.2000000003',
    clientSecret: 'bench-secret-floor-0123456789a',
    appId: 'A0BENCHFLOR',
    name: 'Bench: floor',
  },
} as const;

export type TargetName = keyof typeof BENCH_APPS;

/** The install secret this server is started with (≥ 22 URL-safe characters). */
export const BENCH_INSTALL_SECRET = 'bench-install-secret-0123456789abcdefABCDEF';

/** Where the emulator is mounted in its own process, as in demo mode and the tests. */
export const EMULATOR_PREFIX = '/_emulator';

/** The workspace and channel every benchmark flow picks on the consent form (seeded by the emulator). */
export const BENCH_TEAM = 'T0ACME0001';
export const BENCH_CHANNEL = 'C0ACME0001';

/** A webhook URL the emulator hands out for BENCH_TEAM, as it appears (unescaped) on a landing page. */
export const WEBHOOK_URL_RE = /\/services\/T0ACME0001\/B[A-Z0-9]+\/[A-Za-z0-9]+/;

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
