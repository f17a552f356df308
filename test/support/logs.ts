// A server's log captured line by line, for tests of what it says (and of what it must never say).
import { Writable } from 'node:stream';
import { loggerOptions } from '../../src/logger.js';

function capture<T>(level: Parameters<typeof loggerOptions>[0], read: (line: string) => T) {
  const lines: T[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(read(line));
      done();
    },
  });
  return { lines, logger: { logger: { ...loggerOptions(level), stream } } };
}

/** The lines the server logs, and the `logger` option of startApp that sends them here, at `level`. */
export function captureLogs(level: Parameters<typeof loggerOptions>[0] = 'info') {
  return capture(level, (line) => line);
}

/** The same, each line parsed. */
export function captureJsonLogs(level: Parameters<typeof loggerOptions>[0] = 'info') {
  return capture(level, (line) => JSON.parse(line) as Record<string, unknown>);
}

/** The request log lines (one per request, parsed) for `url`, oldest first. */
export function requestLines(lines: readonly string[], url: string): Record<string, unknown>[] {
  return lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === 'request' && line.url === url);
}
