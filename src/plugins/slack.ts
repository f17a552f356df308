import type { InstallProvider } from '@slack/oauth';
import type { WebClient } from '@slack/web-api';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { httpFetch } from '../slack/http-fetch.js';
import { slackLogger } from '../slack/logger.js';

export interface SlackClients {
  /** Builds the authorize URL, over our own state and installation stores. */
  installer: InstallProvider;
  /** Makes the one Web API call of an install, oauth.v2.access. */
  client: WebClient;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The Slack SDK's objects, loaded once (the first call waits for the modules; later calls do not). */
    slack: () => Promise<SlackClients>;
  }
}

/**
 * The Slack SDKs are a sixth of the server's start-up (about 100 ms of module loading) and 4 MiB of memory, and
 * only the two install routes use them, so they are loaded when the first install needs them: a server that
 * scales to zero starts and idles without them, and its first install after a start takes ~100 ms longer.
 */
export default fp(
  async (app, opts: { config: Config }) => {
    const { slack } = opts.config;
    let loading: Promise<SlackClients> | undefined;
    const load = () => (loading ??= (async () => {
      const [{ InstallProvider }, { WebClient }] = await Promise.all([import('@slack/oauth'), import('@slack/web-api')]);
      const logger = slackLogger(app.log);
      // Retries are ours (one, for a 429 whose Retry-After fits in SLACK_TIMEOUT_MS), not WebClient's ten in 30 minutes.
      const clientOptions = {
        slackApiUrl: slack.apiUrl, logger, timeout: slack.timeoutMs, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, fetch: httpFetch,
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
      return { installer, client: new WebClient(undefined, clientOptions) };
    })());
    app.decorate('slack', load);
  },
  { name: 'slack', dependencies: ['store'] },
);
