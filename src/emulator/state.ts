import { ActivityLog, type ActivityEntry } from './activity.js';
import { Apps, type ConfiguredApp, type EmulatorApp } from './apps.js';
import { EmulatorError } from './errors.js';
import { UNINSTALL_ORDERS, type Delivery, type UninstallOrder } from './events.js';
import { FaultQueue, type Fault, type FaultMethod } from './faults.js';
import {
  IncomingWebhooks,
  isWebhookError,
  WEBHOOK_ERRORS,
  type ReceivedMessage,
  type WebhookError,
  type WebhookInfo,
} from './incoming-webhooks.js';
import {
  AuthorizationCodes,
  botInstallKey,
  BotTokens,
  type BotInstall,
  type CodeGrant,
  type UserGrant,
} from './oauth.js';
import { Uninstalls } from './uninstalls.js';
import { Workspaces, type Channel, type Enterprise, type Workspace } from './workspaces.js';

// The emulator's public interface: what routes, tests and the benchmark import from this module.
export { EmulatorError, isWebhookError, UNINSTALL_ORDERS, WEBHOOK_ERRORS };
export type {
  ActivityEntry,
  BotInstall,
  Channel,
  CodeGrant,
  ConfiguredApp,
  Delivery,
  EmulatorApp,
  Enterprise,
  ReceivedMessage,
  UninstallOrder,
  WebhookError,
  WebhookInfo,
  Workspace,
};
export { CODE_TTL_MS } from './oauth.js';
export { MAX_CHANNEL_NAME, MAX_CHANNELS_PER_WORKSPACE } from './workspaces.js';

/** How a client authenticated at oauth.v2.access: HTTP Basic, client_secret in the body, or not at all (PKCE). */
export type ClientAuthentication = 'basic' | 'body' | 'none';

/** What the emulator remembers of each oauth.v2.access call, so tests can see how a client called it. */
export interface TokenRequest {
  clientAuthentication: ClientAuthentication;
  /** Whether client_secret was (also) sent as a body field, where RFC 9700 §2.5 would rather not see it. */
  clientSecretInBody: boolean;
  /** Whether a PKCE code_verifier was sent. */
  codeVerifier: boolean;
}

const MAX_TOKEN_REQUESTS = 100;

export interface EmulatorOptions {
  apps: EmulatorApp[];
  /** Base URL browsers use to reach the emulator root, e.g. `http://localhost:3000/_emulator`. */
  publicUrl: string;
  /** Clock in milliseconds, replaceable so tests can expire codes. */
  now?: () => number;
  /** How many webhooks are kept before the oldest is dropped (1000: a public demo's memory stays bounded). */
  maxWebhooks?: number;
  /** Workspaces besides the seeded demo companies (tests add ones whose names stress escaping). */
  workspaces?: Workspace[];
}

/**
 * In-memory state of the fake Slack. Each Slack concept keeps its own state in its own module (workspaces and
 * channels, OAuth codes and bot tokens, incoming webhooks, events); this class is the one door to them and carries
 * out what crosses concepts (an install, an uninstall).
 */
export class SlackEmulator {
  private base = '';
  private readonly now: () => number;
  private readonly apps: Apps;
  private readonly teams: Workspaces;
  private readonly codes: AuthorizationCodes;
  private readonly bots: BotTokens;
  private readonly hooks: IncomingWebhooks;
  private readonly log: ActivityLog;
  private readonly faults = new FaultQueue();
  private readonly uninstalls: Uninstalls;
  private readonly tokenCalls: TokenRequest[] = [];

  /** Settable after construction, since tests learn their port only after listen(). */
  get publicUrl(): string {
    return this.base;
  }

  set publicUrl(url: string) {
    this.base = url.replace(/\/+$/, '');
  }

  constructor(options: EmulatorOptions) {
    this.publicUrl = options.publicUrl;
    this.now = options.now ?? Date.now;
    this.apps = new Apps(options.apps);
    this.teams = new Workspaces(options.workspaces);
    this.codes = new AuthorizationCodes(this.now);
    this.bots = new BotTokens(this.now);
    this.hooks = new IncomingWebhooks(
      this.now,
      (teamId, channelId) => this.teams.isArchived(teamId, channelId),
      options.maxWebhooks,
    );
    this.log = new ActivityLog(this.now);
    const { now, apps, teams, bots, hooks, log } = this;
    this.uninstalls = new Uninstalls({ now, apps, teams, bots, hooks, log });
  }

  workspaces(): Workspace[] {
    return this.teams.list();
  }

  workspace(teamId: string): Workspace | undefined {
    return this.teams.get(teamId);
  }

  enterprise(enterpriseId: string): Enterprise | undefined {
    return this.teams.enterprise(enterpriseId);
  }

  /** The emulator's clock (replaceable through EmulatorOptions.now), in milliseconds. */
  currentTime(): number {
    return this.now();
  }

  app(clientId: string): ConfiguredApp | undefined {
    return this.apps.byClientId(clientId);
  }

  /** The app with this app id (A…), or with this client id. */
  appById(id: string): ConfiguredApp | undefined {
    return this.apps.byId(id);
  }

  /** Sets (or with undefined clears) an app's Request URL; settable late since tests learn ports after listen(). */
  setEventsUrl(id: string, url: string | undefined): void {
    this.apps.setEventsUrl(id, url);
  }

  issueCode(grant: Omit<CodeGrant, 'expiresAt'>): string {
    return this.codes.issue(grant);
  }

  recordTokenRequest(request: TokenRequest): void {
    this.tokenCalls.push(request);
    if (this.tokenCalls.length > MAX_TOKEN_REQUESTS) this.tokenCalls.shift();
  }

  /** The latest oauth.v2.access calls (at most 100), oldest first. */
  tokenRequests(): TokenRequest[] {
    return this.tokenCalls.map((r) => ({ ...r }));
  }

  /** Removes the code (codes are single-use) and returns its grant if it had not expired. */
  takeCode(code: string): CodeGrant | undefined {
    return this.codes.take(code);
  }

  /**
   * Carries out an approved install: bot token (stable per workspace, or per org for an org-wide install, and app),
   * channel, a new webhook, and the installer's user token when user_scope asked for one.
   */
  install(
    grant: CodeGrant,
    app: EmulatorApp,
  ): { bot: BotInstall; webhook: WebhookInfo | undefined; user: UserGrant | undefined } | { error: string } {
    const team = this.teams.get(grant.teamId);
    if (!team || (grant.orgWide && team.enterpriseId === undefined)) return { error: 'invalid_code' };
    let channel: Channel | undefined;
    if (grant.channel) {
      channel = this.teams.resolveChannel(grant.teamId, grant.channel);
      if (!channel) return { error: 'invalid_code' };
    }
    const { bot, user } = this.bots.grant(team, app, grant);
    const webhook = channel && this.hooks.create(this.publicUrl, grant.teamId, channel, app.appId, botInstallKey(bot));
    return { bot, webhook, user };
  }

  /** `grant_type=refresh_token`: a new token pair for the bot whose refresh token this is, if it is current. */
  refreshBot(app: EmulatorApp, refreshToken: string): BotInstall | undefined {
    return this.bots.refresh(app, refreshToken);
  }

  /** How many refresh grants succeeded, so tests can see a token was rotated. */
  refreshCount(): number {
    return this.bots.refreshCount();
  }

  /** The live bot holding this token; revoked and expired tokens find nothing (see isRevokedToken). */
  botByToken(token: string): BotInstall | undefined {
    return this.bots.byToken(token);
  }

  /** True for a rotating bot token past its expiry: auth.test answers token_expired. */
  isExpiredToken(token: string): boolean {
    return this.bots.isExpired(token);
  }

  /** True for a bot token taken away by uninstall or revokeTokens: auth.test answers token_revoked. */
  isRevokedToken(token: string): boolean {
    return this.bots.isRevoked(token);
  }

  /** Apps installed in a workspace (a bot or installer token still alive), for the home page's Uninstall buttons. */
  installedApps(teamId: string): ConfiguredApp[] {
    return this.bots.installedAppIds(teamId).flatMap((appId) => this.apps.byId(appId) ?? []);
  }

  /** Apps installed org-wide in an org, for the Uninstall buttons of its workspaces on the home page. */
  orgInstalledApps(enterpriseId: string): ConfiguredApp[] {
    return this.bots.orgInstalledAppIds(enterpriseId).flatMap((appId) => this.apps.byId(appId) ?? []);
  }

  /** Looks a webhook up by its URL parts: Slack's error code when there is no such webhook, else its info (dead or not). */
  findWebhook(teamId: string, serviceId: string, secret: string): WebhookInfo | 'no_team' | 'no_service' {
    if (!this.teams.has(teamId)) return 'no_team';
    return this.hooks.find(teamId, serviceId, secret) ?? 'no_service';
  }

  webhookByServiceId(serviceId: string): WebhookInfo | undefined {
    return this.hooks.byServiceId(serviceId);
  }

  webhooks(): WebhookInfo[] {
    return this.hooks.list();
  }

  /** Kills the webhook whose URL ends in /services/T…/B…/secret; it then answers `reason` with Slack's status. */
  killWebhook(url: string, reason: WebhookError = 'no_service'): boolean {
    if (!isWebhookError(reason)) throw new TypeError(`reason must be one of ${Object.keys(WEBHOOK_ERRORS).join(', ')}`);
    const hook = this.hooks.kill(url, reason);
    if (!hook) return false;
    this.log.record(
      `Webhook ${hook.serviceId} (#${hook.channelName}) killed: it answers ${WEBHOOK_ERRORS[reason]} ${reason}.`,
    );
    return true;
  }

  /** What a user's "Remove" in Slack does: the webhook answers 404 no_service. False for an unknown service id. */
  removeWebhook(serviceId: string): boolean {
    const hook = this.hooks.remove(serviceId);
    if (!hook) return false;
    this.log.record(`Webhook ${hook.serviceId} (#${hook.channelName}) removed: it answers 404 no_service.`);
    return true;
  }

  /** Archives a channel of any workspace: its webhooks answer 410 channel_is_archived. False for an unknown channel. */
  archiveChannel(channelId: string): boolean {
    const archived = this.teams.archive(channelId);
    if (!archived) return false;
    const { team, channel } = archived;
    this.log.record(
      `Channel #${channel.name} (${channel.id}) in ${team.name} archived: its webhooks answer 410 channel_is_archived.`,
    );
    return true;
  }

  /**
   * An `event_callback` envelope from this app, with the app's Verification Token, shaped as Slack shapes it for
   * `ownerId`: a workspace (T…; a Grid one names its org too) or an org (E…, for an org-wide install).
   */
  eventCallback(ownerId: string, appId: string, event: Record<string, unknown>): Record<string, unknown> {
    return this.uninstalls.eventCallback(ownerId, appId, event);
  }

  /** The `url_verification` challenge Slack sends when an app saves its Request URL. */
  urlVerification(appId: string, challenge?: string): { token: string; challenge: string; type: 'url_verification' } {
    return this.uninstalls.urlVerification(appId, challenge);
  }

  /** POSTs `body` to the app's Request URL, signed as Slack signs; see Uninstalls.sendEvent. */
  sendEvent(
    appId: string,
    body: object,
    options: { timestamp?: number; signingSecret?: string; retryNum?: number; retryReason?: string } = {},
  ): Promise<{ status: number; body: string }> {
    return this.uninstalls.sendEvent(appId, body, options);
  }

  /** Uninstalls an app from a workspace (T…) or an org (E…), as Slack does; see Uninstalls.uninstall. */
  uninstall(
    teamId: string,
    appId: string,
    options: { order?: UninstallOrder; repeat?: boolean } = {},
  ): Promise<Delivery[]> {
    return this.uninstalls.uninstall(teamId, appId, options);
  }

  /** Revokes some of an installation's tokens and delivers only `tokens_revoked`; see Uninstalls.revokeTokens. */
  revokeTokens(teamId: string, appId: string, options: { bot?: boolean; userIds?: string[] }): Promise<Delivery[]> {
    return this.uninstalls.revokeTokens(teamId, appId, options);
  }

  /** Newest first: what uninstalls, kills, removals and archives did, with their event deliveries. */
  activity(): ActivityEntry[] {
    return this.log.entries();
  }

  recordMessage(webhook: WebhookInfo, text: string, payload: Record<string, unknown>): ReceivedMessage {
    return this.hooks.recordMessage(webhook, text, payload);
  }

  /** Received messages, oldest first, optionally for one channel. */
  messages(channelId?: string): ReceivedMessage[] {
    return this.hooks.messages(channelId);
  }

  /** Queues a fault for the next `times` requests to `method`; queued faults play in order. Throws on an invalid fault. */
  failNext(method: FaultMethod, fault: Fault, times = 1): void {
    this.faults.add(method, fault, times);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Faults still queued, grouped by method, each group in the order it will play. */
  pendingFaults(): Array<{ method: FaultMethod; fault: Fault; times: number }> {
    return this.faults.pending();
  }

  /** The fault the next request to `method` must play, if any (used up as it is taken). */
  takeFault(method: FaultMethod): Fault | undefined {
    return this.faults.take(method);
  }
}
