/**
 * `probe http`: the seed's `for i in {1..100}; do curl -s http://IP; done | sort | uniq -c`,
 * done right. Each request opens a new connection (a new flow, so the accelerator routes it
 * anew, as each curl did) unless keepAlive; every failure is counted by kind, never thrown;
 * connect and total times are kept for the percentiles.
 */
import { performance } from 'node:perf_hooks';
import { buildConnector, Client } from 'undici';
import { identityFromHttpBody } from './identity.js';
import { HTTP_OPTIONS, resolve } from './options.js';
import type { OptionsInput } from './options.js';
import { pool, tally } from './tally.js';
import type { ErrorKind, MeasureHooks, MeasureReport, Outcome } from './tally.js';

export type MeasureHttpOptions = OptionsInput<typeof HTTP_OPTIONS>;

/** Largest body read: the identity line is short; anything bigger is not an identity answer. */
const MAX_BODY_BYTES = 64 * 1024;

/** The kind of a failed request, from undici's and the socket's error codes. */
export function httpErrorKind(err: unknown): ErrorKind {
  const e = err as { code?: string; name?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  if (code === 'ECONNREFUSED') return 'refused';
  if (['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'].includes(code) || e.name === 'TimeoutError') return 'timeout';
  if (['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_CLOSED'].includes(code)) return 'reset';
  if (code.startsWith('HPE_') || e.name === 'HTTPParserError' || code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE' || code === 'UND_ERR_INFO') return 'garbage';
  return 'other';
}

function message(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return `${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`;
}

interface Connection {
  client: Client;
  /** the connector sets `connectMs` when the client opens its connection; requestOnce reads and clears it */
  timing: { connectMs?: number };
}

function open(url: URL, o: { sourceAddress?: string | undefined; timeoutMs: number; keepAlive: boolean }): Connection {
  const timing: Connection['timing'] = {};
  const connector = buildConnector({ timeout: o.timeoutMs });
  const client = new Client(url.origin, {
    connect: (opts, cb) => {
      const t0 = performance.now();
      connector(opts, (...args) => {
        timing.connectMs = performance.now() - t0;
        cb(...args);
      });
    },
    ...(o.sourceAddress ? { localAddress: o.sourceAddress } : {}),
    headersTimeout: o.timeoutMs,
    bodyTimeout: o.timeoutMs,
    maxResponseSize: MAX_BODY_BYTES,
    pipelining: 1,
    // a reused connection must not be closed by undici between requests of one worker
    ...(o.keepAlive ? { keepAliveTimeout: 60_000 } : {}),
  });
  return { client, timing };
}

/** One request's outcome and the raw answer (a sweep writes it in the RIPE Atlas format). */
export interface HttpAnswer {
  outcome: Outcome;
  status?: number;
  body?: string;
  headerBytes?: number;
}

async function requestOnce(conn: Connection, url: URL, reset: boolean, timeoutMs: number): Promise<HttpAnswer> {
  const t0 = performance.now();
  const took = () => {
    const connectMs = conn.timing.connectMs;
    conn.timing.connectMs = undefined;
    return { ...(connectMs !== undefined ? { connectMs } : {}), totalMs: performance.now() - t0 };
  };
  try {
    const res = await conn.client.request({
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { 'user-agent': 'anycast-origin-probe' },
      reset,
      signal: AbortSignal.timeout(timeoutMs * 3),
    });
    const body = await res.body.text();
    const raw = { status: res.statusCode, body, headerBytes: Object.entries(res.headers).reduce((n, [k, v]) => n + k.length + String(v).length + 4, 0) };
    if (res.statusCode !== 200) return { outcome: { ok: false, kind: 'status', detail: `HTTP ${res.statusCode}`, ...took() }, ...raw };
    const identity = identityFromHttpBody(body);
    if (!identity) return { outcome: { ok: false, kind: 'no-identity', detail: `no "hostname: <id>" line in ${JSON.stringify(body.slice(0, 60))}`, ...took() }, ...raw };
    return { outcome: { ok: true, identity, ...took() }, ...raw };
  } catch (err) {
    return { outcome: { ok: false, kind: httpErrorKind(err), detail: message(err), ...took() } };
  }
}

/**
 * Send `count` GET requests to `url` and tally who answered. Never throws for a failed request
 * (they are counted in `errors`/`errorKinds`); throws InvalidOptionError for bad options.
 */
export async function measureHttp(options: MeasureHttpOptions, hooks: MeasureHooks = {}): Promise<MeasureReport> {
  const o = resolve(HTTP_OPTIONS, options);
  const url = new URL(o.url);
  let outcomes: Outcome[];
  if (o.keepAlive) {
    // one connection per worker, reused for its share of the requests
    const workers = Math.min(o.concurrency, o.count);
    const conns = Array.from({ length: workers }, () => open(url, o));
    const free = [...conns];
    try {
      outcomes = await pool(o.count, workers, async () => {
        const conn = free.pop() as Connection;
        try {
          return (await requestOnce(conn, url, false, o.timeoutMs)).outcome;
        } finally {
          free.push(conn);
        }
      }, hooks.onProgress);
    } finally {
      await Promise.all(conns.map((c) => c.client.destroy()));
    }
  } else {
    outcomes = await pool(o.count, o.concurrency, async () => {
      return (await httpOnce(o.url, o)).outcome;
    }, hooks.onProgress);
  }
  return tally(o.url, outcomes);
}

/** One GET on a new connection from one source address (a sweep's measurement). */
export async function httpOnce(url: string, o: { sourceAddress?: string | undefined; timeoutMs: number }): Promise<HttpAnswer> {
  const u = new URL(url);
  const conn = open(u, { ...o, keepAlive: false });
  try {
    return await requestOnce(conn, u, true, o.timeoutMs);
  } finally {
    await conn.client.destroy();
  }
}
