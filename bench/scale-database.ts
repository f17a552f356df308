// What the scale benchmark needs of a database, whichever it is: the full one's settings, empty ones beside it, and
// the rows verify checks. bench/scale-sqlite.ts and bench/scale-postgres.ts provide it.

/** Bump when scale-rows.ts writes different rows, so that cached databases are rebuilt. */
export const GENERATOR_VERSION = 1;

export type ScaleLog = (message: string) => void;

export interface ScaleDatabase {
  label: 'SQLite' | 'PostgreSQL';
  /** ENCRYPTION_KEY of the full database (kept with it in the cache), used for the empty ones too. */
  key: string;
  /** The server's and the CLI's settings that name the full database (DATABASE_PATH or DATABASE_URL). */
  fullEnv: Record<string, string>;
  /** Seconds it took to build the full database in this run; undefined when it was reused. */
  buildSeconds: number | undefined;
  /** A new empty database's settings (not migrated: the first server or CLI to open it does). */
  fresh: (name: string) => Promise<Record<string, string>>;
  /** Appends one installation per webhook URL (through the store) to the database `env` names; the first new id. */
  addVerifyRows: (env: Record<string, string>, urls: string[]) => Promise<number>;
  /** Stops what the database needed (the PostgreSQL cluster), leaving the cache. */
  close: () => Promise<void>;
}
