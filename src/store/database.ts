import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { migrationsDir } from '../paths.js';

export type Db = Database.Database;

interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Numbered SQL files (`001_name.sql`, …) in order; the numbers must run 1, 2, 3 with no gap. */
export function readMigrations(dir = migrationsDir): Migration[] {
  const migrations = readdirSync(dir)
    .map((name) => ({ name, match: /^(\d+)_[\w-]+\.sql$/.exec(name) }))
    .filter((m) => m.match !== null)
    .map(({ name, match }) => ({ version: Number(match![1]), name, sql: readFileSync(join(dir, name), 'utf8') }))
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations/${m.name}: expected number ${i + 1}`);
  });
  return migrations;
}

let shipped: Migration[] | undefined;

/** The migrations this build ships, read once per process (start-up and /readyz both need them). */
export function shippedMigrations(): Migration[] {
  return (shipped ??= readMigrations());
}

/** Applies each migration newer than `PRAGMA user_version` in its own transaction; returns how many ran. */
export function migrate(db: Db, migrations = shippedMigrations()): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const pending = migrations.filter((m) => m.version > current);
  for (const m of pending) {
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return pending.length;
}

/** Opens (creating its folder) and migrates the database. `:memory:` is accepted for tests. */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 }); // it holds sealed secrets
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // NORMAL survives a killed process; the installations repository raises it to FULL (fsync) for the one write
  // that must also survive a power cut, so states and sessions do not each pay for an fsync.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}
