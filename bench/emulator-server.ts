// The Slack emulator alone in its own process, as Slack for the benchmark: `node dist/bench/emulator-server.js`.
// Listens on 127.0.0.1 (PORT, default a free one), registers the benchmark's apps, prints `EMULATOR_URL=<url>`.
// With SEED_WEBHOOKS=N (the scale benchmark) it also makes N webhooks of the server's app, as N consents would, and
// writes their URLs, one a line, to the file SEED_WEBHOOKS_FILE (mode 600: they are credentials).
import Fastify from 'fastify';
import emulatorPlugin from '../src/emulator/plugin.js';
import { SlackEmulator } from '../src/emulator/state.js';
import { writeFileSync } from 'node:fs';
import { BENCH_APPS, BENCH_CHANNEL, BENCH_TEAM, EMULATOR_PREFIX, requiredEnv } from './shared.js';

const seed = Number(process.env.SEED_WEBHOOKS ?? 0);
const emulator = new SlackEmulator({
  apps: Object.values(BENCH_APPS).map((app) => ({ ...app })),
  publicUrl: `http://127.0.0.1${EMULATOR_PREFIX}`,
  // Room for the seeded webhooks and the ones install flows make meanwhile: both databases' flows in one run make
  // over 100,000 on a quiet machine (~1,500/s on SQLite), and past the cap the oldest, the seeded ones verify checks,
  // would be dropped and answer no_service (a 2026-12-01 run found all 10,000 "dead" that way). A few hundred bytes
  // each: two million more is room enough, and memory is only spent on webhooks that are made.
  maxWebhooks: seed > 0 ? seed + 2_000_000 : undefined,
});
if (seed > 0) {
  // Seeded before listening, so that the first answer means they are ready; their URLs need the port up front.
  emulator.publicUrl = `http://127.0.0.1:${requiredEnv('PORT')}${EMULATOR_PREFIX}`;
  const urls: string[] = [];
  for (let i = 0; i < seed; i++) {
    const code = emulator.issueCode({
      clientId: BENCH_APPS.server.clientId,
      redirectUri: undefined,
      teamId: BENCH_TEAM,
      channel: { id: BENCH_CHANNEL },
      scopes: ['incoming-webhook'],
      userId: 'U0ACME0001',
    });
    const done = emulator.install(emulator.takeCode(code)!, BENCH_APPS.server);
    if (!('webhook' in done) || done.webhook === undefined) throw new Error('the emulator made no webhook');
    urls.push(done.webhook.url);
  }
  writeFileSync(requiredEnv('SEED_WEBHOOKS_FILE'), `${urls.join('\n')}\n`, { mode: 0o600 });
}
const server = Fastify(); // no logger, like the tests' standalone emulator
await server.register(emulatorPlugin, { emulator, prefix: EMULATOR_PREFIX });
const address = await server.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
emulator.publicUrl = `${address}${EMULATOR_PREFIX}`;
process.stdout.write(`EMULATOR_URL=${emulator.publicUrl}\n`);

const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
