import { randomBytes } from 'node:crypto';
import type { Installation } from '@slack/oauth';
import type { PostgresConfig } from '../../config.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import { shippedMigrations } from '../migrations.js';
import { adoptStoredKeys } from '../sealing.js';
import type { RecordedInstall, StateClaim, Store } from '../types.js';
import { connect, migrate, schemaVersion, type ConnectionErrorLog, type Pg } from './database.js';
import { PostgresInstallations } from './installations.js';
import { PostgresLandingSessions } from './landing-sessions.js';
import { PostgresOAuthStates } from './oauth-states.js';
import { PostgresSeenEvents } from './seen-events.js';
import { PostgresSettings } from './settings.js';

/** Every table of a PostgreSQL database, one repository each, over one pool shared by any number of replicas. */
export class PostgresStore implements Store {
  readonly kind = 'postgres';
  readonly installations: PostgresInstallations;
  readonly oauthStates: PostgresOAuthStates;
  readonly settings: PostgresSettings;
  readonly landingSessions: PostgresLandingSessions;
  readonly seenEvents: PostgresSeenEvents;
  readonly shippedVersion = shippedMigrations('postgres').length;

  constructor(
    /** The pool, for PostgreSQL-specific tests and tools; nothing above store/ uses it. */
    readonly db: Pg,
    box: SecretBox,
  ) {
    this.installations = new PostgresInstallations(db, box);
    this.oauthStates = new PostgresOAuthStates(db, box.deriveKey('oauth state'));
    this.settings = new PostgresSettings(db, box);
    this.landingSessions = new PostgresLandingSessions(db);
    this.seenEvents = new PostgresSeenEvents(db);
  }

  /**
   * Connects (waiting up to DATABASE_CONNECT_TIMEOUT_MS for the server), migrates under the advisory lock,
   * refuses rows sealed under a key it was not given, and seals rows written before encryption existed.
   */
  static async open(config: PostgresConfig, box: SecretBox, log: ConnectionErrorLog): Promise<PostgresStore> {
    const store = new PostgresStore(await connect(config, log), box);
    try {
      await migrate(store.db);
      await adoptStoredKeys(store);
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  /**
   * One transaction per install, committed with synchronous_commit on (it waits for the WAL to reach disk, and for
   * synchronous standbys where there are any) before the landing page is sent. The state's use was recorded when
   * it was claimed, before Slack was called, so it is not written again here.
   */
  async recordInstall(installation: Installation, state: StateClaim): Promise<RecordedInstall> {
    return this.db.transaction(async (client) => {
      await client.query('SET LOCAL synchronous_commit = on');
      const landingId = randomBytes(16).toString('base64url');
      const id = await this.installations.insertWith(client, installation, landingId);
      const session = await this.landingSessions.createWith(client, id, state.nonce);
      return { id, landingId, ...session };
    });
  }

  async ping(): Promise<boolean> {
    const [row] = await this.db.query<{ ok: number }>('SELECT 1 AS ok');
    return row?.ok === 1;
  }

  async live(): Promise<boolean> {
    return !this.db.closed;
  }

  async schemaVersion(): Promise<number> {
    return schemaVersion(this.db);
  }

  async close(): Promise<void> {
    await this.db.end();
  }
}
