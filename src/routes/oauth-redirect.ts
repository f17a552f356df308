import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { cookieValue, sameSecret, stringFields } from '../input.js';
import type { ErrorPage } from '../plugins/pages.js';
import { exchangeCode, type ExchangeFailure } from '../slack/oauth-access.js';
import type { Pkce } from '../slack/pkce.js';
import { webhookUrlProblem } from '../slack/webhook-url.js';
import { stateCookieName, stateCookieOptions } from '../slack/state-cookie.js';
import { StoreUnavailableError } from '../store/errors.js';
import { StateError } from '../store/oauth-states.js';
import type { StateClaim, StateFailure } from '../store/types.js';
import { landingCookieName, landingCookieOptions, landingPath } from '../landing.js';
import { label } from '../plugins/metrics.js';
import { GUESSABLE } from '../plugins/guess-limit.js';

const QUERY_FIELDS = ['code', 'state', 'error', 'error_description'] as const;
/** What Slack's `error` values look like (`access_denied`, `invalid_team_for_non_distributed_app`). */
const SLACK_ERROR_CODE = /^[a-z0-9_]{1,64}$/;

// What Slack's own error codes mean for the person who just clicked Allow.
const SLACK_ERRORS: Record<string, string> = {
  invalid_code: 'the one-time code from Slack was not valid, or had expired',
  code_already_used: 'the one-time code from Slack had already been used',
  bad_redirect_uri: 'the redirect URL of this server does not match the one configured in the Slack app',
  invalid_client_id: 'the Slack app’s client ID configured on this server is not valid',
  bad_client_secret: 'the Slack app’s client secret configured on this server is not valid',
  invalid_code_verifier:
    'the one-time code from Slack belongs to another install, not to the one started in this browser, so it was not used',
  pkce_not_allowed: 'this server uses PKCE (SLACK_PKCE=true) but the Slack app does not have PKCE switched on',
};

const UNEXPECTED_ANSWER: ErrorPage = {
  title: 'Unexpected answer from Slack',
  message:
    'Slack’s answer carried a webhook URL this server does not accept, so nothing was stored. Please try again; if it happens again, tell the person who runs this server (its log says why).',
};

const STATE_PAGES: Record<StateFailure | 'missing' | 'other_browser', string> = {
  missing: 'The answer from Slack did not carry the state this server sent, so it cannot be trusted.',
  other_browser:
    'This install was started in another browser, or this browser did not keep the cookie this server set. Open the install link again in the browser you want to use.',
  unknown: 'The answer from Slack carried a state this server never issued, so it cannot be trusted.',
  expired: 'This install link was opened more than 10 minutes ago and has expired.',
  used: 'This link back from Slack completed an install already, and each one works once. The webhook URL was shown in the browser that completed it.',
};

function failurePage(failure: ExchangeFailure): { status: number; page: ErrorPage } {
  switch (failure.kind) {
    case 'slack_error':
      return {
        status: 400,
        page: {
          title: 'Slack refused the install',
          message: `Slack answered “${failure.error}”: ${SLACK_ERRORS[failure.error] ?? 'see Slack’s documentation for oauth.v2.access'}. Nothing was stored.`,
        },
      };
    case 'no_webhook':
      return {
        status: 400,
        page: {
          title: 'No webhook was created',
          message:
            'Slack completed the install but sent no incoming webhook: the Slack app does not request the incoming-webhook scope. Ask the operator to add it to SLACK_SCOPES. Nothing was stored.',
        },
      };
    case 'malformed':
    case 'unreachable':
      return {
        status: 502,
        page: {
          title: 'Slack could not be reached',
          message:
            'This server could not complete the install with Slack. Nothing was stored; please try again in a moment.',
        },
      };
  }
}

/** Failures a forged or guessed callback ends in (its state or its code); a cancel or a Slack outage is no guess. */
function isGuess(reason: string): boolean {
  return (
    reason.startsWith('state_') || ['code_missing', 'slack_invalid_code', 'slack_code_already_used'].includes(reason)
  );
}

/** GET /slack/oauth_redirect: Slack sends the browser back here; exchanges the code and shows the webhook URL. */
export default async function oauthRedirectRoute(
  app: FastifyInstance,
  opts: { config: Config; installUrl: string; pkce?: Pkce },
) {
  const { config, installUrl } = opts;
  const cookieOptions = stateCookieOptions(config.publicUrl);

  async function claimState(state: string): Promise<StateClaim | StateFailure | 'unavailable'> {
    try {
      return await app.store.oauthStates.claim(new Date(), state);
    } catch (err) {
      if (err instanceof StateError) return err.reason;
      if (!(err instanceof StoreUnavailableError)) throw err;
      app.log.error({ err }, 'install: the database did not answer the state check');
      return 'unavailable';
    }
  }

  async function spent<T>(claim: StateClaim, answer: T): Promise<T> {
    await app.store.oauthStates.spend(claim);
    return answer;
  }

  /**
   * A callback whose state was used already: opened again (reloaded, Back and Allow again) by the browser that
   * completed the install, which holds that install's landing session, or by anyone else.
   */
  async function usedCallback(request: FastifyRequest, reply: FastifyReply, state: string, issued: boolean) {
    const value = cookieValue(request, landingCookieName(config.publicUrl));
    const session = value === undefined ? undefined : await app.store.landingSessions.find(value);
    // A session records the nonce of the state that completed its install (null for sessions made otherwise).
    if (
      session !== undefined &&
      session.stateNonce === app.store.oauthStates.nonceOf(state) &&
      session.expiresAt > Date.now()
    ) {
      request.outcome = { event: 'install shown again', reason: 'state_used_same_browser' };
      return reply.page('error', {
        title: 'This install was completed',
        message: 'You completed this install already, in this browser. Its webhook URL is on its page.',
        link: { href: landingPath(session.landingId), text: 'Show the webhook URL' },
      });
    }
    return fail(
      reply,
      400,
      { title: 'This install link was already used', message: STATE_PAGES.used },
      'state_used',
      issued,
    );
  }

  const cancelled = (reply: FastifyReply, issued: boolean) =>
    fail(
      reply,
      400,
      { title: 'Install cancelled', message: 'You cancelled the install in Slack, so no webhook was created.' },
      'access_denied',
      issued,
    );
  // Anyone can send a browser here with `?error=` of their own words; only what looks like one of Slack's error
  // codes is shown, and the rest goes to the log alone, cut short.
  const slackRedirectError = (reply: FastifyReply, error: string, issued: boolean) => {
    const said = SLACK_ERROR_CODE.test(error) ? `Slack reported “${error}”.` : 'Slack reported an error.';
    const answer = fail(
      reply,
      400,
      { title: 'Slack did not complete the install', message: `${said} No webhook was created.` },
      'slack_redirect_error',
      issued,
    );
    reply.request.outcome = { ...reply.request.outcome, slackError: error.slice(0, 100) };
    return answer;
  };

  // The install URL is a secret: a page that could be reached without it says how to start again instead.
  function fail(reply: FastifyReply, status: number, page: ErrorPage, reason: string, bound: boolean) {
    reply.request.outcome = { event: 'install failed', reason };
    reply.request.guessed = isGuess(reason);
    app.metrics.installsFailed.inc({ reason: label(reason.split(':')[0]!) });
    const retry = bound
      ? { retryUrl: installUrl }
      : { retryHint: 'To try again, open the install link you were given.' };
    return reply.page('error', { ...page, ...retry }, status);
  }

  app.get('/slack/oauth_redirect', { config: GUESSABLE }, async (request, reply) => {
    const { code, state, error } = stringFields(request.query, QUERY_FIELDS, 2048);
    // Only a browser holding the cookie this state's flow set (cleared now, whatever it holds) may claim the state.
    let claim: StateClaim | StateFailure | 'unavailable' | undefined;
    if (state !== undefined) {
      const cookieName = stateCookieName(state, config.publicUrl);
      const cookie = cookieValue(request, cookieName);
      if (cookie !== undefined) {
        reply.clearCookie(cookieName, cookieOptions);
        if (sameSecret(cookie, state)) claim = await claimState(state);
      }
    }
    // The install URL is offered again only to a browser holding a state this server issued.
    const issued = claim !== undefined && claim !== 'unknown';
    if (typeof claim !== 'object') {
      if (error === 'access_denied') return cancelled(reply, issued);
      if (error !== undefined) return slackRedirectError(reply, error, issued);
      if (state === undefined)
        return fail(
          reply,
          400,
          { title: 'Install could not be verified', message: STATE_PAGES.missing },
          'state_missing',
          false,
        );
      // The state's signature was good (the database is asked only after that), so the browser may start again.
      if (claim === 'unavailable')
        return fail(
          reply,
          503,
          {
            title: 'Install could not be completed',
            message:
              'This server cannot reach its database right now, so the install could not be checked. Nothing was stored and no webhook was shown. Please start again in a moment.',
          },
          'database_unavailable',
          true,
        );
      // Without this flow's cookie, the state itself says what happened: a reload of a used callback is not
      // "another browser", and a state this server never issued is not either.
      const failure = claim ?? (await app.store.oauthStates.inspect(new Date(), state));
      if (failure === 'used') return usedCallback(request, reply, state, issued);
      if (failure === 'unused')
        return fail(
          reply,
          400,
          { title: 'Install could not be verified', message: STATE_PAGES.other_browser },
          'state_other_browser',
          false,
        );
      return fail(
        reply,
        400,
        { title: 'Install could not be verified', message: STATE_PAGES[failure] },
        `state_${failure}`,
        issued,
      );
    }

    // From here the state is this flow's; every way out spends it, so the flow cannot be resumed later.
    try {
      if (error === 'access_denied') return await spent(claim, cancelled(reply, true));
      if (error !== undefined) return await spent(claim, slackRedirectError(reply, error, true));
      if (code === undefined) {
        return await spent(
          claim,
          fail(
            reply,
            400,
            {
              title: 'Install could not be completed',
              message: 'Slack sent no authorization code back. Nothing was stored.',
            },
            'code_missing',
            true,
          ),
        );
      }

      const stopTimer = app.metrics.slackApiSeconds.startTimer({ method: 'oauth.v2.access' });
      const result = await exchangeCode(
        (await app.slack()).client,
        { code, redirectUri: config.redirectUri, codeVerifier: opts.pkce?.verifier(state!) },
        config.slack.timeoutMs,
      );
      stopTimer({ outcome: result.ok ? 'ok' : result.failure.kind });
      if (!result.ok) {
        const { status, page } = failurePage(result.failure);
        const f = result.failure;
        const reason =
          f.kind === 'slack_error'
            ? `slack_${f.error}`
            : f.kind === 'unreachable'
              ? `unreachable: ${f.detail}`
              : f.kind;
        return await spent(claim, fail(reply, status, page, reason, true));
      }

      const { installation } = result;
      const badUrl = webhookUrlProblem(installation.incomingWebhook!.url, config.slack.webhookBases);
      if (badUrl !== undefined) {
        // Logged with the reason and without the URL (a credential if it is real, an attacker's words if not).
        return await spent(claim, fail(reply, 502, UNEXPECTED_ANSWER, `malformed: webhook URL ${badUrl}`, true));
      }
      let recorded;
      try {
        recorded = await app.store.recordInstall(installation, claim); // records the state's use too
      } catch (err) {
        if (!(err instanceof StateError)) {
          // Slack has answered and its one-time code is spent: say so, and that starting again is the way on.
          request.log.error({ err }, 'install: the installation could not be stored');
          return await fail(
            reply,
            503,
            {
              title: 'The install could not be saved',
              message:
                'Slack accepted the install, but this server could not save it because its database is unavailable, so nothing was stored and no webhook URL can be shown. Slack’s one-time code is used up: please start again in a moment.',
            },
            'database_unavailable',
            true,
          );
        }
        return await usedCallback(request, reply, state!, true);
      }
      app.metrics.installsCompleted.inc();
      request.outcome = {
        event: 'install completed',
        installationId: recorded.id,
        teamId: installation.team?.id,
        channelId: installation.incomingWebhook!.channelId,
      };
      // Post/Redirect/Get: the page with the webhook URL has an address of its own, which can be reloaded.
      reply.setCookie(landingCookieName(config.publicUrl), recorded.session, landingCookieOptions(config.publicUrl));
      return await reply.header('cache-control', 'no-store').redirect(landingPath(recorded.landingId), 303);
    } finally {
      app.store.oauthStates.release(claim); // a no-op once spent or recorded
    }
  });
}
