// Raw HTTP/1.1 over a socket, for what fetch will not send: absolute-form request lines, malformed paths, headers
// dripped a line at a time.
import net from 'node:net';

export interface RawAnswer {
  /** Everything the server wrote before the connection closed. */
  text: string;
  /** The status code of the first response, or undefined when the server closed without one. */
  status: number | undefined;
}

function answer(text: string): RawAnswer {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
  return { text, status: m === null ? undefined : Number(m[1]) };
}

/** Sends `request` as it is and resolves, once the server has closed the connection, with what came back. */
export function rawRequest(port: number, request: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
    });
    socket.on('error', () => {}); // a reset is an answer too: what was read so far
    socket.on('close', () => resolve(answer(text)));
  });
}

/** `GET target` with a Host header, closing after the answer. */
export function rawGet(port: number, target: string, headers = ''): Promise<RawAnswer> {
  return rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}\r\n`);
}

/**
 * A client that sends `start` and then one more line every `everyMs` until the server closes the connection:
 * resolves with what the server wrote, and how many lines it had sent (it was still sending when cut off).
 */
export function dripper(
  port: number,
  start: string,
  line: string,
  everyMs: number,
): Promise<RawAnswer & { linesSent: number }> {
  return new Promise((resolve) => {
    let linesSent = 0;
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(start);
      timer = setInterval(() => {
        if (socket.writable) {
          socket.write(line);
          linesSent++;
        }
      }, everyMs);
    });
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ ...answer(text), linesSent });
    });
  });
}
