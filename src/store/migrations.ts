import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrationsDir } from '../paths.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export type DatabaseKind = 'sqlite' | 'postgres';

/** Numbered SQL files (`001_name.sql`, …) in order; the numbers must run 1, 2, 3 with no gap. */
export function readMigrations(dir: string): Migration[] {
  const migrations = readdirSync(dir)
    .map((name) => ({ name, match: /^(\d+)_[\w-]+\.sql$/.exec(name) }))
    .filter((m) => m.match !== null)
    .map(({ name, match }) => ({ version: Number(match![1]), name, sql: readFileSync(join(dir, name), 'utf8') }))
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`${join(dir, m.name)}: expected number ${i + 1}`);
  });
  return migrations;
}

const shipped = new Map<DatabaseKind, Migration[]>();

/** The migrations this build ships for one database, read once per process (start-up and /readyz both need them). */
export function shippedMigrations(kind: DatabaseKind): Migration[] {
  let migrations = shipped.get(kind);
  if (migrations === undefined) shipped.set(kind, (migrations = readMigrations(join(migrationsDir, kind))));
  return migrations;
}
