import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { makePrivate } from '../../private-file.js';
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

/**
 * The database file and its WAL and shared-memory files, readable by this user only (they hold sealed secrets and
 * the names of every workspace and channel): created 600 in a folder created 700, and set to 600 when a file from
 * an earlier version (or another umask) is more open. SQLite gives the -wal and -shm files the database's mode.
 */
function privateFiles(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(path, 'wx', 0o600)); // an empty file is a new database to SQLite
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) makePrivate(file);
}

/** Opens (creating its folder) and migrates the database. `:memory:` is accepted for tests. */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') privateFiles(path);
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL survives a killed process; recordInstall raises it to FULL (fsync) for the one write that must also
    // survive a power cut, so states and sessions do not each pay for an fsync.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    migrate(db);
    if (path !== ':memory:') for (const file of [`${path}-wal`, `${path}-shm`]) makePrivate(file);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
