import { randomId, safeEqual, webhookSecret } from './random.js';
import type { Channel } from './workspaces.js';

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

export interface ReceivedMessage {
  teamId: string;
  channelId: string;
  channelName: string;
  text: string;
  receivedAt: Date;
  payload: Record<string, unknown>;
}

interface StoredWebhook extends Omit<WebhookInfo, 'active' | 'error'> {
  /** The install whose bot token keeps the webhook alive: a workspace's, or an org-wide one (see BotTokens). */
  installKey: string;
  secret: string;
  killed: WebhookError | undefined;
}

// Caps keep a public demo from growing memory without bound.
export const MAX_WEBHOOKS = 1000;
const MAX_MESSAGES = 200;

/** Incoming webhooks (`/services/T…/B…/secret`) and the messages posted to them. */
export class IncomingWebhooks {
  private readonly hooks = new Map<string, StoredWebhook>();
  private readonly received: ReceivedMessage[] = [];

  constructor(
    private readonly now: () => number,
    /** Whether a channel is archived, which makes its webhooks answer 410 channel_is_archived. */
    private readonly isArchived: (teamId: string, channelId: string) => boolean,
    private readonly maxWebhooks = MAX_WEBHOOKS,
  ) {}

  /** A new webhook posting to `channel`, its URL under `baseUrl`, alive while the install `installKey` is. */
  create(baseUrl: string, teamId: string, channel: Channel, appId: string, installKey: string): WebhookInfo {
    const serviceId = randomId('B');
    const secret = webhookSecret();
    const stored: StoredWebhook = {
      installKey,
      teamId,
      serviceId,
      channelId: channel.id,
      channelName: channel.name,
      url: `${baseUrl}/services/${teamId}/${serviceId}/${secret}`,
      appId,
      createdAt: new Date(this.now()),
      secret,
      killed: undefined,
    };
    this.hooks.set(serviceId, stored);
    // Past the cap the oldest webhook is dropped and answers no_service, as if its user had removed it.
    if (this.hooks.size > this.maxWebhooks) this.hooks.delete(this.hooks.keys().next().value as string);
    return this.publicWebhook(stored);
  }

  /** The webhook with these URL parts (dead or not), or undefined when there is none. */
  find(teamId: string, serviceId: string, secret: string): WebhookInfo | undefined {
    const hook = this.lookup(teamId, serviceId, secret);
    return hook && this.publicWebhook(hook);
  }

  byServiceId(serviceId: string): WebhookInfo | undefined {
    const hook = this.hooks.get(serviceId);
    return hook && this.publicWebhook(hook);
  }

  list(): WebhookInfo[] {
    return [...this.hooks.values()].map((hook) => this.publicWebhook(hook));
  }

  /** Makes the webhook with this URL answer `reason`; undefined when the URL names no webhook. */
  kill(url: string, reason: WebhookError): WebhookInfo | undefined {
    const match = /\/services\/([^/]+)\/([^/]+)\/([^/?#]+)\/?(?:[?#].*)?$/.exec(url);
    const hook = match ? this.lookup(match[1]!, match[2]!, match[3]!) : undefined;
    if (!hook) return undefined;
    hook.killed = reason;
    return this.publicWebhook(hook);
  }

  /** What a user's "Remove" in Slack does: the webhook answers 404 no_service. */
  remove(serviceId: string): WebhookInfo | undefined {
    const hook = this.hooks.get(serviceId);
    if (!hook) return undefined;
    hook.killed = 'no_service';
    return this.publicWebhook(hook);
  }

  /** Removes every live webhook an install made (its bot token was revoked). Returns how many. */
  removeAppHooks(installKey: string): number {
    let removed = 0;
    for (const hook of this.hooks.values()) {
      if (hook.installKey !== installKey || hook.killed === 'no_service') continue;
      hook.killed = 'no_service';
      removed++;
    }
    return removed;
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

  private lookup(teamId: string, serviceId: string, secret: string): StoredWebhook | undefined {
    const hook = this.hooks.get(serviceId);
    return hook && hook.teamId === teamId && safeEqual(hook.secret, secret) ? hook : undefined;
  }

  private publicWebhook(hook: StoredWebhook): WebhookInfo {
    const { secret: _secret, killed, ...info } = hook;
    const error = killed ?? (this.isArchived(hook.teamId, hook.channelId) ? 'channel_is_archived' : undefined);
    return { ...info, active: error === undefined, error, createdAt: new Date(info.createdAt) };
  }
}
