import {
  eventCallback as buildEventCallback,
  EventDeliveryError,
  postEvent,
  urlVerification as buildUrlVerification,
} from './events.js';
import { checkFault, checkTimes, FAULT_METHODS, type Fault, type FaultMethod } from './faults.js';
import { authorizationCode, botToken, randomId, randomString, safeEqual, webhookSecret } from './random.js';

/** A Slack app registered with the emulator (what Slack's App Management page would hold). */
export interface EmulatorApp {
  clientId: string;
  clientSecret: string;
  appId: string;
  name: string;
  /** Configured Redirect URLs; when given, redirect_uri must match one or be below it, like Slack. */
  redirectUrls?: string[];
  /** Signs event deliveries (Basic Information → Signing Secret); 32 random hex characters when left out. */
  signingSecret?: string;
  /** Event Subscriptions → Request URL; no events are delivered until it is set (see setEventsUrl). */
  eventsUrl?: string;
  /** The legacy Verification Token Slack still puts in every envelope's `token`; random when left out. */
  verificationToken?: string;
}

/** An app as the emulator holds it, with its secrets filled in. */
export type ConfiguredApp = EmulatorApp & { signingSecret: string; verificationToken: string };

export interface EmulatorOptions {
  apps: EmulatorApp[];
  /** Base URL browsers use to reach the emulator root, e.g. `http://localhost:3000/_emulator`. */
  publicUrl: string;
  /** Clock in milliseconds, replaceable so tests can expire codes. */
  now?: () => number;
}

export interface Channel {
  id: string;
  name: string;
  /** Set once archived: its webhooks answer 410 channel_is_archived and consent no longer offers it. */
  archived?: boolean;
}

export interface Workspace {
  id: string;
  name: string;
  domain: string;
  /** The user who is "signed in" and approves installs. */
  userId: string;
  channels: Channel[];
}

export interface WebhookInfo {
  teamId: string;
  serviceId: string;
  channelId: string;
  channelName: string;
  url: string;
  /** True while a message posted to it would be delivered. */
  active: boolean;
  /** What it answers instead when it is dead (killed, removed by uninstall, or its channel archived). */
  error: WebhookError | undefined;
  appId: string;
  createdAt: Date;
}

/** Slack's HTTP status for each body a dead webhook can answer with (its webhook docs and 2016 changelog). */
export const WEBHOOK_ERRORS = {
  no_service: 404,
  channel_not_found: 404,
  channel_is_archived: 410,
  invalid_token: 403,
  action_prohibited: 403,
} as const;
export type WebhookError = keyof typeof WEBHOOK_ERRORS;

export function isWebhookError(value: unknown): value is WebhookError {
  return typeof value === 'string' && Object.hasOwn(WEBHOOK_ERRORS, value);
}

export const UNINSTALL_ORDERS = ['uninstalled-first', 'revoked-first'] as const;
export type UninstallOrder = (typeof UNINSTALL_ORDERS)[number];

/** One event delivery: the app's HTTP status, or 0 with the reason when it got no answer. */
export interface Delivery {
  type: string;
  status: number;
  /** True for Slack's redelivery of the same event (same event_id, X-Slack-Retry-Num: 1). */
  retry: boolean;
  error?: 'no_events_url' | 'http_timeout' | 'connection_failed';
}

/** A line on the home page's "What happened" list. */
export interface ActivityEntry {
  at: Date;
  text: string;
  deliveries: Delivery[];
}

/** Bad input to an emulator action; `code` is Slack-style, and routes answer 404 for unknown_* and not_installed, else 400. */
export class EmulatorError extends Error {
  override name = 'EmulatorError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  get status(): 400 | 404 {
    return this.code.startsWith('unknown_') || this.code === 'not_installed' ? 404 : 400;
  }
}

export interface ReceivedMessage {
  teamId: string;
  channelId: string;
  channelName: string;
  text: string;
  receivedAt: Date;
  payload: Record<string, unknown>;
}

/** What a code stands for, remembered from the consent page until the code is exchanged. */
export interface CodeGrant {
  clientId: string;
  /** redirect_uri exactly as sent to /oauth/v2/authorize, or undefined when none was sent. */
  redirectUri: string | undefined;
  teamId: string;
  /** An existing channel id, or the name of a channel to create; undefined without incoming-webhook. */
  channel: { id: string } | { newName: string } | undefined;
  scopes: string[];
  userId: string;
  expiresAt: number;
}

export interface BotInstall {
  teamId: string;
  appId: string;
  token: string;
  botUserId: string;
  botId: string;
  /** The bot user's name, as auth.test reports it. */
  botName: string;
  /** Scopes add up across installs, as on Slack. */
  scopes: string[];
}

interface StoredWebhook extends Omit<WebhookInfo, 'active' | 'error'> {
  secret: string;
  killed: WebhookError | undefined;
}

interface StoredBot extends BotInstall {
  /** Users who installed the app and still hold a token; tokens_revoked lists them under `oauth`. */
  installers: string[];
  revoked: boolean;
}

export const CODE_TTL_MS = 10 * 60 * 1000;
export const MAX_CHANNEL_NAME = 80;
// Caps keep a public demo from growing memory without bound.
const MAX_MESSAGES = 200;
const MAX_PENDING_CODES = 1000;
const MAX_WEBHOOKS = 1000;
const MAX_QUEUED_FAULTS = 100;
const MAX_REVOKED_TOKENS = 1000;
const MAX_ACTIVITY = 50;
export const MAX_CHANNELS_PER_WORKSPACE = 50;

const SEED_WORKSPACES: Workspace[] = [
  {
    id: 'T0ACME0001',
    name: 'Acme Corp',
    domain: 'acme-corp',
    userId: 'U0ACME0001',
    channels: [
      { id: 'C0ACME0001', name: 'general' },
      { id: 'C0ACME0002', name: 'alerts' },
      { id: 'C0ACME0003', name: 'deploys' },
      { id: 'C0ACME0004', name: 'random' },
    ],
  },
  {
    id: 'T0GLOBEX01',
    name: 'Globex',
    domain: 'globex',
    userId: 'U0GLOBEX01',
    channels: [
      { id: 'C0GLOBEX01', name: 'general' },
      { id: 'C0GLOBEX02', name: 'alerts' },
      { id: 'C0GLOBEX03', name: 'deploys' },
    ],
  },
  {
    // Workspace names are free text on Slack, so this one exists to test the main app's escaping.
    id: 'T0SCRIPT01',
    name: '<script>alert("ws")</script> & Co',
    domain: 'script-co',
    userId: 'U0SCRIPT01',
    channels: [
      { id: 'C0SCRIPT01', name: 'general' },
      { id: 'C0SCRIPT02', name: 'alerts' },
      { id: 'C0SCRIPT03', name: 'deploys' },
    ],
  },
];

/** In-memory state of the fake Slack: workspaces, apps, codes, bot tokens, webhooks, messages. */
export class SlackEmulator {
  private base = '';
  private readonly now: () => number;
  private readonly apps = new Map<string, ConfiguredApp>();
  private readonly teams = new Map<string, Workspace>();
  private readonly codes = new Map<string, CodeGrant>();
  private readonly bots = new Map<string, StoredBot>();
  /** Tokens of uninstalled bots, so auth.test can answer token_revoked rather than invalid_auth. */
  private readonly revokedTokens: string[] = [];
  private readonly log: ActivityEntry[] = [];
  private readonly hooks = new Map<string, StoredWebhook>();
  private readonly received: ReceivedMessage[] = [];
  private readonly faults = new Map<FaultMethod, Array<{ fault: Fault; times: number }>>();

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
    for (const app of options.apps) {
      if (!app.clientId || !app.clientSecret || !app.appId)
        throw new Error('emulator app needs clientId, clientSecret and appId');
      if (this.apps.has(app.clientId)) throw new Error(`duplicate emulator app client id ${app.clientId}`);
      if (this.appById(app.appId)) throw new Error(`duplicate emulator app id ${app.appId}`);
      if (app.signingSecret === '') throw new Error('emulator app signingSecret must not be empty');
      if (app.eventsUrl !== undefined) checkEventsUrl(app.eventsUrl);
      this.apps.set(app.clientId, {
        ...app,
        signingSecret: app.signingSecret ?? randomString(32, '0123456789abcdef'),
        verificationToken: app.verificationToken ?? randomString(24),
      });
    }
    for (const ws of SEED_WORKSPACES) this.teams.set(ws.id, structuredClone(ws));
  }

  workspaces(): Workspace[] {
    return [...this.teams.values()].map((ws) => structuredClone(ws));
  }

  workspace(teamId: string): Workspace | undefined {
    const ws = this.teams.get(teamId);
    return ws && structuredClone(ws);
  }

  app(clientId: string): ConfiguredApp | undefined {
    return this.apps.get(clientId);
  }

  /** The app with this app id (A…), or with this client id. */
  appById(id: string): ConfiguredApp | undefined {
    return this.apps.get(id) ?? [...this.apps.values()].find((app) => app.appId === id);
  }

  /** Sets (or with undefined clears) an app's Request URL; settable late since tests learn ports after listen(). */
  setEventsUrl(id: string, url: string | undefined): void {
    const app = this.appById(id);
    if (!app) throw new EmulatorError('unknown_app', `no app with id ${id}`);
    if (url !== undefined) checkEventsUrl(url);
    app.eventsUrl = url;
  }

  issueCode(grant: Omit<CodeGrant, 'expiresAt'>): string {
    const now = this.now();
    for (const [code, old] of this.codes) if (old.expiresAt <= now) this.codes.delete(code);
    while (this.codes.size >= MAX_PENDING_CODES) this.codes.delete(this.codes.keys().next().value as string);
    const code = authorizationCode();
    this.codes.set(code, { ...grant, scopes: [...grant.scopes], expiresAt: now + CODE_TTL_MS });
    return code;
  }

  /** Removes the code (codes are single-use) and returns its grant if it had not expired. */
  takeCode(code: string): CodeGrant | undefined {
    const grant = this.codes.get(code);
    this.codes.delete(code);
    return grant && grant.expiresAt > this.now() ? grant : undefined;
  }

  /** Carries out an approved install: bot token (stable per team and app), channel, and a new webhook. */
  install(
    grant: CodeGrant,
    app: EmulatorApp,
  ): { bot: BotInstall; webhook: WebhookInfo | undefined } | { error: string } {
    const team = this.teams.get(grant.teamId);
    if (!team) return { error: 'invalid_code' };
    let channel: Channel | undefined;
    if (grant.channel) {
      channel =
        'id' in grant.channel
          ? this.findChannel(team, grant.channel.id)
          : this.ensureChannel(team, grant.channel.newName);
      if (!channel) return { error: 'invalid_code' };
    }
    const key = `${team.id}:${app.appId}`;
    let bot = this.bots.get(key);
    if (!bot) {
      const botName =
        app.name
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .replace(/^-|-$/g, '') || 'bot';
      bot = {
        teamId: team.id,
        appId: app.appId,
        token: botToken(),
        botUserId: randomId('U'),
        botId: randomId('B'),
        botName,
        scopes: [],
        installers: [],
        revoked: false,
      };
      this.bots.set(key, bot);
    } else if (bot.revoked) {
      // A reinstall after revocation is a fresh install: new token, scopes start over; the bot user stays.
      Object.assign(bot, { token: botToken(), scopes: [], revoked: false });
    }
    for (const scope of grant.scopes) if (!bot.scopes.includes(scope)) bot.scopes.push(scope);
    if (!bot.installers.includes(grant.userId)) bot.installers.push(grant.userId);
    let webhook: WebhookInfo | undefined;
    if (channel) {
      const serviceId = randomId('B');
      const secret = webhookSecret();
      const stored: StoredWebhook = {
        teamId: team.id,
        serviceId,
        channelId: channel.id,
        channelName: channel.name,
        url: `${this.publicUrl}/services/${team.id}/${serviceId}/${secret}`,
        appId: app.appId,
        createdAt: new Date(this.now()),
        secret,
        killed: undefined,
      };
      this.hooks.set(serviceId, stored);
      // Past the cap the oldest webhook is dropped and answers no_service, as if its user had removed it.
      if (this.hooks.size > MAX_WEBHOOKS) this.hooks.delete(this.hooks.keys().next().value as string);
      webhook = this.publicWebhook(stored);
    }
    return { bot: publicBot(bot), webhook };
  }

  /** The live bot holding this token; revoked tokens find nothing (see isRevokedToken). */
  botByToken(token: string): BotInstall | undefined {
    for (const bot of this.bots.values()) if (!bot.revoked && safeEqual(bot.token, token)) return publicBot(bot);
    return undefined;
  }

  /** True for a bot token taken away by uninstall or revokeTokens: auth.test answers token_revoked. */
  isRevokedToken(token: string): boolean {
    return this.revokedTokens.some((revoked) => safeEqual(revoked, token));
  }

  /** Apps installed in a workspace (a bot or installer token still alive), for the home page's Uninstall buttons. */
  installedApps(teamId: string): ConfiguredApp[] {
    return [...this.bots.values()]
      .filter((bot) => bot.teamId === teamId && (!bot.revoked || bot.installers.length > 0))
      .flatMap((bot) => this.appById(bot.appId) ?? []);
  }

  /** Looks a webhook up by its URL parts: Slack's error code when there is no such webhook, else its info (dead or not). */
  findWebhook(teamId: string, serviceId: string, secret: string): WebhookInfo | 'no_team' | 'no_service' {
    if (!this.teams.has(teamId)) return 'no_team';
    const hook = this.hooks.get(serviceId);
    if (!hook || hook.teamId !== teamId || !safeEqual(hook.secret, secret)) return 'no_service';
    return this.publicWebhook(hook);
  }

  webhookByServiceId(serviceId: string): WebhookInfo | undefined {
    const hook = this.hooks.get(serviceId);
    return hook && this.publicWebhook(hook);
  }

  webhooks(): WebhookInfo[] {
    return [...this.hooks.values()].map((hook) => this.publicWebhook(hook));
  }

  /** Kills the webhook whose URL ends in /services/T…/B…/secret; it then answers `reason` with Slack's status. */
  killWebhook(url: string, reason: WebhookError = 'no_service'): boolean {
    if (!isWebhookError(reason)) throw new TypeError(`reason must be one of ${Object.keys(WEBHOOK_ERRORS).join(', ')}`);
    const match = /\/services\/([^/]+)\/([^/]+)\/([^/?#]+)\/?(?:[?#].*)?$/.exec(url);
    if (!match) return false;
    const hook = this.hooks.get(match[2]!);
    if (!hook || hook.teamId !== match[1] || !safeEqual(hook.secret, match[3]!)) return false;
    hook.killed = reason;
    this.record(
      `Webhook ${hook.serviceId} (#${hook.channelName}) killed: it answers ${WEBHOOK_ERRORS[reason]} ${reason}.`,
    );
    return true;
  }

  /** What a user's "Remove" in Slack does: the webhook answers 404 no_service. False for an unknown service id. */
  removeWebhook(serviceId: string): boolean {
    const hook = this.hooks.get(serviceId);
    if (!hook) return false;
    hook.killed = 'no_service';
    this.record(`Webhook ${hook.serviceId} (#${hook.channelName}) removed: it answers 404 no_service.`);
    return true;
  }

  /** Archives a channel of any workspace: its webhooks answer 410 channel_is_archived. False for an unknown channel. */
  archiveChannel(channelId: string): boolean {
    for (const team of this.teams.values()) {
      const channel = team.channels.find((c) => c.id === channelId);
      if (!channel) continue;
      channel.archived = true;
      this.record(
        `Channel #${channel.name} (${channel.id}) in ${team.name} archived: its webhooks answer 410 channel_is_archived.`,
      );
      return true;
    }
    return false;
  }

  /** An `event_callback` envelope from this app in this workspace, with the app's Verification Token. */
  eventCallback(
    teamId: string,
    appId: string,
    event: Record<string, unknown>,
    options: { enterpriseId?: string; isEnterpriseInstall?: boolean } = {},
  ): Record<string, unknown> {
    const app = this.requireApp(appId);
    return buildEventCallback({
      token: app.verificationToken,
      teamId,
      appId: app.appId,
      event,
      eventTime: Math.floor(this.now() / 1000),
      ...options,
    });
  }

  /** The `url_verification` challenge Slack sends when an app saves its Request URL. */
  urlVerification(appId: string, challenge?: string): { token: string; challenge: string; type: 'url_verification' } {
    return buildUrlVerification(this.requireApp(appId).verificationToken, challenge);
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
    const app = this.requireApp(appId);
    if (app.eventsUrl === undefined)
      throw new EmulatorError('no_events_url', `app ${app.appId} has no events URL; set one with setEventsUrl`);
    const { timestamp = Math.floor(this.now() / 1000), signingSecret = app.signingSecret, ...retry } = options;
    return postEvent(app.eventsUrl, signingSecret, body, { timestamp, ...retry });
  }

  /**
   * Uninstalls an app from a workspace as Slack does: the bot token is revoked (auth.test: token_revoked), every webhook
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
    const removed = this.revokeBot(bot);
    const revoked = this.eventCallback(team.id, app.appId, { type: 'tokens_revoked', tokens });
    const uninstalled = this.eventCallback(team.id, app.appId, { type: 'app_uninstalled' });
    const events = order === 'revoked-first' ? [revoked, uninstalled] : [uninstalled, revoked];
    const deliveries = await this.deliver(app, options.repeat ? [...events, ...events] : events, events.length);
    this.record(
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
    const removed = options.bot ? this.revokeBot(bot) : 0;
    const event = { type: 'tokens_revoked', tokens: { oauth: userIds, bot: options.bot ? [bot.botUserId] : [] } };
    const deliveries = await this.deliver(app, [this.eventCallback(team.id, app.appId, event)], 1);
    this.record(
      `Revoked tokens of ${app.name} (${app.appId}) in ${team.name} (${team.id}): ${removed} webhook(s) now answer 404 no_service.`,
      deliveries,
    );
    return deliveries;
  }

  /** Newest first: what uninstalls, kills, removals and archives did, with their event deliveries. */
  activity(): ActivityEntry[] {
    return this.log.map((entry) => ({ ...entry, deliveries: entry.deliveries.map((d) => ({ ...d })) })).reverse();
  }

  recordMessage(webhook: WebhookInfo, text: string, payload: Record<string, unknown>): ReceivedMessage {
    const message: ReceivedMessage = {
      teamId: webhook.teamId,
      channelId: webhook.channelId,
      channelName: webhook.channelName,
      text,
      receivedAt: new Date(this.now()),
      payload,
    };
    this.received.push(message);
    if (this.received.length > MAX_MESSAGES) this.received.splice(0, this.received.length - MAX_MESSAGES);
    return message;
  }

  /** Received messages, oldest first, optionally for one channel. */
  messages(channelId?: string): ReceivedMessage[] {
    return this.received.filter((m) => channelId === undefined || m.channelId === channelId).map((m) => ({ ...m }));
  }

  /** Queues a fault for the next `times` requests to `method`; queued faults play in order. Throws on an invalid fault. */
  failNext(method: FaultMethod, fault: Fault, times = 1): void {
    if (!(FAULT_METHODS as readonly string[]).includes(method))
      throw new TypeError(`method must be one of ${FAULT_METHODS.join(', ')}`);
    const checked = checkFault(fault);
    const count = checkTimes(times);
    if (typeof checked === 'string') throw new TypeError(checked);
    if (typeof count === 'string') throw new TypeError(count);
    const queue = this.faults.get(method) ?? [];
    if (queue.length >= MAX_QUEUED_FAULTS)
      throw new RangeError(`at most ${MAX_QUEUED_FAULTS} faults can be queued per method`);
    queue.push({ fault: checked, times: count });
    this.faults.set(method, queue);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Faults still queued, grouped by method, each group in the order it will play. */
  pendingFaults(): Array<{ method: FaultMethod; fault: Fault; times: number }> {
    return [...this.faults].flatMap(([method, queue]) =>
      queue.map((q) => ({ method, fault: structuredClone(q.fault), times: q.times })),
    );
  }

  /** The fault the next request to `method` must play, if any (used up as it is taken). */
  takeFault(method: FaultMethod): Fault | undefined {
    const queue = this.faults.get(method);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    if (--head.times === 0) queue.shift();
    return structuredClone(head.fault);
  }

  private findChannel(team: Workspace, channelId: string): Channel | undefined {
    return team.channels.find((c) => c.id === channelId && !c.archived);
  }

  /** Creates a channel typed at consent; a name that already exists means that channel, unless archived. */
  private ensureChannel(team: Workspace, name: string): Channel | undefined {
    const existing = team.channels.find((c) => c.name === name);
    if (existing) return existing.archived ? undefined : existing;
    if (team.channels.length >= MAX_CHANNELS_PER_WORKSPACE) return undefined;
    const channel = { id: randomId('C'), name };
    team.channels.push(channel);
    return channel;
  }

  private requireApp(appId: string): ConfiguredApp {
    const app = this.appById(appId);
    if (!app) throw new EmulatorError('unknown_app', `no app with id ${appId}`);
    return app;
  }

  /** The installation of an app in a workspace that still holds a token, or an EmulatorError saying why not. */
  private requireInstall(teamId: string, appId: string): { team: Workspace; app: ConfiguredApp; bot: StoredBot } {
    const team = this.teams.get(teamId);
    if (!team) throw new EmulatorError('unknown_team', `no workspace with id ${teamId}`);
    const app = this.requireApp(appId);
    const bot = this.bots.get(`${team.id}:${app.appId}`);
    if (!bot || (bot.revoked && bot.installers.length === 0))
      throw new EmulatorError('not_installed', `${app.name} is not installed in ${team.name}`);
    return { team, app, bot };
  }

  /** Revokes a bot token; as on Slack, that removes the webhooks the app made in that workspace. Returns how many. */
  private revokeBot(bot: StoredBot): number {
    if (!bot.revoked) {
      bot.revoked = true;
      this.revokedTokens.push(bot.token);
      if (this.revokedTokens.length > MAX_REVOKED_TOKENS) this.revokedTokens.shift();
    }
    let removed = 0;
    for (const hook of this.hooks.values()) {
      if (hook.teamId !== bot.teamId || hook.appId !== bot.appId || hook.killed === 'no_service') continue;
      hook.killed = 'no_service';
      removed++;
    }
    return removed;
  }

  /** Delivers events one after another; entries from index `firstRetry` on are redeliveries of earlier ones. */
  private async deliver(
    app: ConfiguredApp,
    bodies: Array<Record<string, unknown>>,
    firstRetry: number,
  ): Promise<Delivery[]> {
    const deliveries: Delivery[] = [];
    for (const [index, body] of bodies.entries()) {
      const retry = index >= firstRetry;
      const type = String((body.event as { type?: unknown } | undefined)?.type ?? body.type);
      if (app.eventsUrl === undefined) {
        deliveries.push({ type, status: 0, retry, error: 'no_events_url' });
        continue;
      }
      try {
        const answer = await this.sendEvent(app.appId, body, retry ? { retryNum: 1 } : {});
        deliveries.push({ type, status: answer.status, retry });
      } catch (error) {
        if (!(error instanceof EventDeliveryError)) throw error;
        deliveries.push({ type, status: 0, retry, error: error.reason });
      }
    }
    return deliveries;
  }

  private record(text: string, deliveries: Delivery[] = []): void {
    this.log.push({ at: new Date(this.now()), text, deliveries });
    if (this.log.length > MAX_ACTIVITY) this.log.splice(0, this.log.length - MAX_ACTIVITY);
  }

  private publicWebhook(hook: StoredWebhook): WebhookInfo {
    const { secret: _secret, killed, ...info } = hook;
    const archived = this.teams.get(hook.teamId)?.channels.find((c) => c.id === hook.channelId)?.archived;
    const error = killed ?? (archived ? 'channel_is_archived' : undefined);
    return { ...info, active: error === undefined, error, createdAt: new Date(info.createdAt) };
  }
}

function publicBot(bot: StoredBot): BotInstall {
  const { installers: _installers, revoked: _revoked, ...info } = bot;
  return { ...info, scopes: [...info.scopes] };
}

/** A Request URL must be an absolute http(s) URL, as Slack requires (Slack also insists on https; tests use http). */
function checkEventsUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`events URL ${url} is not a valid URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new TypeError('events URL must use http or https');
}
