import { checkFault, checkTimes, FAULT_METHODS, type Fault, type FaultMethod } from './faults.js';
import { authorizationCode, botToken, randomId, safeEqual, webhookSecret } from './random.js';

/** A Slack app registered with the emulator (what Slack's App Management page would hold). */
export interface EmulatorApp {
  clientId: string;
  clientSecret: string;
  appId: string;
  name: string;
  /** Configured Redirect URLs; when given, redirect_uri must match one or be below it, like Slack. */
  redirectUrls?: string[];
}

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
  active: boolean;
  appId: string;
  createdAt: Date;
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

interface StoredWebhook extends WebhookInfo {
  secret: string;
}

export const CODE_TTL_MS = 10 * 60 * 1000;
export const MAX_CHANNEL_NAME = 80;
// Caps keep a public demo from growing memory without bound.
const MAX_MESSAGES = 200;
const MAX_PENDING_CODES = 1000;
const MAX_WEBHOOKS = 1000;
const MAX_QUEUED_FAULTS = 100;
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
  private readonly apps = new Map<string, EmulatorApp>();
  private readonly teams = new Map<string, Workspace>();
  private readonly codes = new Map<string, CodeGrant>();
  private readonly bots = new Map<string, BotInstall>();
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
      if (!app.clientId || !app.clientSecret || !app.appId) throw new Error('emulator app needs clientId, clientSecret and appId');
      if (this.apps.has(app.clientId)) throw new Error(`duplicate emulator app client id ${app.clientId}`);
      this.apps.set(app.clientId, { ...app });
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

  app(clientId: string): EmulatorApp | undefined {
    return this.apps.get(clientId);
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
  install(grant: CodeGrant, app: EmulatorApp): { bot: BotInstall; webhook: WebhookInfo | undefined } | { error: string } {
    const team = this.teams.get(grant.teamId);
    if (!team) return { error: 'invalid_code' };
    let channel: Channel | undefined;
    if (grant.channel) {
      channel = 'id' in grant.channel ? this.findChannel(team, grant.channel.id) : this.ensureChannel(team, grant.channel.newName);
      if (!channel) return { error: 'invalid_code' };
    }
    const key = `${team.id}:${app.appId}`;
    let bot = this.bots.get(key);
    if (!bot) {
      const botName = app.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'bot';
      bot = { teamId: team.id, appId: app.appId, token: botToken(), botUserId: randomId('U'), botId: randomId('B'), botName, scopes: [] };
      this.bots.set(key, bot);
    }
    for (const scope of grant.scopes) if (!bot.scopes.includes(scope)) bot.scopes.push(scope);
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
        active: true,
        appId: app.appId,
        createdAt: new Date(this.now()),
        secret,
      };
      this.hooks.set(serviceId, stored);
      // Past the cap the oldest webhook is dropped and answers no_service, as if its user had removed it.
      if (this.hooks.size > MAX_WEBHOOKS) this.hooks.delete(this.hooks.keys().next().value as string);
      webhook = publicWebhook(stored);
    }
    return { bot: { ...bot, scopes: [...bot.scopes] }, webhook };
  }

  botByToken(token: string): BotInstall | undefined {
    for (const bot of this.bots.values()) if (safeEqual(bot.token, token)) return { ...bot, scopes: [...bot.scopes] };
    return undefined;
  }

  /** Looks a webhook up by its URL parts, answering with Slack's error code when it does not exist. */
  findWebhook(teamId: string, serviceId: string, secret: string): WebhookInfo | 'no_team' | 'no_service' {
    if (!this.teams.has(teamId)) return 'no_team';
    const hook = this.hooks.get(serviceId);
    if (!hook || hook.teamId !== teamId || !hook.active || !safeEqual(hook.secret, secret)) return 'no_service';
    return publicWebhook(hook);
  }

  webhookByServiceId(serviceId: string): WebhookInfo | undefined {
    const hook = this.hooks.get(serviceId);
    return hook && publicWebhook(hook);
  }

  webhooks(): WebhookInfo[] {
    return [...this.hooks.values()].map(publicWebhook);
  }

  /** Revokes the webhook whose URL ends in /services/T…/B…/secret; it then answers 404 no_service. */
  killWebhook(url: string): boolean {
    const match = /\/services\/([^/]+)\/([^/]+)\/([^/?#]+)\/?(?:[?#].*)?$/.exec(url);
    if (!match) return false;
    const hook = this.hooks.get(match[2]!);
    if (!hook || hook.teamId !== match[1] || !safeEqual(hook.secret, match[3]!)) return false;
    hook.active = false;
    return true;
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
    if (!(FAULT_METHODS as readonly string[]).includes(method)) throw new TypeError(`method must be one of ${FAULT_METHODS.join(', ')}`);
    const checked = checkFault(fault);
    const count = checkTimes(times);
    if (typeof checked === 'string') throw new TypeError(checked);
    if (typeof count === 'string') throw new TypeError(count);
    const queue = this.faults.get(method) ?? [];
    if (queue.length >= MAX_QUEUED_FAULTS) throw new RangeError(`at most ${MAX_QUEUED_FAULTS} faults can be queued per method`);
    queue.push({ fault: checked, times: count });
    this.faults.set(method, queue);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Faults still queued, grouped by method, each group in the order it will play. */
  pendingFaults(): Array<{ method: FaultMethod; fault: Fault; times: number }> {
    return [...this.faults].flatMap(([method, queue]) => queue.map((q) => ({ method, fault: structuredClone(q.fault), times: q.times })));
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
    return team.channels.find((c) => c.id === channelId);
  }

  /** Creates a channel typed at consent; a name that already exists means that channel. */
  private ensureChannel(team: Workspace, name: string): Channel | undefined {
    const existing = team.channels.find((c) => c.name === name);
    if (existing) return existing;
    if (team.channels.length >= MAX_CHANNELS_PER_WORKSPACE) return undefined;
    const channel = { id: randomId('C'), name };
    team.channels.push(channel);
    return channel;
  }
}

function publicWebhook(hook: StoredWebhook): WebhookInfo {
  const { secret: _secret, ...info } = hook;
  return { ...info, createdAt: new Date(info.createdAt) };
}
