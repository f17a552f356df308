import type { Logger, LogLevel } from '@slack/logger';
import type { FastifyBaseLogger } from 'fastify';

/**
 * @slack/logger's interface over pino. The SDK's debug and info lines echo request arguments (client secret,
 * OAuth code), so only its warnings and errors are passed on.
 */
export function slackLogger(log: FastifyBaseLogger): Logger {
  const child = log.child({ component: 'slack-sdk' });
  return {
    debug: () => {},
    info: () => {},
    warn: (...msg: unknown[]) => child.warn(msg.map(String).join(' ')),
    error: (...msg: unknown[]) => child.error(msg.map(String).join(' ')),
    setLevel: () => {},
    getLevel: () => 'warn' as LogLevel, // LogLevel.WARN, without loading the module at start-up
    setName: () => {},
  };
}
