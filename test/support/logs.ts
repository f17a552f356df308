// A server's log captured line by line, for tests of what it says (and of what it must never say).
import { Writable } from 'node:stream';
import { loggerOptions } from '../../src/logger.js';

/** The lines the server logs, and the `logger` option of startApp that sends them here, at `level`. */
export function captureLogs(level: Parameters<typeof loggerOptions>[0] = 'info') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, logger: { logger: { ...loggerOptions(level), stream } } };
}
