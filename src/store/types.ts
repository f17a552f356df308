// The store as the rest of the server sees it: asynchronous methods by table, and the records they return.
// No SQL and no driver types here: SQLite (store/sqlite/) and PostgreSQL (store/postgres/) both implement it.
import type { Installation, InstallationQuery, InstallationStore, InstallURLOptions, StateStore } from '@slack/oauth';

/** One completed install, as this server keeps it. */
export interface InstallationRecord {
  id: number;
  teamId: string | null;
  teamName: string | null;
  enterpriseId: string | null;
  enterpriseName: string | null;
  isEnterpriseInstall: boolean;
  channelId: string;
  channelName: string;
  webhookUrl: string;
  configurationUrl: string | null;
  appId: string | null;
  botUserId: string | null;
  botToken: string | null;
  scopes: string[];
  installerUserId: string | null;
  installedAt: Date;
  /** Set when Slack told us the app was removed, a check found the webhook dead, or the operator revoked it. */
  revokedAt: Date | null;
  revokedReason: string | null;
}

export interface InstallationFilter {
  teamId?: string;
  channelId?: string;
  /** true: only revoked; false: only active; undefined: both. */
  revoked?: boolean;
}

/** A filter, and where in id order to start (ids above `after`) and stop (`limit` rows). */
export interface InstallationScan extends InstallationFilter {
  after?: number;
  limit?: number;
}

/** How many rows one prune transaction deletes by default: small enough that installs never wait long for it. */
export const PRUNE_BATCH = 1000;

/** How `pruneRevokedBefore` goes: rows per transaction, and who hears of each batch done. */
export interface PruneOptions {
  batchSize?: number;
  onBatch?: (deletedSoFar: number) => unknown;
}

/** Which installs an `app_uninstalled` event reaches: a workspace's, or an org's for an org-wide install. */
export interface WorkspaceQuery {
  teamId?: string;
  enterpriseId?: string;
  isEnterpriseInstall: boolean;
}

/** What oauth.v2.access with grant_type=refresh_token gives back for a bot token. */
export interface TokenRefresh {
  bot: { token: string; refreshToken: string; expiresAt: number };
}

/** The `installations` table, behind @slack/oauth's InstallationStore interface. Every install is a new row. */
export interface Installations extends InstallationStore {
  storeInstallation(installation: Installation): Promise<void>;
  /** The newest active install for the workspace (or the org, for an org-wide install), as @slack/oauth expects. */
  fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation>;
  /** Revokes (keeps as history) the active installs the query names: a workspace's, an org's, or one user's there. */
  deleteInstallation(query: InstallationQuery<boolean>): Promise<void>;
  /** One row as @slack/oauth's Installation, every stored field included (tokens, refresh tokens, expiries). */
  installation(id: number): Promise<Installation | undefined>;
  /**
   * Stores a refreshed bot token pair on an active row in one write; false when the row is gone or revoked.
   * `expiresAt` is in unix seconds, as @slack/oauth keeps it.
   */
  refreshTokens(id: number, refresh: TokenRefresh): Promise<boolean>;
  /** Inserts a new row for an install that carries an incoming webhook; returns the new id. */
  insert(installation: Installation): Promise<number>;
  get(id: number): Promise<InstallationRecord | undefined>;
  /** The installation whose landing page is `/slack/installed/<landingId>`. */
  byLandingId(landingId: string): Promise<InstallationRecord | undefined>;
  /** How many installations match (all of them by default); answered from an index where a filter allows. */
  count(scan?: InstallationScan): Promise<number>;
  /** The matching installations in id order, as an array: for small results (a page, a workspace). */
  list(scan?: InstallationScan): Promise<InstallationRecord[]>;
  /**
   * The matching installations in id order, read as they are consumed (SQLite: a statement iterator; PostgreSQL: a
   * cursor), so memory stays flat however many there are. Leaving the loop early closes it.
   */
  iterate(scan?: InstallationScan): AsyncIterable<InstallationRecord>;
  /** Marks one installation revoked; false when it does not exist or was revoked already. */
  revoke(id: number, reason: string, at?: Date): Promise<boolean>;
  /** `app_uninstalled`: every active installation of a workspace (or org) made before `sentAt`; returns how many. */
  revokeWorkspace(where: WorkspaceQuery, reason: string, sentAt: Date, at?: Date): Promise<number>;
  /** `tokens_revoked`: active installations made before `sentAt` whose bot user or installing user is named. */
  revokeByUsers(
    where: { teamId?: string; enterpriseId?: string },
    users: { botUserIds: string[]; installerUserIds: string[] },
    reason: string,
    sentAt: Date,
    at?: Date,
  ): Promise<number>;
  /**
   * Deletes installations revoked before `date` in batches, each its own short transaction, so the server's
   * installs go on meanwhile; returns how many. Active ones are never deleted.
   */
  pruneRevokedBefore(date: Date, options?: PruneOptions): Promise<number>;
  /**
   * Key ids that rows are sealed under but that are not configured: such rows could not be read. Found by index
   * seeks (one per key id in use), so start-up does not read the table.
   */
  unknownKeyIds(): Promise<string[]>;
  /** Seals the rows written before encryption existed (at start-up); returns how many. */
  resealPlaintext(): Promise<number>;
  /** Re-seals every row not under the current key, old keys and plaintext alike (key rotation); returns how many. */
  resealAll(): Promise<number>;
}

export type StateFailure = 'unknown' | 'expired' | 'used';

/** A state held by one flow: its nonce, and when it would expire anyway. */
export interface StateClaim {
  nonce: string;
  expiresAt: number;
}

/** OAuth states, behind @slack/oauth's StateStore interface, plus the claim the callback makes before Slack is called. */
export interface OAuthStates extends StateStore {
  generateStateParam(installOptions: InstallURLOptions, now: Date): Promise<string>;
  verifyStateParam(now: Date, state: string): Promise<InstallURLOptions>;
  /**
   * Checks a state's signature, age and that it was not used, and holds it for this flow: no other request (of
   * this process, or of any replica on a shared database) can claim it meanwhile. The claim ends with `spend`,
   * with `Store.recordInstall`, or with `release`. Rejects with a StateError saying why the state cannot be used.
   */
  claim(now: Date, state: string): Promise<StateClaim>;
  /** Ends a claim: the state is used up (a flow that failed may not be resumed either). */
  spend(claim: StateClaim): Promise<void>;
  /** Lets go of a claim in this process; a no-op once spent or recorded. */
  release(claim: StateClaim): void;
  /**
   * What a state is, without claiming it: for a callback that arrives without its flow's cookie, so that its page
   * can say what happened (a used state is a reload or a replay, not a flow from another browser).
   */
  inspect(now: Date, state: string): Promise<StateFailure | 'unused'>;
  /** The nonce of a state this server signed, or undefined for any other text. */
  nonceOf(state: string): string | undefined;
}

export type SessionRefusal = 'unknown' | 'expired' | 'bad_csrf' | 'used_up';

/** The landing page's short session that lets the browser that just installed send test messages. */
export interface LandingSessions {
  /** A new session for an install; `stateNonce` is the nonce of the OAuth state that completed it. */
  create(installationId: number, stateNonce?: string | null, now?: number): Promise<{ session: string; csrf: string }>;
  /** The session of this cookie value, expired or not; undefined when there is none (or its install has no page). */
  find(session: string): Promise<LandingSession | undefined>;
  /** Spends one use of the session when the CSRF token matches; returns its installation id, or why not. */
  use(session: string, csrf: string, now?: number): Promise<{ installationId: number } | { refused: SessionRefusal }>;
  /** Keeps the result of the session's last test message, for its landing page to show. */
  recordTest(session: string, result: TestResult): Promise<void>;
}

/** What a test message did, in a sentence for the landing page. */
export interface TestResult {
  ok: boolean;
  message: string;
}

/** A landing session as the routes see it. */
export interface LandingSession {
  installationId: number;
  /** The address of the install's landing page (`/slack/installed/<landingId>`). */
  landingId: string;
  expiresAt: number;
  uses: number;
  /** The nonce of the OAuth state that completed the install, when known. */
  stateNonce: string | null;
  lastTest: TestResult | undefined;
}

/** Values the server generates once and keeps, such as the install secret. */
export interface Settings {
  get(key: string): Promise<string | undefined>;
  /** The stored value, or `make()` stored now; every process that starts at once gets the same value. */
  getOrCreate(key: string, make: () => string): Promise<string>;
  /** The install secret generated on the first start, for when INSTALL_SECRET is unset. */
  installSecret(): Promise<string>;
  /** Key ids that values are sealed under but that are not configured. */
  unknownKeyIds(): Promise<string[]>;
  /** Seals the values stored before sealing existed (at start-up); returns how many. */
  resealPlaintext(): Promise<number>;
  /** Seals every value not sealed under the current key (key rotation); returns how many. */
  resealAll(): Promise<number>;
}

/** Events API deliveries already handled, by Slack's `event_id`, for an hour (SEEN_EVENT_TTL_MS). */
export interface SeenEvents {
  /** Records `eventId` as handled; false when it already was within the hour (a retry or a replay). */
  firstSighting(eventId: string, now?: number): Promise<boolean>;
  /** Undoes `firstSighting` when handling failed, so Slack's retry is handled. */
  forget(eventId: string): Promise<void>;
}

export interface RecordedInstall {
  id: number;
  /** The address of its landing page: `/slack/installed/<landingId>`. */
  landingId: string;
  /** The landing page's session: a cookie value and the page's CSRF token. */
  session: string;
  csrf: string;
}

/** Every table of the database, one repository each. */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly installations: Installations;
  readonly oauthStates: OAuthStates;
  readonly landingSessions: LandingSessions;
  readonly settings: Settings;
  readonly seenEvents: SeenEvents;
  /**
   * Stores a completed install, its landing session and the use of its OAuth state durably before resolving, so
   * the webhook a user is about to be shown survives a crash. Rejects with a StateError('used') when the state was
   * used meanwhile.
   */
  recordInstall(installation: Installation, state: StateClaim): Promise<RecordedInstall>;
  /** True when the database answers a query. */
  ping(): Promise<boolean>;
  /**
   * Liveness, as cheap as the database allows: SQLite (a local file) answers a query; PostgreSQL answers without a
   * round trip, so that a database outage (which /readyz reports) does not get every replica restarted.
   */
  live(): Promise<boolean>;
  /** The number of the last migration applied. */
  schemaVersion(): Promise<number>;
  /** The number of the last migration this build ships. */
  readonly shippedVersion: number;
  close(): Promise<void>;
}
