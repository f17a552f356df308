// `npm run dev` (scripts/dev.js): one command that builds, serves in demo mode, rebuilds on a change and restarts the
// server, and stops everything it started on Ctrl-C. It runs in a copy of the project in a temporary folder (its own
// dist/, node_modules linked), so its builds never touch the dist/ this test run is executing from. Every wait is
// for an event (a line of output, an answer, an exit), never for a time.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** What `npm run dev` reads: the sources it compiles, what the server loads at run time, and the build scripts. */
const PROJECT = ['src', 'views', 'migrations', 'scripts', 'tsconfig.json', 'package.json', 'package-lock.json'];

/** The child's output, line by line, and a way to wait for a line to come. */
class Output {
  readonly lines: string[] = [];
  private waiters: Array<() => void> = [];
  private ended = false;

  constructor(child: ChildProcess) {
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.lines.push(line);
        this.wake();
      });
    }
    child.on('exit', () => {
      this.ended = true;
      this.wake();
    });
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** The index of the first line from `from` on that matches, once it has come; throws if the process ended first. */
  async next(pattern: RegExp, from: number): Promise<number> {
    for (;;) {
      const index = this.lines.findIndex((line, i) => i >= from && pattern.test(line));
      if (index !== -1) return index;
      if (this.ended) throw new Error(`ended before a line matching ${pattern}:\n${this.lines.join('\n')}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

/** The /healthz answer's status, or undefined when the server is not (or no longer) answering. */
async function health(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${url}/healthz`);
    return ((await res.json()) as { status: string }).status;
  } catch {
    return undefined;
  }
}

/** Whether any process is left in the process group `pgid` (kill with signal 0 only checks). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

// Only a hung run reaches the cap (a loaded machine makes the builds slower, never a failure); the group is then
// killed by t.after.
const CAP_MS = 10 * 60_000;

test(
  'npm run dev serves in demo mode, restarts with a changed source, and leaves no process behind on Ctrl-C',
  { timeout: CAP_MS },
  async (t) => {
    const dir = tempDir(t);
    for (const entry of PROJECT) cpSync(join(root, entry), join(dir, entry), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    // No Slack credentials, so demo mode; nothing from the environment of the test run reaches the server's config.
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir };
    // PORT=0: each start takes a port the system hands out, so a restart never waits for (or takes back) a port
    // that another test may have been given meanwhile.
    Object.assign(env, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    // Its own process group, so that the test can tell whether anything it started (tsc, node --watch, the server
    // node --watch runs) is still there, and kill them all if the test fails half-way.
    const dev = spawn(process.execPath, ['scripts/dev.js'], { cwd: dir, env, detached: true, stdio: 'pipe' });
    const exited = new Promise<number | null>((resolve) => dev.on('exit', (code) => resolve(code)));
    t.after(() => {
      if (groupAlive(dev.pid!)) process.kill(-dev.pid!, 'SIGKILL');
    });
    const output = new Output(dev);

    // The first answer: the server says where it listens, and answers there.
    const listening = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/;
    const address = (line: number) => listening.exec(output.lines[line]!)![1]!;
    assert.equal(await health(address(await output.next(listening, 0))), 'ok');
    assert.match(output.lines.join('\n'), /DEMO MODE: .*built-in Slack emulator/, 'demo mode, said at start-up');
    // tsc watches the sources only once its first pass is done: change one after that.
    await output.next(/Watching for file changes/, 0);

    const route = join(dir, 'src', 'routes', 'healthz.ts');
    const source = readFileSync(route, 'utf8');
    assert.ok(source.includes("status: ok ? 'ok' : 'unavailable'"));
    const mark = output.lines.length;
    writeFileSync(route, source.replace("status: ok ? 'ok' : 'unavailable'", "status: ok ? 'rebuilt' : 'unavailable'"));
    // Each start after the change says so; the first one serving the new code ends the wait. (A restart may come
    // half-way through tsc's writes and be followed by another: the loop waits for that one too.)
    for (let from = mark; ;) {
      const line = await output.next(listening, from);
      if ((await health(address(line))) === 'rebuilt') break;
      from = line + 1;
    }

    process.kill(dev.pid!, 'SIGINT');
    assert.equal(await exited, 0, output.lines.join('\n'));
    assert.equal(groupAlive(dev.pid!), false, 'tsc, node --watch and the server all ended with npm run dev');
  },
);
