import type { ActivityLog } from './activity.js';
import type { Apps, ConfiguredApp } from './apps.js';
import { EmulatorError } from './errors.js';
import {
  eventCallback as buildEventCallback,
  deliverEvents,
  type EventContext,
  postEvent,
  UNINSTALL_ORDERS,
  urlVerification as buildUrlVerification,
  type Delivery,
  type UninstallOrder,
} from './events.js';
import type { IncomingWebhooks } from './incoming-webhooks.js';
import { botInstallKey, type BotTokens, type StoredBot } from './oauth.js';
import type { Workspaces } from './workspaces.js';

/** The parts of the emulator's state an uninstall reaches across. */
export interface UninstallParts {
  now: () => number;
  apps: Apps;
  teams: Workspaces;
  bots: BotTokens;
  hooks: IncomingWebhooks;
  log: ActivityLog;
}

/**
 * What Slack does to an app's installation from outside the OAuth flow, and tells the app about by the Events
 * API: uninstalls and token revocations (tokens and webhooks go, then `tokens_revoked` / `app_uninstalled` are
 * delivered, signed), and the envelopes and deliveries they use.
 */
export class Uninstalls {
  private readonly now: () => number;
  private readonly apps: Apps;
  private readonly teams: Workspaces;
  private readonly bots: BotTokens;
  private readonly hooks: IncomingWebhooks;
  private readonly log: ActivityLog;

  constructor(parts: UninstallParts) {
    ({ now: this.now, apps: this.apps, teams: this.teams, bots: this.bots, hooks: this.hooks, log: this.log } = parts);
  }

  /**
   * An `event_callback` envelope from this app, with the app's Verification Token, shaped as Slack shapes it for
   * `ownerId`: a workspace (T…; a Grid one names its org too) or an org (E…, for an org-wide install).
   */
  eventCallback(ownerId: string, appId: string, event: Record<string, unknown>): Record<string, unknown> {
    const app = this.apps.require(appId);
    return buildEventCallback({
      token: app.verificationToken,
      context: this.eventContext(ownerId),
      appId: app.appId,
      event,
      eventTimeMs: this.now(),
    });
  }

  /** The `url_verification` challenge Slack sends when an app saves its Request URL. */
  urlVerification(appId: string, challenge?: string): { token: string; challenge: string; type: 'url_verification' } {
    return buildUrlVerification(this.apps.require(appId).verificationToken, challenge);
  }

  /**
   * POSTs `body` to the app's Request URL, signed as Slack signs (X-Slack-Request-Timestamp, X-Slack-Signature).
   * `timestamp` (unix seconds, default now) and `signingSecret` (default the app's) let tests send stale or forged events.
   * Rejects with EventDeliveryError when the app does not answer within 3 s or cannot be reached.
   */
  async sendEvent(
    appId: string,
    body: object,
    options: { timestamp?: number; signingSecret?: string; retryNum?: number; retryReason?: string } = {},
  ): Promise<{ status: number; body: string }> {
    const app = this.apps.require(appId);
    if (app.eventsUrl === undefined)
      throw new EmulatorError('no_events_url', `app ${app.appId} has no events URL; set one with setEventsUrl`);
    const { timestamp = this.unixNow(), signingSecret = app.signingSecret, ...retry } = options;
    return postEvent(app.eventsUrl, signingSecret, body, { timestamp, ...retry });
  }

  /**
   * Uninstalls an app from a workspace (T…), or an org-wide install from its org (E…), as Slack does: the bot token is revoked (auth.test: token_revoked), every webhook
   * the app made there answers 404 no_service, then `tokens_revoked` and `app_uninstalled` are delivered in `order`
   * (Slack does not guarantee one). With `repeat`, both are delivered again afterwards as Slack's retries (same event_id).
   * Resolves with what the app answered to each delivery; a failed delivery has status 0, never a rejection.
   */
  async uninstall(
    teamId: string,
    appId: string,
    options: { order?: UninstallOrder; repeat?: boolean } = {},
  ): Promise<Delivery[]> {
    const order = options.order ?? 'uninstalled-first';
    if (!(UNINSTALL_ORDERS as readonly string[]).includes(order))
      throw new EmulatorError('invalid_order', `order must be one of ${UNINSTALL_ORDERS.join(', ')}`);
    const { team, app, bot } = this.requireInstall(teamId, appId);
    const tokens = { oauth: [...bot.installers], bot: bot.revoked ? [] : [bot.botUserId] };
    bot.installers = [];
    bot.userTokens.clear();
    const removed = this.revokeBot(bot);
    const revoked = this.eventCallback(team.id, app.appId, { type: 'tokens_revoked', tokens });
    const uninstalled = this.eventCallback(team.id, app.appId, { type: 'app_uninstalled' });
    const events = order === 'revoked-first' ? [revoked, uninstalled] : [uninstalled, revoked];
    const deliveries = await this.deliver(app, options.repeat ? [...events, ...events] : events, events.length);
    this.log.record(
      `Uninstalled ${app.name} (${app.appId}) from ${team.name} (${team.id}): ${removed} webhook(s) now answer 404 no_service.`,
      deliveries,
    );
    return deliveries;
  }

  /**
   * Revokes some of an installation's tokens and delivers only `tokens_revoked`. `bot: true` revokes the bot token,
   * which also removes the app's webhooks in that workspace (404 no_service); `userIds` names installers whose tokens go.
   */
  async revokeTokens(
    teamId: string,
    appId: string,
    options: { bot?: boolean; userIds?: string[] },
  ): Promise<Delivery[]> {
    const { team, app, bot } = this.requireInstall(teamId, appId);
    const userIds = [...new Set(options.userIds ?? [])];
    const unknown = userIds.find((id) => !bot.installers.includes(id));
    if (unknown !== undefined)
      throw new EmulatorError('unknown_user', `${unknown} holds no token of ${app.appId} in ${team.id}`);
    if (options.bot && bot.revoked) throw new EmulatorError('token_revoked', 'the bot token is already revoked');
    if (!options.bot && userIds.length === 0)
      throw new EmulatorError('invalid_request', 'name the bot or at least one user whose token to revoke');
    bot.installers = bot.installers.filter((id) => !userIds.includes(id));
    for (const id of userIds) bot.userTokens.delete(id);
    const removed = options.bot ? this.revokeBot(bot) : 0;
    const event = { type: 'tokens_revoked', tokens: { oauth: userIds, bot: options.bot ? [bot.botUserId] : [] } };
    const deliveries = await this.deliver(app, [this.eventCallback(team.id, app.appId, event)], 1);
    this.log.record(
      `Revoked tokens of ${app.name} (${app.appId}) in ${team.name} (${team.id}): ${removed} webhook(s) now answer 404 no_service.`,
      deliveries,
    );
    return deliveries;
  }

  private unixNow(): number {
    return Math.floor(this.now() / 1000);
  }

  private eventContext(ownerId: string): EventContext {
    if (this.teams.enterprise(ownerId)) return { kind: 'org', enterpriseId: ownerId };
    const team = this.teams.get(ownerId);
    if (!team) throw new EmulatorError('unknown_team', `no workspace or org with id ${ownerId}`);
    return team.enterpriseId === undefined
      ? { kind: 'workspace', teamId: team.id }
      : { kind: 'grid-workspace', teamId: team.id, enterpriseId: team.enterpriseId };
  }

  /**
   * The installation of an app that still holds a token, in a workspace (T…) or org-wide in an org (E…), or an
   * EmulatorError saying why not.
   */
  private requireInstall(
    ownerId: string,
    appId: string,
  ): { team: { id: string; name: string }; app: ConfiguredApp; bot: StoredBot } {
    const team = this.teams.get(ownerId) ?? this.teams.enterprise(ownerId);
    if (!team) throw new EmulatorError('unknown_team', `no workspace or org with id ${ownerId}`);
    const app = this.apps.require(appId);
    const bot = this.bots.installation(team.id, app.appId);
    if (!bot) throw new EmulatorError('not_installed', `${app.name} is not installed in ${team.name}`);
    return { team, app, bot };
  }

  /** Revokes a bot token; as on Slack, that removes the webhooks the install made. Returns how many. */
  private revokeBot(bot: StoredBot): number {
    this.bots.revoke(bot);
    return this.hooks.removeAppHooks(botInstallKey(bot));
  }

  private deliver(app: ConfiguredApp, bodies: Array<Record<string, unknown>>, firstRetry: number): Promise<Delivery[]> {
    return deliverEvents(app, bodies, firstRetry, () => this.unixNow());
  }
}
