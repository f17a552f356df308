// A throwaway PostgreSQL cluster (the tests' and the benchmark's): initdb in a temp folder, started on a free port
// with its socket in that folder, one database per use, stopped and removed at the end (also when the process exits
// without reaching its cleanup). The scale benchmark keeps one instead (`kept`): its folder outlives the process,
// and the next run starts the same data directory again.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './measure.js';

export const INSTALL_HINT =
  'install the server (Debian/Ubuntu: `apt-get install postgresql`; .ci/run does it) or set PG_BIN to the folder holding initdb and pg_ctl';

/** The folder holding initdb and pg_ctl: PG_BIN, or the newest /usr/lib/postgresql/N/bin. */
export function postgresBin(): string | undefined {
  if (process.env.PG_BIN !== undefined) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(base, versions[0], 'bin');
}

/** Who runs the cluster: PostgreSQL refuses root, so as root the `postgres` user does. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

export class PostgresCluster {
  #databases = 0;
  #running = false;

  private constructor(
    readonly bin: string,
    readonly dir: string,
    readonly port: number,
    readonly user: { uid: number; gid: number } | undefined,
    /** A kept cluster is only stopped at the end, never removed. */
    readonly kept = false,
  ) {}

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  get socketDir(): string {
    return join(this.dir, 'socket');
  }

  static async create(bin: string): Promise<PostgresCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'swi-pg-'));
    const user = runAs();
    const cluster = new PostgresCluster(bin, dir, await freePort(), user);
    process.once('exit', () => cluster.destroySync());
    mkdirSync(cluster.socketDir);
    if (user !== undefined) for (const d of [dir, cluster.socketDir]) chownSync(d, user.uid, user.gid);
    await cluster.#initdb();
    await cluster.start();
    return cluster;
  }

  /**
   * The cluster kept in `dir` (created there when it holds none), started on a free port. A server left running by
   * a run that was killed is stopped first (PostgreSQL recovers from its WAL, as after a crash). `close` stops it.
   */
  static async kept(bin: string, dir: string): Promise<PostgresCluster> {
    const user = runAs();
    const cluster = new PostgresCluster(bin, dir, await freePort(), user, true);
    process.once('exit', () => cluster.destroySync());
    mkdirSync(cluster.socketDir, { recursive: true, mode: 0o700 });
    if (user !== undefined) for (const d of [dir, cluster.socketDir]) chownSync(d, user.uid, user.gid);
    if (!existsSync(join(cluster.dataDir, 'PG_VERSION'))) {
      rmSync(cluster.dataDir, { recursive: true, force: true });
      await cluster.#initdb();
    } else if (existsSync(join(cluster.dataDir, 'postmaster.pid'))) {
      await cluster.#run('pg_ctl', ['-D', cluster.dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    }
    await cluster.start();
    return cluster;
  }

  async #initdb(): Promise<void> {
    await this.#run('initdb', ['-D', this.dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  }

  async #run(program: string, args: string[]): Promise<string> {
    const child = spawn(join(this.bin, program), args, {
      cwd: this.dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...this.user,
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) {
      const log = join(this.dir, 'server.log');
      throw new Error(
        `${program} ${args.join(' ')} exited ${code}:\n${output}${existsSync(log) ? readFileSync(log, 'utf8') : ''}`,
      );
    }
    return output;
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    await this.#run('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      join(this.dir, 'server.log'),
      '-w',
      '-o',
      `-p ${this.port} -k ${this.socketDir} -c listen_addresses=127.0.0.1`,
      'start',
    ]);
    this.#running = true;
  }

  /** Stops the server (fast: open connections are ended, as in a restart or failover). */
  async stop(): Promise<void> {
    await this.#run('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
    this.#running = false;
  }

  /** A URL for a database of this cluster, over TCP on loopback. */
  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** A new, empty database of its own for one test (`name`: replacing any of that name); returns its URL. */
  async createDatabase(name?: string): Promise<string> {
    if (name !== undefined && !/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
    if (name !== undefined) await this.sql('postgres', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    const database = name ?? `swi_test_${++this.#databases}`;
    await this.sql('postgres', `CREATE DATABASE ${database}`);
    return this.url(database);
  }

  /** Runs one statement in a database of this cluster, for a test to look at what the server stored. */
  async sql<R extends pg.QueryResultRow = Record<string, unknown>>(
    database: string,
    text: string,
    values: unknown[] = [],
  ): Promise<R[]> {
    const client = new pg.Client({ connectionString: database.includes('://') ? database : this.url(database) });
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  /** Stops a kept cluster, leaving its folder for the next run. */
  async close(): Promise<void> {
    if (this.#running) await this.stop();
  }

  async destroy(): Promise<void> {
    try {
      if (this.#running) await this.#run('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
    } finally {
      this.#running = false;
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** For a process that exits without running `after`: stop the server and remove its folder, synchronously. */
  destroySync(): void {
    if (this.#running) {
      // A kept cluster is shut down cleanly: the next run starts without crash recovery.
      spawnSync(join(this.bin, 'pg_ctl'), ['-D', this.dataDir, '-m', this.kept ? 'fast' : 'immediate', '-w', 'stop'], {
        stdio: 'ignore',
        ...this.user,
      });
      this.#running = false;
    }
    if (!this.kept) rmSync(this.dir, { recursive: true, force: true });
  }
}
