import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { shippedMigrations, type Migration } from '../migrations.js';

export type Db = Database.Database;

/** Applies each migration newer than `PRAGMA user_version` in its own transaction; returns how many ran. */
export function migrate(db: Db, migrations: Migration[] = shippedMigrations('sqlite')): number {
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
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL survives a killed process; recordInstall raises it to FULL (fsync) for the one write that must also
    // survive a power cut, so states and sessions do not each pay for an fsync.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
