import type { FastifyReply } from 'fastify';

/** Our own @fastify/view property, so the emulator's views never clash with the main app's `reply.view`. */
export const VIEW_PROPERTY = 'emulatorView';

type Render = (page: string, data: object) => Promise<FastifyReply>;

const formRedirects = new WeakMap<FastifyReply, string>();

/**
 * Lets this page's form lead to `url`'s origin. Chromium enforces form-action on the redirect that follows a
 * submit too, so the consent form's POST → 302 to the app's redirect_uri needs that origin listed.
 */
export function allowFormRedirect(reply: FastifyReply, url: string): void {
  const { origin } = new URL(url);
  // Hosts may hold characters such as ';' or ',' that would break out of the directive; such origins are left out.
  if (/^https?:\/\/[A-Za-z0-9.-]+(?::\d+)?$/.test(origin)) formRedirects.set(reply, origin);
}

/** No scripts and no inline styles at all; only our stylesheet; the consent page must not be framed (clickjacking). */
export function contentSecurityPolicy(reply: FastifyReply): string {
  const redirect = formRedirects.get(reply);
  const formAction = redirect === undefined ? "'self'" : `'self' ${redirect}`;
  return `default-src 'none'; style-src 'self'; img-src 'self'; form-action ${formAction}; base-uri 'none'; frame-ancestors 'none'`;
}

/** Renders views/emulator/<page>.eta inside the shared layout, with the given status. */
export function renderPage(
  reply: FastifyReply,
  status: number,
  page: string,
  data: { title: string; [key: string]: unknown },
): Promise<FastifyReply> {
  reply.header('cache-control', 'no-store');
  const render = (reply as unknown as Record<string, Render>)[VIEW_PROPERTY]!;
  return render.call(reply.code(status), page, data);
}

/** The error page every HTML route uses for bad input: a Slack-style error code and a sentence. */
export function errorPage(reply: FastifyReply, status: number, code: string, message: string): Promise<FastifyReply> {
  return renderPage(reply, status, 'error', { title: 'Something went wrong', code, message });
}
