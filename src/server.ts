import { existsSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from './app.js';
import { loggerOptions } from './logger.js';
import { ConfigError, loadConfig } from './config.js';
import { KeyError } from './crypto/secret-box.js';
import { StoreOpenError } from './store/errors.js';

// The one place that reads the environment, listens, and shuts down.
if (existsSync('.env')) process.loadEnvFile('.env'); // real environment variables win over the file

let config;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`Configuration error: ${err.message}`);
  process.exit(1);
}

let app: FastifyInstance;
try {
  // Log lines are written asynchronously: while one write is under way, the next lines gather into one, instead of
  // a blocking write per line on the request path. They are flushed on shutdown; a SIGKILL may lose the last few.
  const destination = pino.destination({ dest: 1, sync: false });
  app = await buildApp(config, { loggerInstance: pino(loggerOptions(config.logLevel), destination) });
  app.addHook('onClose', async () => {
    try {
      destination.flushSync();
    } catch {
      // nothing more can be written (stdout closed): the lines are lost, the shutdown is not
    }
  });
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`Configuration error: ${err.message}`);
    process.exit(1);
  }
  if (err instanceof StoreOpenError) {
    console.error(`Database error: ${err.message}`);
    process.exit(1);
  }
  if (!(err instanceof KeyError)) throw err;
  console.error(`Encryption key error: ${err.message}`);
  process.exit(1);
}
if (config.demo) {
  app.log.warn(
    'DEMO MODE: SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are not set, so installs go to the built-in Slack emulator at /_emulator, not to Slack',
  );
}

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, 'shutting down: finishing requests in flight');
  try {
    await app.close(); // stops accepting, waits for requests in flight, closes the database
    process.exit(0);
  } catch (err) {
    app.log.error({ err }, 'shutdown failed');
    process.exit(1);
  }
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));

try {
  await app.listen({ port: config.port, host: config.host });
  await app.metricsServer?.listen({ port: config.metrics.port, host: config.metrics.host });
} catch (err) {
  app.log.fatal({ err }, 'could not listen');
  process.exit(1);
}

// The install URL is printed once, for the operator, on stdout and not through the logger.
const rule = '─'.repeat(72);
process.stdout.write(
  `\n${rule}\n Install URL (hand it to your users; keep it secret):\n\n   ${app.installUrl}\n${config.demo ? '\n DEMO MODE: Slack is emulated. Messages land on ' + config.publicUrl + '/_emulator\n' : ''}${rule}\n\n`,
);
