import type { EmulatorApp } from './apps.js';
import type { CodeChallenge } from './pkce.js';
import { authorizationCode, botToken, randomId, refreshToken, safeEqual, userToken } from './random.js';
import type { ChannelChoice, Workspace } from './workspaces.js';

/** What a code stands for, remembered from the consent page until the code is exchanged. */
export interface CodeGrant {
  clientId: string;
  /** redirect_uri exactly as sent to /oauth/v2/authorize, or undefined when none was sent. */
  redirectUri: string | undefined;
  teamId: string;
  /** An existing channel id, or the name of a channel to create; undefined without incoming-webhook. */
  channel: ChannelChoice | undefined;
  scopes: string[];
  /** user_scope as asked at authorize: when not empty, the installer gets a user token too. */
  userScopes?: string[];
  userId: string;
  /** An org-wide install: the app goes on the whole org of `teamId`'s workspace (an org admin's choice). */
  orgWide?: boolean;
  /** PKCE: the code_challenge (and method) sent to /oauth/v2/authorize, which the exchange must answer. */
  codeChallenge?: CodeChallenge;
  expiresAt: number;
}

export interface BotInstall {
  /** The workspace the install was approved in (for an org-wide install, one workspace of the org). */
  teamId: string;
  /** The org of a Grid workspace or of an org-wide install. */
  enterpriseId: string | undefined;
  /** True for an org-wide install: one bot for the whole org, `team: null` in oauth.v2.access. */
  orgWide: boolean;
  /** Set for a rotating app: the refresh token and when the access token expires (ms since the epoch). */
  refreshToken: string | undefined;
  expiresAt: number | undefined;
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
  /** User tokens handed out for user_scope, by user id (a reinstall by the same user keeps the token). */
  userTokens: Map<string, { token: string; scopes: string[] }>;
  revoked: boolean;
}

/** A user token handed out with an install that asked for user_scope. */
export interface UserGrant {
  token: string;
  scopes: string[];
}

export const CODE_TTL_MS = 10 * 60 * 1000;
// Caps keep a public demo from growing memory without bound.
const MAX_PENDING_CODES = 1000;
const MAX_REVOKED_TOKENS = 1000;
/** "With token rotation, it expires every 12 hours." (Slack's token rotation docs) */
const DEFAULT_TOKEN_LIFETIME_S = 12 * 60 * 60;

/** Where a bot lives: one per workspace and app, or one per org and app for an org-wide install. */
export function installKey(ownerId: string, appId: string): string {
  return `${ownerId}:${appId}`;
}

/** The key of the install a bot belongs to. */
export function botInstallKey(bot: BotInstall): string {
  return installKey(bot.orgWide ? bot.enterpriseId! : bot.teamId, bot.appId);
}

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

/** Bot tokens, one per workspace (or org, for an org-wide install) and app, and the installers beside them. */
export class BotTokens {
  private readonly bots = new Map<string, StoredBot>();
  /** Tokens of uninstalled bots, so auth.test can answer token_revoked rather than invalid_auth. */
  private readonly revokedTokens: string[] = [];
  private refreshes = 0;

  constructor(private readonly now: () => number) {}

  /**
   * The bot of an approved install: stable per workspace (or org) and app, new after a revocation; scopes add up.
   * A rotating app's token is renewed when it has expired. `user` is the installer's user token, if asked for.
   */
  grant(
    team: Workspace,
    app: EmulatorApp,
    grant: Pick<CodeGrant, 'scopes' | 'userScopes' | 'userId' | 'orgWide'>,
  ): { bot: BotInstall; user: UserGrant | undefined } {
    const orgWide = grant.orgWide === true && team.enterpriseId !== undefined;
    const key = installKey(orgWide ? team.enterpriseId! : team.id, app.appId);
    let bot = this.bots.get(key);
    if (!bot) {
      bot = {
        teamId: team.id,
        enterpriseId: team.enterpriseId,
        orgWide,
        refreshToken: undefined,
        expiresAt: undefined,
        appId: app.appId,
        token: botToken(),
        // Users of a Grid org have W… ids.
        botUserId: randomId(team.enterpriseId === undefined ? 'U' : 'W'),
        botId: randomId('B'),
        botName: botName(app.name),
        scopes: [],
        installers: [],
        userTokens: new Map(),
        revoked: false,
      };
      this.bots.set(key, bot);
    } else if (bot.revoked) {
      // A reinstall after revocation is a fresh install: new token, scopes start over; the bot user stays.
      Object.assign(bot, {
        token: botToken(),
        refreshToken: undefined,
        expiresAt: undefined,
        scopes: [],
        revoked: false,
      });
    }
    if (app.tokenRotation && (bot.refreshToken === undefined || (bot.expiresAt ?? 0) <= this.now()))
      this.rotate(bot, app);
    for (const scope of grant.scopes) if (!bot.scopes.includes(scope)) bot.scopes.push(scope);
    if (!bot.installers.includes(grant.userId)) bot.installers.push(grant.userId);
    let user: UserGrant | undefined;
    if (grant.userScopes?.length) {
      const held = bot.userTokens.get(grant.userId);
      const scopes = [...new Set([...(held?.scopes ?? []), ...grant.userScopes])];
      user = { token: held?.token ?? userToken(), scopes };
      bot.userTokens.set(grant.userId, user);
      user = { ...user, scopes: [...scopes] };
    }
    return { bot: publicBot(bot), user };
  }

  /**
   * `oauth.v2.access` with `grant_type=refresh_token`: the bot whose refresh token this is gets a new pair and the
   * old ones stop working. An unknown, used or revoked refresh token finds nothing (`invalid_refresh_token`).
   */
  refresh(app: EmulatorApp, token: string): BotInstall | undefined {
    for (const bot of this.bots.values()) {
      if (bot.appId !== app.appId || bot.revoked || bot.refreshToken === undefined) continue;
      if (!safeEqual(bot.refreshToken, token)) continue;
      this.rotate(bot, app);
      this.refreshes++;
      return publicBot(bot);
    }
    return undefined;
  }

  /** How many refresh grants succeeded, so tests can see a token was rotated. */
  refreshCount(): number {
    return this.refreshes;
  }

  /** The live bot holding this token; revoked and expired tokens find nothing (see isRevoked, isExpired). */
  byToken(token: string): BotInstall | undefined {
    const bot = this.holding(token);
    return bot && !this.expired(bot) ? publicBot(bot) : undefined;
  }

  /** True for a bot token taken away by uninstall or revokeTokens: auth.test answers token_revoked. */
  isRevoked(token: string): boolean {
    return this.revokedTokens.some((revoked) => safeEqual(revoked, token));
  }

  /** True for a rotating bot token past its expiry: auth.test answers token_expired. */
  isExpired(token: string): boolean {
    const bot = this.holding(token);
    return bot !== undefined && this.expired(bot);
  }

  /** The app ids installed in a workspace itself (not org-wide): a bot or installer token still alive. */
  installedAppIds(teamId: string): string[] {
    return [...this.bots.values()]
      .filter((bot) => !bot.orgWide && bot.teamId === teamId && holdsToken(bot))
      .map((bot) => bot.appId);
  }

  /** The app ids installed org-wide in an org: a bot or installer token still alive. */
  orgInstalledAppIds(enterpriseId: string): string[] {
    return [...this.bots.values()]
      .filter((bot) => bot.orgWide && bot.enterpriseId === enterpriseId && holdsToken(bot))
      .map((bot) => bot.appId);
  }

  /** The installation of an app in a workspace, or org-wide in an org, while it still holds a token. */
  installation(ownerId: string, appId: string): StoredBot | undefined {
    const bot = this.bots.get(installKey(ownerId, appId));
    return bot && holdsToken(bot) ? bot : undefined;
  }

  /** Revokes a bot token (once), and with it its refresh token; auth.test then answers token_revoked for it. */
  revoke(bot: StoredBot): void {
    if (bot.revoked) return;
    bot.revoked = true;
    this.revokedTokens.push(bot.token);
    if (this.revokedTokens.length > MAX_REVOKED_TOKENS) this.revokedTokens.shift();
  }

  private holding(token: string): StoredBot | undefined {
    for (const bot of this.bots.values()) if (!bot.revoked && safeEqual(bot.token, token)) return bot;
    return undefined;
  }

  private expired(bot: StoredBot): boolean {
    return bot.expiresAt !== undefined && bot.expiresAt <= this.now();
  }

  /** A new access token and refresh token for a rotating app. */
  private rotate(bot: StoredBot, app: EmulatorApp): void {
    bot.token = `xoxe.${botToken()}`;
    bot.refreshToken = refreshToken();
    bot.expiresAt = this.now() + (app.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_S) * 1000;
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
  const { installers: _installers, revoked: _revoked, userTokens: _userTokens, ...info } = bot;
  return { ...info, scopes: [...info.scopes] };
}
