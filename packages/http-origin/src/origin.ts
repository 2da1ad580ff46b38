/**
 * The HTTP origin: its workers, its state (idle, starting, listening, draining, closing,
 * closed) published on diagnostics_channel, drain and close, and stats() summed from the
 * workers' shared counters.
 */
import { channel } from 'node:diagnostics_channel';
import { loadUws, uwsBackend, uwsFallbackReason, uwsLoadCause } from './backend.js';
import type { UwsBackend } from './backend.js';
import { BYTES_SLOT, INFLIGHT_SLOT, ROUTES, STATUSES, Shared, openConnections, slot } from './counters.js';
import type { RouteName } from './counters.js';
import { FallbackRefusedError, InvalidStateError } from './errors.js';
import type { WorkerError } from './errors.js';
import { listenAll } from './listen.js';
import { renderMetrics } from './metrics.js';
import { LIMITS, resolveOptions } from './options.js';
import type { HttpOriginOptions, ResolvedOptions } from './options.js';
import type { ThreadInit } from './server.js';
import { localThread, workerThread } from './workers.js';
import type { ThreadHandle } from './workers.js';

export type HttpOriginState = 'idle' | 'starting' | 'listening' | 'draining' | 'closing' | 'closed';

export interface HttpOriginStats {
  backend: UwsBackend;
  /** Serving worker threads (1 with the fallback). */
  workers: number;
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
    /** Per worker thread, in worker order. */
    byWorker: number[];
  };
  /** Response body bytes sent (headers not counted). */
  bytesSent: number;
  /** Open TCP connections to the port (from /proc/net/tcp*); null where /proc is not available. */
  openConnections: number | null;
  /** Streaming (/data) responses not finished yet. */
  inFlight: number;
  /** The first worker-thread failure after start (also published on CHANNELS.error), else null. */
  workerError: WorkerError | null;
}

export interface HttpOrigin {
  /** Start every worker listening; resolves the bound address and port. */
  listen(): Promise<{ address: string; port: number }>;
  /**
   * Graceful stop: /healthz turns 503 at once, serving continues for drainSeconds, then the
   * listeners close, in-flight responses finish, connections close, workers end. Resolves
   * when all of that is done. Calling it again returns the same promise.
   */
  drain(): Promise<void>;
  /** Stop now: listeners and connections closed, in-flight responses cut, workers ended. Ends a drain early. */
  close(): Promise<void>;
  /** Counters summed over every worker (synchronous: the workers share one SharedArrayBuffer). */
  stats(): HttpOriginStats;
  /** The Prometheus text /metrics serves (without metricsExtra), for an admin listener elsewhere. */
  metrics(): string;
  readonly options: Readonly<ResolvedOptions>;
  readonly backend: UwsBackend;
}

/** diagnostics_channel names (the library never logs). */
export const CHANNELS = Object.freeze({
  /** `{ origin, state, port }` on every state change */
  state: 'anycast-origin:http-origin:state',
  /** `{ origin, error }` a failure after listen(): a worker thread that threw or exited */
  error: 'anycast-origin:http-origin:error',
});
const stateChannel = channel(CHANNELS.state);
const errorChannel = channel(CHANNELS.error);

function refuseFallback(opts: ResolvedOptions): UwsBackend {
  const backend = uwsBackend();
  if (backend === 'fallback' && !opts.allowFallback) {
    throw new FallbackRefusedError(uwsFallbackReason() ?? 'unknown', { cause: uwsLoadCause() });
  }
  loadUws();
  return backend;
}

function statsOf(shared: Shared, base: Omit<HttpOriginStats, 'requests' | 'bytesSent' | 'inFlight' | 'uptimeSeconds'>): HttpOriginStats {
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
  const byWorker: number[] = [];
  for (let w = 0; w < shared.workers; w++) byWorker.push(shared.workerRequests(w));
  return {
    ...base,
    uptimeSeconds: (Date.now() - shared.startedAt) / 1000,
    requests: { total, byRoute, byWorker },
    bytesSent: shared.sum(BYTES_SLOT),
    inFlight: shared.sum(INFLIGHT_SLOT),
  };
}

export function createHttpOrigin(options: HttpOriginOptions): HttpOrigin {
  const opts = resolveOptions(options);
  const backend = refuseFallback(opts);
  // The fallback is node:http underneath: no SO_REUSEPORT across workers, so one worker.
  const workers = backend === 'fallback' ? 1 : opts.workers;
  const shared = new Shared(workers);
  let state: HttpOriginState = 'idle';
  let handles: ThreadHandle[] = [];
  let boundPort: number | null = null;
  let drainPromise: Promise<void> | undefined;
  let closePromise: Promise<void> | undefined;
  let drainTimer: NodeJS.Timeout | undefined;
  let wakeDrain: (() => void) | undefined;
  let workerFailure: WorkerError | undefined;

  const stopped = (): boolean => state === 'closing' || state === 'closed';
  const setState = (s: HttpOriginState): void => {
    state = s;
    if (stateChannel.hasSubscribers) stateChannel.publish({ origin, state: s, port: boundPort });
  };
  const init = (worker: number): ThreadInit => ({
    worker,
    workers,
    identity: opts.identity,
    host: opts.host,
    maxDataBytes: opts.maxDataBytes,
    benchmarkRoutes: opts.benchmarkRoutes,
    metricsRoute: opts.metricsRoute,
    metricsExtra: opts.metricsExtra !== undefined,
    version: opts.version,
    sab: shared.buffer,
  });
  const onWorkerFailure = (error: WorkerError): void => {
    workerFailure ??= error;
    if (errorChannel.hasSubscribers) errorChannel.publish({ origin, error });
  };
  const start = (worker: number): ThreadHandle => {
    const h = workers === 1 ? localThread(init(worker), opts.metricsExtra) : workerThread(init(worker), onWorkerFailure, opts.metricsExtra);
    handles.push(h);
    return h;
  };
  const stopAll = async (graceful: boolean): Promise<void> => {
    await Promise.all(handles.map((h) => (graceful ? h.finish(LIMITS.closeLingerMs) : h.forceClose())));
  };

  const origin: HttpOrigin = {
    options: Object.freeze({ ...opts, workers }),
    backend,

    async listen() {
      if (state !== 'idle') throw new InvalidStateError(`listen() called in state ${state}: an origin listens once`);
      setState('starting');
      try {
        boundPort = await listenAll(opts.host, opts.port, workers, start, stopped, () => new InvalidStateError('close() was called while listen() was starting'));
        shared.port = boundPort;
        if ((state as HttpOriginState) === 'starting') setState('listening'); // close() may have run meanwhile
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
      return statsOf(shared, {
        backend,
        workers,
        state,
        listening: state === 'listening' || state === 'draining',
        draining: shared.draining,
        address: opts.host,
        port: boundPort,
        openConnections: boundPort !== null && state !== 'closed' ? openConnections(boundPort) : 0,
        workerError: workerFailure ?? null,
      });
    },

    metrics() {
      return renderMetrics(shared, { identity: opts.identity, backend, version: opts.version });
    },
  };
  return origin;
}
