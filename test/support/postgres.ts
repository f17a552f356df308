// The PostgreSQL cluster of one test file (bench/postgres-cluster.ts), started in `before` and removed in `after`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { INSTALL_HINT, PostgresCluster, postgresBin } from '../../bench/postgres-cluster.js';

export { PostgresCluster };

export interface PostgresForFile {
  /** false when PostgreSQL is there; otherwise why the file's tests are skipped (give it to test()'s `skip`). */
  skip: string | false;
  /** The file's cluster, started before its first test. */
  cluster: () => PostgresCluster;
}

/**
 * The cluster for this test file, started in `before` and removed in `after`. Without PostgreSQL the file's tests
 * are skipped with one loud line saying how to install it; with CI=true a missing PostgreSQL fails the run.
 */
export function postgresForFile(): PostgresForFile {
  const bin = postgresBin();
  if (bin === undefined || !existsSync(join(bin, 'initdb'))) {
    const message = `PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): ${INSTALL_HINT}`;
    if (process.env.CI === 'true') throw new Error(`CI=true and ${message}`);
    console.error(`\n!!! SKIPPING the PostgreSQL tests of ${process.argv[1] ?? 'this file'}: ${message}\n`);
    return { skip: 'PostgreSQL is not installed', cluster: () => assertNever() };
  }
  let cluster: PostgresCluster | undefined;
  before(async () => {
    cluster = await PostgresCluster.create(bin);
  });
  after(async () => {
    await cluster?.destroy();
  });
  return {
    skip: false,
    cluster: () => {
      if (cluster === undefined) throw new Error('the PostgreSQL cluster did not start');
      return cluster;
    },
  };
}

function assertNever(): never {
  throw new Error('PostgreSQL is not installed');
}
