/**
 * Counters shared by every thread through one SharedArrayBuffer: each thread bumps plain
 * numbers in its own slice in the hot path (one writer per slot, no atomics, no messages);
 * any thread (and the main thread's stats()) sums the slices when /metrics is scraped.
 * Flags (draining) and the port are Int32 cells read and written with Atomics.
 */
import { readFileSync } from 'node:fs';

/** Route labels, in counter order. Every path not listed is `root` (the identity text). */
export const ROUTES = Object.freeze(['root', 'json', 'healthz', 'metrics', 'bench', 'data'] as const);
export type RouteName = (typeof ROUTES)[number];
export const ROUTE = Object.freeze({ root: 0, json: 1, healthz: 2, metrics: 3, bench: 4, data: 5 } as const);

/** Statuses the origin itself answers with, in counter order. */
export const STATUSES = Object.freeze([200, 400, 405, 500, 503] as const);
export type StatusCode = (typeof STATUSES)[number];
export const STATUS = Object.freeze({ 200: 0, 400: 1, 405: 2, 500: 3, 503: 4 } as const);

const NS = STATUSES.length;
/** Slot of the response-body byte counter within a thread's slice. */
export const BYTES_SLOT = ROUTES.length * NS;
/** Slot of the in-flight (streaming) response gauge within a thread's slice. */
export const INFLIGHT_SLOT = BYTES_SLOT + 1;
/** Float64 slots per worker thread (routes x statuses, bytes, in flight; a multiple of 8 so threads do not share a cache line). */
export const SLOTS_PER_WORKER = Math.ceil((INFLIGHT_SLOT + 1) / 8) * 8;

/** Int32 control cells. */
const DRAINING = 0;
const PORT = 1;
const CONTROL_CELLS = 16;
/** Float64 global cells, before the thread slices. */
const STARTED_AT = 0;
const GLOBAL_SLOTS = 8;

/** Counter index for (route, status) inside a thread's slice. */
export function slot(route: number, status: number): number {
  return route * NS + status;
}

export class Shared {
  readonly buffer: SharedArrayBuffer;
  /** Worker threads sharing the buffer. */
  readonly workers: number;
  readonly control: Int32Array;
  readonly all: Float64Array;

  constructor(workers: number, buffer?: SharedArrayBuffer) {
    this.workers = workers;
    this.buffer = buffer ?? new SharedArrayBuffer(CONTROL_CELLS * 4 + (GLOBAL_SLOTS + workers * SLOTS_PER_WORKER) * 8);
    this.control = new Int32Array(this.buffer, 0, CONTROL_CELLS);
    this.all = new Float64Array(this.buffer, CONTROL_CELLS * 4, GLOBAL_SLOTS + workers * SLOTS_PER_WORKER);
    if (!buffer) this.all[STARTED_AT] = Date.now();
  }

  /** Worker `t`'s own counters (the hot path writes only here). */
  slice(t: number): Float64Array {
    return new Float64Array(this.buffer, CONTROL_CELLS * 4 + (GLOBAL_SLOTS + t * SLOTS_PER_WORKER) * 8, SLOTS_PER_WORKER);
  }

  get startedAt(): number {
    return this.all[STARTED_AT] ?? 0;
  }

  get draining(): boolean {
    return Atomics.load(this.control, DRAINING) === 1;
  }

  set draining(v: boolean) {
    Atomics.store(this.control, DRAINING, v ? 1 : 0);
  }


  get port(): number {
    return Atomics.load(this.control, PORT);
  }

  set port(v: number) {
    Atomics.store(this.control, PORT, v);
  }

  /** Sum of slot `i` over every thread. */
  sum(i: number): number {
    let s = 0;
    for (let t = 0; t < this.workers; t++) s += this.all[GLOBAL_SLOTS + t * SLOTS_PER_WORKER + i] ?? 0;
    return s;
  }

  /** Requests answered by worker `t`, every route and status. */
  workerRequests(t: number): number {
    let s = 0;
    for (let i = 0; i < BYTES_SLOT; i++) s += this.all[GLOBAL_SLOTS + t * SLOTS_PER_WORKER + i] ?? 0;
    return s;
  }
}

/**
 * Open TCP connections whose local port is `port` (every state but LISTEN and TIME_WAIT),
 * counted from /proc/net/tcp and /proc/net/tcp6 at scrape time (uWS 20.30 has no connection
 * events for HTTP). null where /proc is not available.
 */
export function openConnections(port: number): number | null {
  if (port <= 0) return 0;
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let count = 0;
  let seen = false;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'latin1');
    } catch {
      continue;
    }
    seen = true;
    let pos = text.indexOf('\n') + 1;
    while (pos > 0 && pos < text.length) {
      const end = text.indexOf('\n', pos);
      const line = text.slice(pos, end < 0 ? text.length : end);
      pos = end < 0 ? -1 : end + 1;
      // "  sl  local_address rem_address   st ..."
      const f = line.trim().split(/\s+/);
      const local = f[1];
      const st = f[3];
      if (local === undefined || st === undefined) continue;
      if (local.endsWith(hexPort) && st !== '0A' && st !== '06') count++;
    }
  }
  return seen ? count : null;
}
