import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorPage } from './plugins/pages.js';

/**
 * The errors Fastify and Node answer by themselves, before any route or hook runs: a URL that cannot be decoded
 * (`/%`) or whose parameter is too long, and what Node's HTTP parser refuses on the socket (headers over the
 * limit: 431; headers or a request that took too long: 408; anything unparseable: 400). Left alone they get a
 * bare JSON answer without the security headers and no log line; here they get the same page, headers and one
 * log line as any other refusal. Both handlers are given to Fastify when it is created, and learn the headers,
 * the pages and the log line once the app is built (`attach`).
 */
export class FrameworkErrors {
  #app: FastifyInstance | undefined;
  #headers: Record<string, string> = {};
  #log: (request: FastifyRequest, reply: FastifyReply) => void = () => {};
  /** The socket-level answers, written out in full at start-up: there is no reply object to render into. */
  #raw = new Map<number, Buffer>();

  static readonly PAGES: Record<number, ErrorPage> = {
    400: { title: 'Bad request', message: 'This server could not understand the request. Check the address.' },
    408: { title: 'Request timed out', message: 'The request took too long to arrive. Please try again.' },
    414: { title: 'Address too long', message: 'The address is longer than this server accepts.' },
    431: {
      title: 'Request headers too large',
      message: 'The request’s headers (its cookies, most often) are larger than this server accepts.',
    },
  };

  async attach(
    app: FastifyInstance,
    headers: Record<string, string>,
    log: (request: FastifyRequest, reply: FastifyReply) => void,
  ): Promise<void> {
    this.#app = app;
    this.#headers = { ...headers, 'cache-control': 'no-store', 'content-type': 'text/html; charset=utf-8' };
    this.#log = log;
    for (const status of [400, 408, 431]) {
      const body = Buffer.from(await app.view('error.eta', FrameworkErrors.PAGES[status]!));
      const head = Object.entries({ ...this.#headers, 'content-length': String(body.length), connection: 'close' })
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      this.#raw.set(
        status,
        Buffer.concat([Buffer.from(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n`), body]),
      );
    }
  }

  /** Fastify's `frameworkErrors`: a bad URL (400) or an over-long parameter (414). No route, so no hooks run. */
  readonly frameworkErrors = (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const status = error.statusCode === 414 ? 414 : 400;
    request.outcome = { event: 'rejected', errorCode: error.code };
    const app = this.#app;
    if (app === undefined) {
      void reply.status(status).send();
      return;
    }
    void app.view('error.eta', FrameworkErrors.PAGES[status]!).then(
      (html) => {
        void reply.status(status).headers(this.#headers).send(html);
        this.#log(request, reply);
      },
      (err: unknown) => {
        request.log.error({ err }, 'error page failed');
        void reply.status(500).send();
      },
    );
  };

  /** Fastify's `clientErrorHandler`, Node's `clientError` event: the socket has no request Fastify could build. */
  readonly clientErrorHandler = (error: NodeJS.ErrnoException, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    // Only the code: the error also carries the raw bytes received, which may hold a secret path or cookie.
    this.#app?.log.info(
      { event: 'rejected', statusCode: status, errorCode: error.code, remoteAddress: socket.remoteAddress },
      'request',
    );
    // As Node does: no answer of our own once a response has begun on this socket.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    const answer = this.#raw.get(status);
    if (socket.writable && answer !== undefined && inFlight?.headersSent !== true) {
      socket.write(answer, () => socket.destroy());
    } else {
      socket.destroy();
    }
  };
}
