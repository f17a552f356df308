import type { FastifyInstance } from 'fastify';
import { sameSecret } from '../input.js';
import type { Config } from '../config.js';
import { GUESSABLE } from '../plugins/guess-limit.js';
import { stateCookieName, stateCookieOptions } from '../slack/state-cookie.js';

/**
 * A constant-time check of a secret. Only its length can be learnt from timing, and that is no secret: generated
 * install secrets all have 32 characters.
 */
export function secretMatcher(expected: string): (given: string) => boolean {
  const want = Buffer.from(expected);
  return (given) => sameSecret(given, want);
}

/** GET /slack/install/:secret: the secret install URL; sends the browser to Slack's consent page. */
export default async function installRoute(app: FastifyInstance, opts: { config: Config; installSecret: string }) {
  const { config } = opts;
  const isInstallSecret = secretMatcher(opts.installSecret);
  const cookieAttributes = app
    .serializeCookie('x', '', stateCookieOptions(config.publicUrl) as Parameters<typeof app.serializeCookie>[2])
    .slice('x='.length);
  const installOptions = { scopes: config.slack.scopes, redirectUri: config.redirectUri };

  app.get<{ Params: { secret: string } }>('/slack/install/:secret', { config: GUESSABLE }, async (request, reply) => {
    // A wrong secret must look exactly like a path that does not exist (but it counts as a guess).
    if (!isInstallSecret(request.params.secret)) {
      request.guessed = true;
      return reply.callNotFound();
    }

    const state = await app.store.oauthStates.generateStateParam(installOptions, new Date());
    const url = (await app.slack()).authorizeUrl(state);
    app.metrics.installsStarted.inc();
    // The state is base64url, so the cookie needs no encoding: its attributes are written out once.
    return reply
      .header('set-cookie', `${stateCookieName(state, config.publicUrl)}=${state}${cookieAttributes}`)
      .header('cache-control', 'no-store')
      .redirect(url, 302);
  });
}
