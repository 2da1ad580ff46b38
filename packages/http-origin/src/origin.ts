import { channel } from 'node:diagnostics_channel';
import { createServer } from 'node:net';
import { loadUws, uwsBackend, uwsFallbackReason, uwsLoadCause } from './backend.js';
import type { UwsBackend } from './backend.js';
import { BYTES_SLOT, INFLIGHT_SLOT, ROUTES, STATUSES, Shared, openConnections, slot } from './counters.js';
import type { RouteName } from './counters.js';
import { LIMITS } from './defaults.js';
import { AddressInUseError, FallbackRefusedError, InvalidStateError, ListenError } from './errors.js';
import type { HttpOriginError, WorkerError } from './errors.js';
import { resolveOptions } from './options.js';
import type { HttpOriginOptions, ResolvedOptions } from './options.js';
import { localThread, workerThread } from './workers.js';
import type { ThreadHandle } from './workers.js';
import type { ThreadInit } from './server.js';

export type HttpOriginState = 'idle' | 'starting' | 'listening' | 'draining' | 'closing' | 'closed';

export interface HttpOriginStats {
  backend: UwsBackend;
  /** Serving threads (1 with the fallback). */
  threads: number;
  state: HttpOriginState;
  listening: boolean;
  /** True from the moment drain() starts (/healthz answers 503). */
  draining: boolean;
  address: string;
  /** The bound port (null before listen()). */
  port: number | null;
  uptimeSeconds: number;
  requests: {
    total: number;
    /** Per route, per status code (as a string key), e.g. `byRoute.root['200']`. */
    byRoute: Record<RouteName, Record<string, number>>;
    /** Per serving thread, in thread order. */
    byThread: number[];
  };
  /** Response body bytes sent (headers not counted). */
  bytesSent: number;
  /** Open TCP connections to the port (from /proc/net/tcp*); null where /proc is not available. */
  openConnections: number | null;
  /** Streaming (/data) responses not finished yet. */
  inFlight: number;
  /** The first worker-thread failure after start (also published on ERROR_CHANNEL), else null. */
  workerError: WorkerError | null;
}

export interface HttpOrigin {
  /** Start every thread listening; resolves the bound address and port. */
  listen(): Promise<{ address: string; port: number }>;
  /**
   * Graceful stop: /healthz turns 503 at once, serving continues for drainSeconds, then the
   * listeners close, in-flight responses finish, connections close, threads end. Resolves
   * when all of that is done. Calling it again returns the same promise.
   */
  drain(): Promise<void>;
  /** Stop now: listeners and connections closed, in-flight responses cut, threads ended. Ends a drain early. */
  close(): Promise<void>;
  /** Counters summed over every thread (synchronous: the threads share one SharedArrayBuffer). */
  stats(): HttpOriginStats;
  readonly options: Readonly<ResolvedOptions>;
  readonly backend: UwsBackend;
}

/** diagnostics_channel the origin publishes its state changes on: `{ origin, state, port }`. */
export const STATE_CHANNEL = 'anycast-origin:http-origin:state';
const stateChannel = channel(STATE_CHANNEL);
/** diagnostics_channel for failures after listen() (a worker thread that threw or exited): `{ origin, error }`. */
export const ERROR_CHANNEL = 'anycast-origin:http-origin:error';
const errorChannel = channel(ERROR_CHANNEL);

/** Ask node:net why host:port cannot be bound (uWS only says false). */
async function whyNotListening(host: string, port: number): Promise<HttpOriginError> {
  const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    const s = createServer();
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(null)));
  });
  if (err?.code === 'EADDRINUSE') return new AddressInUseError(host, port, { cause: err });
  if (err) return new ListenError(host, port, `${err.code ?? 'error'}: ${err.message}`, { cause: err });
  return new ListenError(host, port, 'uWebSockets.js could not listen (the address was free when checked again)');
}

/** An ephemeral port that is free right now on host. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ host, port: 0, exclusive: true }, () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export function createHttpOrigin(options: HttpOriginOptions): HttpOrigin {
  const opts = resolveOptions(options);
  const backend = uwsBackend();
  if (backend === 'fallback' && !opts.allowFallback) {
    throw new FallbackRefusedError(uwsFallbackReason() ?? 'unknown', { cause: uwsLoadCause() });
  }
  loadUws();
  // The fallback is node:http underneath: no SO_REUSEPORT across threads, so one thread.
  const threadCount = backend === 'fallback' ? 1 : opts.threads;
  const shared = new Shared(threadCount);
  let state: HttpOriginState = 'idle';
  let handles: ThreadHandle[] = [];
  let boundPort: number | null = null;
  let drainPromise: Promise<void> | undefined;
  let closePromise: Promise<void> | undefined;
  let drainTimer: NodeJS.Timeout | undefined;
  let wakeDrain: (() => void) | undefined;
  let workerFailure: WorkerError | undefined;

  const current = (): HttpOriginState => state;
  const stopped = (): boolean => state === 'closing' || state === 'closed';
  const setState = (s: HttpOriginState): void => {
    state = s;
    if (stateChannel.hasSubscribers) stateChannel.publish({ origin, state: s, port: boundPort });
  };

  const init = (thread: number): ThreadInit => ({
    thread,
    threads: threadCount,
    identity: opts.identity,
    host: opts.host,
    maxDataBytes: opts.maxDataBytes,
    version: opts.version,
    sab: shared.buffer,
  });

  const startThread = (thread: number): ThreadHandle =>
    threadCount === 1
      ? localThread(init(thread))
      : workerThread(init(thread), (error) => {
        workerFailure ??= error;
        if (errorChannel.hasSubscribers) errorChannel.publish({ origin, error });
      });

  const stopAll = async (graceful: boolean): Promise<void> => {
    const hs = handles;
    await Promise.all(hs.map((h) => (graceful ? h.finish(LIMITS.closeLingerMs) : h.forceClose())));
  };

  const origin: HttpOrigin = {
    options: Object.freeze({ ...opts, threads: threadCount }),
    backend,

    async listen() {
      if (state !== 'idle') throw new InvalidStateError(`listen() called in state ${state}: an origin listens once`);
      setState('starting');
      try {
        const first = startThread(0);
        handles.push(first);
        let p: number | false;
        if (opts.port === 0 && threadCount > 1) {
          // uSockets sets SO_REUSEPORT only for a non-zero port: pick a free port first so the
          // other threads can join it (retry if someone takes it in between).
          let tries = 0;
          do p = await first.listen(await freePort(opts.host));
          while (p === false && !stopped() && ++tries < 5);
        } else p = await first.listen(opts.port);
        if (stopped()) throw new InvalidStateError('close() was called while listen() was starting');
        if (p === false) throw await whyNotListening(opts.host, opts.port);
        boundPort = p;
        shared.port = p;
        for (let t = 1; t < threadCount; t++) handles.push(startThread(t));
        const rest = await Promise.all(handles.slice(1).map((h) => h.listen(p)));
        if (stopped()) throw new InvalidStateError('close() was called while listen() was starting');
        const bad = rest.findIndex((r) => r === false);
        if (bad >= 0) throw new ListenError(opts.host, p, `thread ${bad + 1} of ${threadCount} could not join the port (SO_REUSEPORT)`);
        if (current() === 'starting') setState('listening');
      } catch (err) {
        await stopAll(false);
        handles = [];
        boundPort = null;
        shared.port = 0;
        setState('closed');
        throw err;
      }
      return { address: opts.host, port: boundPort };
    },

    drain() {
      if (drainPromise) return drainPromise;
      shared.draining = true;
      if (state === 'idle' || state === 'closed' || state === 'closing') {
        drainPromise = closePromise ?? Promise.resolve();
        if (state === 'idle') setState('closed');
        return drainPromise;
      }
      setState('draining');
      drainPromise = (async () => {
        await new Promise<void>((resolve) => {
          wakeDrain = resolve;
          drainTimer = setTimeout(resolve, opts.drainSeconds * 1000);
        });
        if (closePromise) return closePromise;
        setState('closing');
        await stopAll(true);
        setState('closed');
      })();
      return drainPromise;
    },

    close() {
      if (closePromise) return closePromise;
      if (state === 'closed') return (closePromise = drainPromise ?? Promise.resolve());
      if (state === 'closing' && drainPromise) return (closePromise = drainPromise);
      closePromise = (async () => {
        if (drainTimer) clearTimeout(drainTimer);
        setState('closing');
        await stopAll(false);
        setState('closed');
        wakeDrain?.();
      })();
      return closePromise;
    },

    stats(): HttpOriginStats {
      const byRoute = {} as Record<RouteName, Record<string, number>>;
      let total = 0;
      ROUTES.forEach((route, r) => {
        const m: Record<string, number> = {};
        STATUSES.forEach((status, s) => {
          const n = shared.sum(slot(r, s));
          m[String(status)] = n;
          total += n;
        });
        byRoute[route] = m;
      });
      const byThread: number[] = [];
      for (let t = 0; t < threadCount; t++) byThread.push(shared.threadRequests(t));
      const listening = state === 'listening' || state === 'draining';
      return {
        backend,
        threads: threadCount,
        state,
        listening,
        draining: shared.draining,
        address: opts.host,
        port: boundPort,
        uptimeSeconds: (Date.now() - shared.startedAt) / 1000,
        requests: { total, byRoute, byThread },
        bytesSent: shared.sum(BYTES_SLOT),
        openConnections: boundPort !== null && state !== 'closed' ? openConnections(boundPort) : 0,
        inFlight: shared.sum(INFLIGHT_SLOT),
        workerError: workerFailure ?? null,
      };
    },
  };
  return origin;
}
