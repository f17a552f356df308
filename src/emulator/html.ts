import type { FastifyReply } from 'fastify';

/** Our own @fastify/view property, so the emulator's views never clash with the main app's `reply.view`. */
export const VIEW_PROPERTY = 'emulatorView';

type Render = (page: string, data: object) => Promise<FastifyReply>;

// No scripts at all on emulator pages; the consent page must not be framed (clickjacking).
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Renders views/emulator/<page>.eta inside the shared layout, with the given status. */
export function renderPage(reply: FastifyReply, status: number, page: string, data: { title: string; [key: string]: unknown }): Promise<FastifyReply> {
  if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', CSP);
  reply.header('cache-control', 'no-store');
  const render = (reply as unknown as Record<string, Render>)[VIEW_PROPERTY]!;
  return render.call(reply.code(status), page, data);
}

/** The error page every HTML route uses for bad input: a Slack-style error code and a sentence. */
export function errorPage(reply: FastifyReply, status: number, code: string, message: string): Promise<FastifyReply> {
  return renderPage(reply, status, 'error', { title: 'Something went wrong', code, message });
}
