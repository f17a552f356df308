import type { Pool, PoolClient, QueryConfig, QueryResultRow } from 'pg';
import type { PostgresConfig } from '../../config.js';
import { StoreOpenError, StoreUnavailableError } from '../errors.js';
import { shippedMigrations, type Migration } from '../migrations.js';

/** What the store reports about connections that fail while nobody is waiting on them. */
export type ConnectionErrorLog = (message: string) => void;

// SQLSTATE classes that mean "the server is not there or not taking work" rather than "this statement is wrong":
// 08 connection exception, 53 insufficient resources, 57 operator intervention (shutdown), 58 system error.
const UNAVAILABLE_CLASSES = new Set(['08', '53', '57', '58']);
// What node-postgres and Node's sockets say when the server is away, the connection dropped, or a wait ran out.
const LOST =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|Query read timeout|Cannot use a pool after calling end/;

const sqlState = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

/** True for errors that say the database is away (refused, reset, timed out, shutting down), not that a query is bad. */
export function isUnavailable(err: unknown): boolean {
  const state = sqlState(err);
  if (state !== undefined) return UNAVAILABLE_CLASSES.has(state.slice(0, 2));
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z0-9_]+$/.test(code)) return true; // ECONNREFUSED, ENOENT (socket), …
  return err instanceof Error && LOST.test(err.message);
}

/** The reason in an error from the driver, without anything from the URL (it may hold a password). */
export function reasonOf(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message.split('\n')[0]! : String(err);
  return typeof e.code === 'string' && !message.includes(e.code) ? `${message} (${e.code})` : message;
}

/** Where the URL points, for messages: host (or socket folder), port and database, never the user or password. */
export function describeTarget(url: string): string {
  try {
    const parsed = new URL(url.replace(/^(\w+:\/\/[^/?#]*@)(?=[/?#]|$)/, '$1localhost'));
    const host = parsed.searchParams.get('host') ?? (parsed.hostname || 'localhost');
    const database = decodeURIComponent(parsed.pathname.slice(1)) || '(default)';
    return `${host}${parsed.port ? `:${parsed.port}` : ''}, database ${database}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/** A pg.Pool whose failures to reach the server become StoreUnavailableError, and whose idle failures are logged. */
export class Pg {
  #closing = false;

  constructor(
    readonly pool: Pool,
    log: ConnectionErrorLog,
  ) {
    // A connection the server drops while it sits idle in the pool is reported here (and discarded by the pool);
    // without a listener the 'error' event would end the process.
    pool.on('error', (err) => {
      if (!this.#closing) log(`PostgreSQL connection lost while idle: ${reasonOf(err)}`);
    });
    // A client checked out between two statements of a transaction reports a dropped connection on itself; its
    // next query fails and the pool discards it on release.
    pool.on('connect', (client) => {
      client.on('error', (err) => {
        if (!this.#closing) log(`PostgreSQL connection lost: ${reasonOf(err)}`);
      });
    });
  }

  async query<R extends QueryResultRow>(query: QueryConfig | string, values?: unknown[]): Promise<R[]> {
    return (await this.result<R>(query, values)).rows;
  }

  /** The number of rows a statement changed. */
  async run(query: QueryConfig | string, values?: unknown[]): Promise<number> {
    return (await this.result(query, values)).rowCount ?? 0;
  }

  async result<R extends QueryResultRow>(query: QueryConfig | string, values?: unknown[]) {
    try {
      return await this.pool.query<R>(query, values);
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** Runs `work` in one transaction on one connection; rolls back when it throws. */
  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw unavailable(err);
    }
    let broken: unknown;
    try {
      await client.query('BEGIN');
      const value = await work(client);
      await client.query('COMMIT');
      return value;
    } catch (err) {
      if (isUnavailable(err)) broken = err;
      else await client.query('ROLLBACK').catch((e: unknown) => (broken = e));
      throw unavailable(err);
    } finally {
      // A connection that failed is not given back to the pool: it is closed, and a new one made when needed.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  get closed(): boolean {
    return this.#closing;
  }

  async end(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    await this.pool.end();
  }
}

function unavailable(err: unknown): unknown {
  if (err instanceof StoreUnavailableError || !isUnavailable(err)) return err;
  return new StoreUnavailableError(`the database is unavailable: ${reasonOf(err)}`, { cause: err });
}

/**
 * A pool for DATABASE_URL, once the server answers: while it refuses or is starting up, tries again with a growing
 * pause until DATABASE_CONNECT_TIMEOUT_MS has passed, then gives up with one line that says why.
 */
export async function connect(config: PostgresConfig, log: ConnectionErrorLog): Promise<Pg> {
  // Loaded only here, when DATABASE_URL asks for PostgreSQL: a SQLite server never loads the client.
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.poolSize,
    // Each attempt to open a connection, at start-up or later, gives up after this; requests then answer 503.
    connectionTimeoutMillis: Math.min(config.connectTimeoutMs, 5_000),
    idleTimeoutMillis: 30_000,
    application_name: 'slack-webhook-installer',
    // As SQLite's synchronous = NORMAL: state claims, sessions and revocations commit without waiting for the WAL
    // flush (they are visible to every replica at once; a crash of PostgreSQL itself may forget the last few,
    // costing a user a retry), while each install raises it to on for its own transaction (recordInstall). Sent in
    // the connection's start-up packet, so it holds before the first query (a SET sent on 'connect' raced the
    // caller's first query: node-postgres queued it with a deprecation warning on stderr, and pg 9 refuses). An
    // `options` parameter in DATABASE_URL replaces this one: commits then wait, which is only slower.
    options: '-c synchronous_commit=off',
  });
  const db = new Pg(pool, log);
  const deadline = Date.now() + config.connectTimeoutMs;
  for (let pause = 100; ; pause = Math.min(pause * 2, 2_000)) {
    try {
      await pool.query('SELECT 1');
      return db;
    } catch (err) {
      // A wrong password or a missing database does not get better by waiting: start-up stops at once.
      const state = sqlState(err);
      const fatal = state !== undefined && !UNAVAILABLE_CLASSES.has(state.slice(0, 2));
      if (fatal || Date.now() + pause > deadline) {
        await db.end();
        const waited = fatal ? '' : ` within DATABASE_CONNECT_TIMEOUT_MS (${config.connectTimeoutMs} ms)`;
        throw new StoreOpenError(
          `DATABASE_URL: could not connect to PostgreSQL at ${describeTarget(config.url)}${waited}: ${reasonOf(err)}`,
        );
      }
      log(`PostgreSQL at ${describeTarget(config.url)} is not answering yet (${reasonOf(err)}); trying again`);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

// One lock for every process that migrates this database (an arbitrary constant: "swi migrations").
const MIGRATION_LOCK = 0x7377_6d69_6772;

/**
 * Applies each pending migration in a transaction of its own that first takes a transaction-scoped advisory lock:
 * replicas started at the same moment queue on the lock, and each finds the work done by the one before it.
 * Returns how many this process applied.
 */
export async function migrate(db: Pg, migrations: Migration[] = shippedMigrations('postgres')): Promise<number> {
  let applied = 0;
  for (;;) {
    const done = await db.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const current = await currentVersion(client);
      const next = migrations.find((m) => m.version === current + 1);
      if (next === undefined) return true;
      await client.query(next.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [next.version, next.name]);
      return false;
    });
    if (done) return applied;
    applied += 1;
  }
}

async function currentVersion(client: Pick<PoolClient, 'query'>): Promise<number> {
  const { rows } = await client.query<{ v: number }>(
    'SELECT coalesce(max(version), 0)::int AS v FROM schema_migrations',
  );
  return rows[0]!.v;
}

/** The number of the last migration applied (0 on an empty database). */
export async function schemaVersion(db: Pg): Promise<number> {
  const [row] = await db.query<{ v: number | null }>(
    "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 END AS v",
  );
  if (row?.v === 0) return 0;
  const [version] = await db.query<{ v: number }>('SELECT coalesce(max(version), 0)::int AS v FROM schema_migrations');
  return version!.v;
}
