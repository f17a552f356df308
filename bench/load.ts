// The load generator: whole OAuth install flows, or the install redirect alone, from N concurrent workers for a
// fixed time or a fixed number of completions, over node:http with keep-alive connections (less client overhead than fetch on a 2-core machine).
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import { BENCH_CHANNEL, BENCH_TEAM, WEBHOOK_URL_RE } from './shared.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

// Generous: on a loaded machine a request may wait long for a core, and that makes the run slow, not wrong.
const REQUEST_TIMEOUT_MS = 60_000;

function send(
  agent: Agent,
  method: 'GET' | 'POST',
  url: URL,
  headers: Record<string, string>,
  body?: string,
  readBody = true,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const req = httpRequest(
      { agent, method, hostname: url.hostname, port: url.port, path: url.pathname + url.search, headers },
      (res) => {
        if (!readBody) {
          res.resume();
          res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' }));
        } else {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.once('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        }
        res.once('error', reject);
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${url.pathname} timed out`)));
    req.once('error', reject);
    req.end(body);
  });
}

/**
 * One browser's cookies for one origin, kept as a browser keeps them on http://127.0.0.1: `Secure` cookies are
 * kept and sent too (browsers treat localhost as a secure context), deleted when Max-Age=0 or Expires is past.
 * Every cookie goes back to the origin that set it; a flow only ever visits the paths its cookies are for.
 */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(headers: IncomingHttpHeaders): void {
    for (const line of headers['set-cookie'] ?? []) {
      const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq);
      const expired = attrs.some(
        (a) => /^max-age=(0|-\d+)$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) <= Date.now()),
      );
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1));
    }
  }

  header(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  }
}

function locationOf(answer: Answer, step: string, base: URL): URL {
  const location = answer.headers.location;
  if (answer.status !== 302 || location === undefined) {
    throw new Error(
      `${step}: expected a 302 with a Location, got ${answer.status} ${answer.body.slice(0, 200).replace(/\s+/g, ' ')}`,
    );
  }
  return new URL(location, base);
}

// The authorize parameters the emulator's consent form carries as hidden fields, in its order (see the
// emulator's checkAuthorizeParams: others are dropped), then the workspace, the channel and the Allow button.
const CARRIED = ['client_id', 'scope', 'user_scope', 'redirect_uri', 'state'];

function consentForm(authorize: URL): string {
  const form = new URLSearchParams();
  for (const name of CARRIED) {
    const value = authorize.searchParams.get(name);
    if (value !== null) form.append(name, value);
  }
  form.append('team', BENCH_TEAM);
  form.append('channel', BENCH_CHANNEL);
  form.append('new_channel', '');
  form.append('action', 'allow');
  return form.toString();
}

/**
 * One complete install as a browser makes it: the install URL, the emulator's consent form posted with Allow
 * (the form's fields built from the authorize URL, so the consent page's HTML is not rendered), and the callback
 * with the cookies the server set (and its redirect to the landing page, where there is one). Resolves when the
 * landing page's body has arrived and carries a webhook URL.
 */
async function oneFlow(agent: Agent, installUrl: URL): Promise<void> {
  const jar = new CookieJar();
  const start = await send(agent, 'GET', installUrl, {});
  jar.take(start.headers);
  const authorize = locationOf(start, 'install URL', installUrl);
  const consent = await send(
    agent,
    'POST',
    new URL(authorize.origin + authorize.pathname),
    { 'content-type': 'application/x-www-form-urlencoded' },
    consentForm(authorize),
  );
  const callback = locationOf(consent, 'consent form', authorize);
  if (callback.origin !== installUrl.origin)
    throw new Error(`consent form: redirected to ${callback.origin}, not to the server`);
  let landing = await send(agent, 'GET', callback, jar.header());
  jar.take(landing.headers);
  // This server and the floor answer the callback with a 303 to the install's landing page (Post/Redirect/Get),
  // which a browser follows (to this server with the landing session's cookie); Bolt renders the page at once.
  if (landing.status === 303 && landing.headers.location !== undefined) {
    landing = await send(agent, 'GET', new URL(landing.headers.location, callback), jar.header());
    jar.take(landing.headers);
  }
  if (landing.status !== 200)
    throw new Error(`callback: expected 200, got ${landing.status} ${landing.body.slice(0, 300).replace(/\s+/g, ' ')}`);
  if (!WEBHOOK_URL_RE.test(landing.body)) throw new Error('callback: the landing page shows no webhook URL');
}

export interface PhaseOptions {
  concurrency: number;
  /** Load before the measured window, not counted in throughput or latency. */
  warmupMs: number;
  /** The measured window, when the phase runs for a time. */
  durationMs: number;
  /**
   * When set, the phase runs until this many attempts have finished instead (no warm-up, no time limit): what a
   * smoke test wants, since a count of completions does not depend on how fast the machine is.
   */
  count?: number;
}

export interface PhaseResult {
  /** Successes completed inside the measured window. */
  completed: number;
  /** Per second, over the measured window. */
  perSecond: number;
  /** Latency of each success completed inside the window, ms, sorted ascending. */
  latenciesMs: number[];
  /** Failures at any time, warm-up included. */
  errors: number;
  /** A few distinct failure messages. */
  errorSamples: string[];
  /** Successes at any time, warm-up and the tail after the window included (what the server stored). */
  totalSucceeded: number;
  /** performance.now() at the start and end of the measured window (for a count, of the whole phase). */
  windowStart: number;
  windowEnd: number;
}

/**
 * Runs `work` from `concurrency` workers in a loop until warm-up + duration are over; counts completions inside
 * the measured window [start + warm-up, start + warm-up + duration]. With `count`, runs until that many attempts
 * have finished, and the window is the whole phase.
 */
async function runPhase(opts: PhaseOptions, work: (agent: Agent) => Promise<void>): Promise<PhaseResult> {
  const agent = new Agent({ keepAlive: true, scheduling: 'lifo' });
  const t0 = performance.now();
  const counted = opts.count !== undefined;
  const windowStart = counted ? t0 : t0 + opts.warmupMs;
  let windowEnd = counted ? Infinity : windowStart + opts.durationMs;
  let claimed = 0;
  const latencies: number[] = [];
  const samples = new Set<string>();
  let errors = 0;
  let totalSucceeded = 0;

  async function worker(): Promise<void> {
    // Bounded in time, and in count as a safety net.
    for (let i = 0; i < 10_000_000; i++) {
      const begin = performance.now();
      if (begin >= windowEnd) return;
      if (opts.count !== undefined && claimed++ >= opts.count) return;
      try {
        await work(agent);
        const end = performance.now();
        totalSucceeded++;
        if (end >= windowStart && end <= windowEnd) latencies.push(end - begin);
      } catch (err) {
        errors++;
        if (samples.size < 5) samples.add((err as Error).message);
        if (errors > 1000) throw new Error(`too many errors, e.g. ${[...samples].join(' | ')}`, { cause: err });
      }
    }
  }

  try {
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
  } finally {
    agent.destroy();
  }
  if (counted) windowEnd = performance.now();
  latencies.sort((a, b) => a - b);
  return {
    completed: latencies.length,
    perSecond: latencies.length / ((windowEnd - windowStart) / 1000),
    latenciesMs: latencies,
    errors,
    errorSamples: [...samples],
    totalSucceeded,
    windowStart,
    windowEnd,
  };
}

/** Complete install flows against `installUrl`. */
export function runFlows(installUrl: string, opts: PhaseOptions): Promise<PhaseResult> {
  const url = new URL(installUrl);
  return runPhase(opts, (agent) => oneFlow(agent, url));
}

/** The install URL alone: each 302 with a Location counts; anything else is an error. */
export function runRedirects(installUrl: string, opts: PhaseOptions): Promise<PhaseResult> {
  const url = new URL(installUrl);
  return runPhase(opts, async (agent) => {
    const answer = await send(agent, 'GET', url, {}, undefined, false);
    if (answer.status !== 302 || answer.headers.location === undefined)
      throw new Error(`install URL: expected a 302, got ${answer.status}`);
  });
}
