import { STATUS_CODES } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** What tests can make misbehave: the two Web API methods and `POST /services/...` (webhooks). */
export const FAULT_METHODS = ['oauth.v2.access', 'auth.test', 'webhook'] as const;
export type FaultMethod = (typeof FAULT_METHODS)[number];

/**
 * How "Slack" misbehaves for one request:
 * - `status`: that HTTP status and body, nothing else happens (a code is not consumed);
 * - `malformed`: 200 `application/json` whose body is not JSON (nothing else happens either);
 * - `delay`: answers normally after `ms` milliseconds (so a client that gave up still had its code consumed);
 * - `hang`: never answers; `reset`: drops the connection without an answer.
 */
export type Fault =
  | { kind: 'status'; status: number; body?: string; retryAfter?: number }
  | { kind: 'malformed' }
  | { kind: 'delay'; ms: number }
  | { kind: 'hang' }
  | { kind: 'reset' };

export interface FaultCommand {
  method: FaultMethod;
  fault: Fault;
  times: number;
}

export const MAX_FAULT_TIMES = 1000;
export const MAX_DELAY_MS = 10 * 60 * 1000;
const MAX_BODY = 64 * 1024;

const FIELDS: Record<Fault['kind'], string[]> = {
  status: ['kind', 'status', 'body', 'retryAfter'],
  malformed: ['kind'],
  delay: ['kind', 'ms'],
  hang: ['kind'],
  reset: ['kind'],
};

/** Checks a fault strictly (unknown fields included), returning a clean copy or what is wrong with it. */
export function checkFault(value: unknown): Fault | string {
  if (!isObject(value)) return 'fault must be an object';
  const kind = value.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(FIELDS, kind))
    return `fault.kind must be one of ${Object.keys(FIELDS).join(', ')}`;
  const extra = Object.keys(value).find((key) => !FIELDS[kind as Fault['kind']].includes(key));
  if (extra !== undefined) return `unknown field fault.${extra} for kind ${kind}`;
  switch (kind) {
    case 'status': {
      const { status, body, retryAfter } = value;
      if (!isInt(status, 200, 599)) return 'fault.status must be an integer from 200 to 599';
      if (body !== undefined && (typeof body !== 'string' || body.length > MAX_BODY))
        return `fault.body must be a string of at most ${MAX_BODY} characters`;
      if (retryAfter !== undefined && !isInt(retryAfter, 0, 86_400))
        return 'fault.retryAfter must be a whole number of seconds from 0 to 86400';
      return { kind, status, ...(body !== undefined && { body }), ...(retryAfter !== undefined && { retryAfter }) };
    }
    case 'delay':
      return isInt(value.ms, 0, MAX_DELAY_MS)
        ? { kind, ms: value.ms }
        : `fault.ms must be an integer from 0 to ${MAX_DELAY_MS}`;
    default:
      return { kind } as Fault;
  }
}

export function checkTimes(value: unknown): number | string {
  return isInt(value, 1, MAX_FAULT_TIMES) ? value : `times must be an integer from 1 to ${MAX_FAULT_TIMES}`;
}

/** The body of `POST /control/faults`: `{ method, fault, times? }` and nothing else. */
export function checkFaultCommand(value: unknown): FaultCommand | string {
  if (!isObject(value)) return 'body must be a JSON object';
  const extra = Object.keys(value).find((key) => key !== 'method' && key !== 'fault' && key !== 'times');
  if (extra !== undefined) return `unknown field ${extra}`;
  const { method } = value;
  if (typeof method !== 'string' || !(FAULT_METHODS as readonly string[]).includes(method))
    return `method must be one of ${FAULT_METHODS.join(', ')}`;
  const fault = checkFault(value.fault);
  if (typeof fault === 'string') return fault;
  const times = value.times === undefined ? 1 : checkTimes(value.times);
  if (typeof times === 'string') return times;
  return { method: method as FaultMethod, fault, times };
}

// A cap keeps a public demo from growing memory without bound.
const MAX_QUEUED_FAULTS = 100;

/** Faults queued per method, played in order, each for its number of requests. */
export class FaultQueue {
  private readonly faults = new Map<FaultMethod, Array<{ fault: Fault; times: number }>>();

  /** Queues a fault for the next `times` requests to `method`. Throws on an invalid fault. */
  add(method: FaultMethod, fault: Fault, times = 1): void {
    if (!(FAULT_METHODS as readonly string[]).includes(method))
      throw new TypeError(`method must be one of ${FAULT_METHODS.join(', ')}`);
    const checked = checkFault(fault);
    const count = checkTimes(times);
    if (typeof checked === 'string') throw new TypeError(checked);
    if (typeof count === 'string') throw new TypeError(count);
    const queue = this.faults.get(method) ?? [];
    if (queue.length >= MAX_QUEUED_FAULTS)
      throw new RangeError(`at most ${MAX_QUEUED_FAULTS} faults can be queued per method`);
    queue.push({ fault: checked, times: count });
    this.faults.set(method, queue);
  }

  clear(): void {
    this.faults.clear();
  }

  /** Faults still queued, grouped by method, each group in the order it will play. */
  pending(): Array<{ method: FaultMethod; fault: Fault; times: number }> {
    return [...this.faults].flatMap(([method, queue]) =>
      queue.map((q) => ({ method, fault: structuredClone(q.fault), times: q.times })),
    );
  }

  /** The fault the next request to `method` must play, if any (used up as it is taken). */
  take(method: FaultMethod): Fault | undefined {
    const queue = this.faults.get(method);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    if (--head.times === 0) queue.shift();
    return structuredClone(head.fault);
  }
}

/**
 * Plays a fault on this request. Resolves true when the fault took the request over (answered, or never will),
 * false when the route should go on and answer normally (no fault, or a finished delay).
 * `closing` aborts when the server shuts down, so hung and delayed requests never hold `server.close()` up.
 */
export async function playFault(
  fault: Fault | undefined,
  request: FastifyRequest,
  reply: FastifyReply,
  closing: AbortSignal,
): Promise<boolean> {
  if (!fault) return false;
  switch (fault.kind) {
    case 'status': {
      if (fault.status === 429 || fault.retryAfter !== undefined)
        reply.header('retry-after', String(fault.retryAfter ?? 1));
      const body =
        fault.body ?? (fault.status === 429 ? '{"ok":false,"error":"ratelimited"}' : errorHtml(fault.status));
      reply
        .code(fault.status)
        .type(isJson(body) ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8')
        .send(body);
      return true;
    }
    case 'malformed':
      reply.code(200).type('application/json; charset=utf-8').send('<html>oops');
      return true;
    case 'delay':
      // On shutdown the wait ends early and the request is answered at once.
      await sleep(fault.ms, undefined, { signal: closing }).catch(() => undefined);
      return false;
    case 'hang': {
      reply.hijack();
      const socket = request.raw.socket;
      const end = (): void => void socket.destroy();
      if (closing.aborted) end();
      closing.addEventListener('abort', end, { once: true });
      socket.once('close', () => closing.removeEventListener('abort', end));
      return true;
    }
    case 'reset':
      reply.hijack();
      request.raw.socket.destroy();
      return true;
  }
}

function errorHtml(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1><p>Slack is having trouble. Try again later.</p></body></html>\n`;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isInt(value: unknown, min: number, max: number): value is number {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}
