import type { EmulatorApp } from './apps.js';
import { authorizationCode, botToken, randomId, safeEqual } from './random.js';
import type { ChannelChoice } from './workspaces.js';

/** What a code stands for, remembered from the consent page until the code is exchanged. */
export interface CodeGrant {
  clientId: string;
  /** redirect_uri exactly as sent to /oauth/v2/authorize, or undefined when none was sent. */
  redirectUri: string | undefined;
  teamId: string;
  /** An existing channel id, or the name of a channel to create; undefined without incoming-webhook. */
  channel: ChannelChoice | undefined;
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

/** A bot as the emulator holds it; uninstall and revokeTokens change `installers` and `revoked`. */
export interface StoredBot extends BotInstall {
  /** Users who installed the app and still hold a token; tokens_revoked lists them under `oauth`. */
  installers: string[];
  revoked: boolean;
}

export const CODE_TTL_MS = 10 * 60 * 1000;
// Caps keep a public demo from growing memory without bound.
const MAX_PENDING_CODES = 1000;
const MAX_REVOKED_TOKENS = 1000;

/** Authorization codes handed out by consent, single-use and valid for CODE_TTL_MS. */
export class AuthorizationCodes {
  private readonly codes = new Map<string, CodeGrant>();

  constructor(private readonly now: () => number) {}

  issue(grant: Omit<CodeGrant, 'expiresAt'>): string {
    const now = this.now();
    for (const [code, old] of this.codes) if (old.expiresAt <= now) this.codes.delete(code);
    while (this.codes.size >= MAX_PENDING_CODES) this.codes.delete(this.codes.keys().next().value as string);
    const code = authorizationCode();
    this.codes.set(code, { ...grant, scopes: [...grant.scopes], expiresAt: now + CODE_TTL_MS });
    return code;
  }

  /** Removes the code (codes are single-use) and returns its grant if it had not expired. */
  take(code: string): CodeGrant | undefined {
    const grant = this.codes.get(code);
    this.codes.delete(code);
    return grant && grant.expiresAt > this.now() ? grant : undefined;
  }
}

/** Bot tokens, one per workspace and app, and the installers who hold user tokens beside it. */
export class BotTokens {
  private readonly bots = new Map<string, StoredBot>();
  /** Tokens of uninstalled bots, so auth.test can answer token_revoked rather than invalid_auth. */
  private readonly revokedTokens: string[] = [];

  /** The bot of an approved install: stable per team and app, new after a revocation; scopes add up. */
  grant(teamId: string, app: EmulatorApp, scopes: string[], userId: string): BotInstall {
    const key = `${teamId}:${app.appId}`;
    let bot = this.bots.get(key);
    if (!bot) {
      bot = {
        teamId,
        appId: app.appId,
        token: botToken(),
        botUserId: randomId('U'),
        botId: randomId('B'),
        botName: botName(app.name),
        scopes: [],
        installers: [],
        revoked: false,
      };
      this.bots.set(key, bot);
    } else if (bot.revoked) {
      // A reinstall after revocation is a fresh install: new token, scopes start over; the bot user stays.
      Object.assign(bot, { token: botToken(), scopes: [], revoked: false });
    }
    for (const scope of scopes) if (!bot.scopes.includes(scope)) bot.scopes.push(scope);
    if (!bot.installers.includes(userId)) bot.installers.push(userId);
    return publicBot(bot);
  }

  /** The live bot holding this token; revoked tokens find nothing (see isRevoked). */
  byToken(token: string): BotInstall | undefined {
    for (const bot of this.bots.values()) if (!bot.revoked && safeEqual(bot.token, token)) return publicBot(bot);
    return undefined;
  }

  /** True for a bot token taken away by uninstall or revokeTokens: auth.test answers token_revoked. */
  isRevoked(token: string): boolean {
    return this.revokedTokens.some((revoked) => safeEqual(revoked, token));
  }

  /** The app ids installed in a workspace: a bot or installer token still alive. */
  installedAppIds(teamId: string): string[] {
    return [...this.bots.values()].filter((bot) => bot.teamId === teamId && holdsToken(bot)).map((bot) => bot.appId);
  }

  /** The installation of an app in a workspace while it still holds a token. */
  installation(teamId: string, appId: string): StoredBot | undefined {
    const bot = this.bots.get(`${teamId}:${appId}`);
    return bot && holdsToken(bot) ? bot : undefined;
  }

  /** Revokes a bot token (once); auth.test then answers token_revoked for it. */
  revoke(bot: StoredBot): void {
    if (bot.revoked) return;
    bot.revoked = true;
    this.revokedTokens.push(bot.token);
    if (this.revokedTokens.length > MAX_REVOKED_TOKENS) this.revokedTokens.shift();
  }
}

function holdsToken(bot: StoredBot): boolean {
  return !bot.revoked || bot.installers.length > 0;
}

function botName(appName: string): string {
  return (
    appName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'bot'
  );
}

function publicBot(bot: StoredBot): BotInstall {
  const { installers: _installers, revoked: _revoked, ...info } = bot;
  return { ...info, scopes: [...info.scopes] };
}
