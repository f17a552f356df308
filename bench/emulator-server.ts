// The Slack emulator alone in its own process, as Slack for the benchmark: `node dist/bench/emulator-server.js`.
// Listens on 127.0.0.1 (PORT, default a free one), registers the benchmark's apps, prints `EMULATOR_URL=<url>`.
import Fastify from 'fastify';
import emulatorPlugin from '../src/emulator/plugin.js';
import { SlackEmulator } from '../src/emulator/state.js';
import { BENCH_APPS, EMULATOR_PREFIX } from './shared.js';

const emulator = new SlackEmulator({
  apps: Object.values(BENCH_APPS).map((app) => ({ ...app })),
  publicUrl: `http://127.0.0.1${EMULATOR_PREFIX}`,
});
const server = Fastify(); // no logger, like the tests' standalone emulator
await server.register(emulatorPlugin, { emulator, prefix: EMULATOR_PREFIX });
const address = await server.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
emulator.publicUrl = `${address}${EMULATOR_PREFIX}`;
process.stdout.write(`EMULATOR_URL=${emulator.publicUrl}\n`);

const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
