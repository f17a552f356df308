import { InstallProvider } from '@slack/oauth';
import { WebClient } from '@slack/web-api';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { slackLogger } from '../slack/logger.js';

declare module 'fastify' {
  interface FastifyInstance {
    slack: {
      /** Builds the authorize URL, over our own state and installation stores. */
      installer: InstallProvider;
      /** Makes the one Web API call of an install, oauth.v2.access. */
      client: WebClient;
    };
  }
}

export default fp(
  async (app, opts: { config: Config }) => {
    const { slack } = opts.config;
    const logger = slackLogger(app.log);
    // Retries are ours (one, for a 429 whose Retry-After fits in SLACK_TIMEOUT_MS), not WebClient's ten in 30 minutes.
    const clientOptions = { slackApiUrl: slack.apiUrl, logger, timeout: slack.timeoutMs, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true };
    const installer = new InstallProvider({
      clientId: slack.clientId,
      clientSecret: slack.clientSecret,
      stateStore: app.store.oauthStates,
      installationStore: app.store.installations,
      authorizationUrl: slack.authorizeUrl,
      logger,
      clientOptions,
    });
    app.decorate('slack', { installer, client: new WebClient(undefined, clientOptions) });
  },
  { name: 'slack', dependencies: ['store'] },
);
