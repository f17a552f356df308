import type { Installation } from '@slack/oauth';
import { ErrorCode, type WebClient } from '@slack/web-api';

/** Why an exchange produced no installation; each has its own page. */
export type ExchangeFailure =
  | { kind: 'slack_error'; error: string } // Slack answered ok: false
  | { kind: 'no_webhook' } // ok: true, but no incoming_webhook: the app lacks the scope
  | { kind: 'malformed' } // ok: true, but not the shape Slack documents
  | { kind: 'unreachable'; detail: string }; // network error, timeout, 5xx, 429, bad JSON

export type ExchangeResult = { ok: true; installation: Installation } | { ok: false; failure: ExchangeFailure };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isHttpUrl(value: string | undefined): value is string {
  return value !== undefined && /^https?:\/\/[^\s]+$/i.test(value);
}

/** Narrows an oauth.v2.access answer into @slack/oauth's Installation; `undefined` when a needed field is missing. */
export function toInstallation(body: Record<string, unknown>): Installation | 'no_webhook' | undefined {
  const team = isRecord(body.team) ? body.team : undefined;
  const enterprise = isRecord(body.enterprise) ? body.enterprise : undefined;
  const isEnterpriseInstall = body.is_enterprise_install === true;
  const teamId = str(team?.id);
  const enterpriseId = str(enterprise?.id);
  if (isEnterpriseInstall ? enterpriseId === undefined : teamId === undefined) return undefined;

  if (body.incoming_webhook === undefined || body.incoming_webhook === null) return 'no_webhook';
  if (!isRecord(body.incoming_webhook)) return undefined;
  const hook = body.incoming_webhook;
  const url = str(hook.url);
  const channelId = str(hook.channel_id);
  const channel = str(hook.channel);
  if (!isHttpUrl(url) || channelId === undefined || channel === undefined) return undefined;
  const configurationUrl = str(hook.configuration_url);

  const authedUser = isRecord(body.authed_user) ? body.authed_user : {};
  const botToken = str(body.access_token);
  return {
    team: teamId === undefined ? undefined : { id: teamId, name: str(team?.name) },
    enterprise: enterpriseId === undefined ? undefined : { id: enterpriseId, name: str(enterprise?.name) },
    isEnterpriseInstall,
    user: { id: str(authedUser.id) ?? '', token: undefined, scopes: undefined },
    // bot.id is left empty: learning it costs an auth.test call per install (what @slack/oauth does), and
    // nothing here needs it.
    bot: botToken === undefined ? undefined : {
      token: botToken,
      scopes: (str(body.scope) ?? '').split(',').filter(Boolean),
      id: '',
      userId: str(body.bot_user_id) ?? '',
    },
    incomingWebhook: { url, channel, channelId, configurationUrl: isHttpUrl(configurationUrl) ? configurationUrl : undefined },
    appId: str(body.app_id),
    tokenType: 'bot',
    authVersion: 'v2',
  } as Installation;
}

/** The one Slack API call of an install: oauth.v2.access, sending the same redirect_uri as the authorize step. */
export async function exchangeCode(
  client: WebClient,
  args: { clientId: string; clientSecret: string; code: string; redirectUri: string },
): Promise<ExchangeResult> {
  let body: Record<string, unknown>;
  try {
    body = (await client.oauth.v2.access({
      client_id: args.clientId,
      client_secret: args.clientSecret,
      code: args.code,
      redirect_uri: args.redirectUri,
    })) as unknown as Record<string, unknown>;
  } catch (err) {
    const e = err as { code?: string; data?: { error?: unknown }; statusCode?: number; message?: string };
    if (e.code === ErrorCode.PlatformError) {
      return { ok: false, failure: { kind: 'slack_error', error: str(e.data?.error) ?? 'unknown_error' } };
    }
    const detail = e.code === ErrorCode.HTTPError ? `HTTP ${e.statusCode ?? '?'}` : e.code ?? e.message ?? 'error';
    return { ok: false, failure: { kind: 'unreachable', detail } };
  }
  const installation = toInstallation(body);
  if (installation === 'no_webhook') return { ok: false, failure: { kind: 'no_webhook' } };
  if (installation === undefined) return { ok: false, failure: { kind: 'malformed' } };
  return { ok: true, installation };
}
