import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiArguments, type Fields } from '../body.js';
import { playFault } from '../faults.js';
import type { EmulatorRouteOptions } from '../plugin.js';
import { pkceError } from '../pkce.js';
import { safeEqual } from '../random.js';
import type { BotInstall, ClientAuthentication, EmulatorApp, SlackEmulator } from '../state.js';

type ApiAnswer = { ok: true; [key: string]: unknown } | { ok: false; error: string; [key: string]: unknown };

/** Slack's Web API: `oauth.v2.access` and `auth.test`. Errors are HTTP 200 with `ok:false`, as on Slack. */
export default async function apiRoutes(app: FastifyInstance, opts: EmulatorRouteOptions): Promise<void> {
  const { emulator, closing } = opts;

  app.route({
    method: ['GET', 'POST'],
    url: '/api/:method',
    handler: async (request, reply): Promise<ApiAnswer | FastifyReply> => {
      const { method } = request.params as { method: string };
      if (method !== 'oauth.v2.access' && method !== 'auth.test')
        return { ok: false, error: 'unknown_method', req_method: method };
      // An injected fault comes first, before the body is even looked at, as when Slack itself has trouble.
      if (await playFault(emulator.takeFault(method), request, reply, closing)) return reply;
      const parsed = await apiArguments(request);
      if (!parsed.ok) return { ok: false, error: parsed.error };
      if (method === 'oauth.v2.access') return oauthV2Access(emulator, request, parsed.fields);
      const answer = authTest(emulator, request, parsed.fields);
      if (answer.ok) reply.header('x-oauth-scopes', answer.scopes);
      return answer.body;
    },
  });

  app.route({
    method: ['PUT', 'PATCH', 'DELETE'],
    url: '/api/:method',
    handler: async (_request, reply) =>
      reply.code(405).header('allow', 'GET, POST').send({ ok: false, error: 'method_not_allowed' }),
  });
}

/**
 * Exchanges a code (or, for a rotating app, a refresh token), checking in Slack's order: client id, secret, grant
 * type, code, redirect_uri, then PKCE's code_verifier. An app with PKCE on is a public client: it may leave the
 * secret out when it sends a verifier. The answer has the fields of Slack's published samples and no others (see
 * test/fixtures/slack/SOURCES.md): a workspace answers `enterprise: null`, a Grid workspace names its org, and an
 * org-wide install answers `team: null` with `is_enterprise_install: true`.
 */
function oauthV2Access(emulator: SlackEmulator, request: FastifyRequest, fields: Fields): ApiAnswer {
  const credentials = clientCredentials(request.headers.authorization, fields);
  const verifier = fields.get('code_verifier');
  emulator.recordTokenRequest({
    clientAuthentication: credentials.via,
    clientSecretInBody: fields.get('client_secret') !== undefined,
    codeVerifier: verifier !== undefined,
  });
  const client = credentials.id ? emulator.app(credentials.id) : undefined;
  if (!client) return { ok: false, error: 'invalid_client_id' };
  const publicClient = client.pkce === true && verifier !== undefined && credentials.secret === undefined;
  if (!publicClient && (credentials.secret === undefined || !safeEqual(credentials.secret, client.clientSecret)))
    return { ok: false, error: 'bad_client_secret' };
  const grantType = fields.get('grant_type');
  if (grantType === 'refresh_token') return refreshGrant(emulator, client, fields.get('refresh_token'));
  if (grantType !== undefined && grantType !== 'authorization_code') return { ok: false, error: 'invalid_grant_type' };

  const code = fields.get('code');
  // takeCode consumes the code whatever happens next: a code gets one exchange attempt, like on Slack.
  const grant = code ? emulator.takeCode(code) : undefined;
  if (!grant || grant.clientId !== client.clientId) return { ok: false, error: 'invalid_code' };
  if (fields.get('redirect_uri') !== grant.redirectUri) return { ok: false, error: 'bad_redirect_uri' };
  const pkce = pkceError(client.pkce === true, grant.codeChallenge, verifier);
  if (pkce !== undefined) return { ok: false, error: pkce };

  const installed = emulator.install(grant, client);
  if ('error' in installed) return { ok: false, error: installed.error };
  const { bot, webhook, user } = installed;
  return {
    ok: true,
    app_id: client.appId,
    authed_user: {
      id: grant.userId,
      ...(user && { scope: user.scopes.join(','), access_token: user.token, token_type: 'user' }),
    },
    scope: bot.scopes.join(','),
    token_type: 'bot',
    access_token: bot.token,
    bot_user_id: bot.botUserId,
    ...rotation(emulator, bot),
    ...installContext(emulator, bot),
    ...(webhook && {
      incoming_webhook: {
        channel: `#${webhook.channelName}`,
        channel_id: webhook.channelId,
        configuration_url: `${emulator.publicUrl}/services/${webhook.serviceId}`,
        url: webhook.url,
      },
    }),
  };
}

/** `expires_in` (seconds) and `refresh_token`, present only when the app rotates its tokens. */
function rotation(emulator: SlackEmulator, bot: BotInstall): Record<string, unknown> {
  if (bot.refreshToken === undefined || bot.expiresAt === undefined) return {};
  const expiresIn = Math.max(0, Math.round((bot.expiresAt - emulator.currentTime()) / 1000));
  return { expires_in: expiresIn, refresh_token: bot.refreshToken };
}

/** team / enterprise / is_enterprise_install as Slack gives them for a workspace, a Grid workspace or an org. */
function installContext(emulator: SlackEmulator, bot: BotInstall): Record<string, unknown> {
  const team = emulator.workspace(bot.teamId)!;
  const org = bot.enterpriseId === undefined ? undefined : emulator.enterprise(bot.enterpriseId);
  return {
    team: bot.orgWide ? null : { id: team.id, name: team.name },
    enterprise: org ? { id: org.id, name: org.name } : null,
    is_enterprise_install: bot.orgWide,
  };
}

/** grant_type=refresh_token: the shape of bolt-python's refresh mock (no authed_user, no incoming_webhook). */
function refreshGrant(emulator: SlackEmulator, client: EmulatorApp, token: string | undefined): ApiAnswer {
  if (!token) return { ok: false, error: 'invalid_refresh_token' };
  const bot = emulator.refreshBot(client, token);
  if (!bot) return { ok: false, error: 'invalid_refresh_token' };
  const { team, enterprise } = installContext(emulator, bot);
  return {
    ok: true,
    app_id: client.appId,
    access_token: bot.token,
    ...rotation(emulator, bot),
    token_type: 'bot',
    scope: bot.scopes.join(','),
    bot_user_id: bot.botUserId,
    team,
    enterprise,
  };
}

type ClientCredentials = { id?: string; secret?: string; via: ClientAuthentication };

/** HTTP Basic credentials if sent (Slack's recommended way), else the client_id/client_secret fields. */
function clientCredentials(header: string | undefined, fields: Fields): ClientCredentials {
  if (header === undefined || !/^basic\s/i.test(header)) {
    const secret = fields.get('client_secret');
    return { id: fields.get('client_id'), secret, via: secret === undefined ? 'none' : 'body' };
  }
  const encoded = /^basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header)?.[1];
  const decoded = encoded === undefined ? '' : Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? { via: 'basic' } : { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1), via: 'basic' };
}

function authTest(
  emulator: SlackEmulator,
  request: FastifyRequest,
  fields: Fields,
): { ok: true; scopes: string; body: ApiAnswer } | { ok: false; body: ApiAnswer } {
  const header = request.headers.authorization;
  const bearer = header === undefined ? undefined : /^bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  const token = bearer ?? fields.get('token');
  if (!token) return { ok: false, body: { ok: false, error: 'not_authed' } };
  const bot = emulator.botByToken(token);
  if (!bot) {
    const error = emulator.isRevokedToken(token)
      ? 'token_revoked'
      : emulator.isExpiredToken(token)
        ? 'token_expired'
        : 'invalid_auth';
    return { ok: false, body: { ok: false, error } };
  }
  const team = emulator.workspace(bot.teamId)!;
  return {
    ok: true,
    scopes: bot.scopes.join(','),
    body: {
      ok: true,
      url: `${emulator.publicUrl}/`,
      team: team.name,
      user: bot.botName,
      team_id: team.id,
      user_id: bot.botUserId,
      bot_id: bot.botId,
      app_id: bot.appId,
      ...(bot.enterpriseId !== undefined && { enterprise_id: bot.enterpriseId }),
      is_enterprise_install: bot.orgWide,
    },
  };
}
