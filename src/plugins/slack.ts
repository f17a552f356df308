import type { InstallProvider } from '@slack/oauth';
import type { WebClient } from '@slack/web-api';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { httpFetch } from '../slack/http-fetch.js';
import { basicAuthorization, type Pkce } from '../slack/pkce.js';
import { slackLogger } from '../slack/logger.js';

export interface SlackClients {
  /** Slack's authorize URL for one flow: the installer's URL for these scopes and redirect URI, with `state`. */
  authorizeUrl: (state: string) => string;
  /** Makes the one Web API call of an install, oauth.v2.access. */
  client: WebClient;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The Slack SDK's objects, loaded once (the first call waits for the modules; later calls do not). */
    slack: () => Promise<SlackClients>;
  }
}

const STATE_MARK = 'STATE0MARK';

/**
 * The installer's authorize URL differs from one flow to the next only in its state, so the installer builds it
 * once, around a mark, and each flow puts its state in the mark's place: what the installer would build for that
 * state (a state is base64url, which a query string carries unencoded), without a URL object per redirect.
 */
export async function authorizeUrlBuilder(
  installer: InstallProvider,
  config: Config,
  pkce?: Pkce,
): Promise<(state: string) => string> {
  const options = { scopes: config.slack.scopes, redirectUri: config.redirectUri };
  const parts = (await installer.generateInstallUrl(options, true, STATE_MARK)).split(STATE_MARK);
  if (parts.length !== 2) throw new Error('the authorize URL does not carry its state once, as given');
  const [before, after] = parts as [string, string];
  return (state) => {
    if (!/^[\w-]+$/.test(state)) throw new Error('a state must be base64url');
    const url = before + state + after;
    // The challenge is base64url too, so it needs no encoding either.
    return pkce === undefined ? url : `${url}&code_challenge=${pkce.challenge(state)}&code_challenge_method=S256`;
  };
}

/**
 * The Slack SDKs are a sixth of the server's start-up (about 100 ms of module loading) and 4 MiB of memory, and
 * only the two install routes use them, so they are loaded when the first install needs them: a server that
 * scales to zero starts and idles without them, and its first install after a start takes ~100 ms longer.
 */
export default fp(
  async (app, opts: { config: Config; pkce: Pkce | undefined }) => {
    const { slack } = opts.config;
    let loading: Promise<SlackClients> | undefined;
    const load = () =>
      (loading ??= (async () => {
        const [{ InstallProvider }, { WebClient }] = await Promise.all([
          import('@slack/oauth'),
          import('@slack/web-api'),
        ]);
        const logger = slackLogger(app.log);
        // Retries are ours (one, for a 429 whose Retry-After fits in SLACK_TIMEOUT_MS), not WebClient's ten in 30 minutes.
        const clientOptions = {
          slackApiUrl: slack.apiUrl,
          logger,
          timeout: slack.timeoutMs,
          retryConfig: { retries: 0 },
          rejectRateLimitedCalls: true,
          fetch: httpFetch,
        };
        const installer = new InstallProvider({
          clientId: slack.clientId,
          clientSecret: slack.clientSecret,
          stateStore: app.store.oauthStates,
          installationStore: app.store.installations,
          authorizationUrl: slack.authorizeUrl,
          logger,
          clientOptions,
        });
        return {
          authorizeUrl: await authorizeUrlBuilder(installer, opts.config, opts.pkce),
          // The client credentials go in an Authorization header (HTTP Basic), never in the body.
          client: new WebClient(undefined, {
            ...clientOptions,
            headers: { Authorization: basicAuthorization(slack.clientId, slack.clientSecret) },
          }),
        };
      })());
    app.decorate('slack', load);
  },
  { name: 'slack', dependencies: ['store'] },
);
