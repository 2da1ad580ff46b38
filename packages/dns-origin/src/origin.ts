import { WorkerPool } from './workers.js';
import { InvalidStateError } from './errors.js';
import { resolveOptions } from './options.js';
import type { DnsOriginOptions, ResolvedOptions } from './options.js';
import { Server } from './server.js';
import type { Bound } from './server.js';
import { sumStats } from './counters.js';
import { renderMetrics } from './metrics.js';
import type { DnsOriginStats } from './counters.js';

export interface DnsOrigin {
  /**
   * Bind UDP and TCP on one port number. Rejects with a DnsOriginError (e.g. ADDRESS_IN_USE).
   * `udpBackend` says how UDP is served: 'mmsg' (batched), 'udp_wrap' or 'dgram'.
   */
  listen(): Promise<Bound>;
  /**
   * Close the TCP listener now (health checks start failing), keep answering UDP (and open
   * TCP connections) for `drainSeconds`, then close. Resolves once closed.
   */
  drain(): Promise<void>;
  /** Close everything now (also cuts a drain short). Idempotent. */
  close(): Promise<void>;
  /** Counters summed over every worker (a Promise: workers are asked over IPC). */
  stats(): Promise<DnsOriginStats>;
  /** The counters as Prometheus text (`anycast_dns_origin_*`), for a /metrics endpoint. */
  metrics(): Promise<string>;
  /** The validated options with defaults filled in. */
  readonly options: Readonly<ResolvedOptions>;
}

type State = 'idle' | 'listening' | 'draining' | 'closed';

/** Create a DNS origin. Options are validated now (throws InvalidOptionError); nothing binds until listen(). */
export function createDnsOrigin(options: DnsOriginOptions): DnsOrigin {
  const opts = resolveOptions(options);
  let state: State = 'idle';
  let listening: Promise<Bound> | undefined;
  let single: Server | undefined;
  let pool: WorkerPool | undefined;
  let drainTimer: NodeJS.Timeout | undefined;
  let wakeDrain: (() => void) | undefined;
  let draining: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  let udpBackend: string | undefined;

  const closeSockets = async () => {
    if (listening) await listening.catch(() => undefined);
    await single?.close();
    await pool?.close();
  };

  const origin: DnsOrigin = {
    options: opts,
    listen() {
      if (state !== 'idle') return Promise.reject(new InvalidStateError(`listen() called while ${state}`));
      state = 'listening';
      listening = (async () => {
        if (opts.workers === 1) {
          single = new Server(opts);
          return single.listen(opts.port);
        }
        pool = new WorkerPool(opts);
        return pool.listen();
      })();
      listening.then((b) => { udpBackend = b.udpBackend; }, () => { state = 'closed'; });
      return listening;
    },
    drain() {
      if (draining) return draining;
      if (state === 'idle' || state === 'closed') return origin.close();
      state = 'draining';
      draining = (async () => {
        await listening?.catch(() => undefined);
        await single?.closeTcpListener();
        await pool?.closeTcpListener();
        if (state === 'draining' && opts.drainSeconds > 0) {
          await new Promise<void>((resolve) => {
            wakeDrain = resolve;
            drainTimer = setTimeout(resolve, opts.drainSeconds * 1000);
          });
        }
        await origin.close();
      })();
      return draining;
    },
    close() {
      if (closing) return closing;
      state = 'closed';
      if (drainTimer) clearTimeout(drainTimer);
      wakeDrain?.();
      closing = closeSockets();
      return closing;
    },
    async stats() {
      if (pool) return sumStats(await pool.stats(), state);
      const parts = single ? [single.snapshot()] : [];
      const s = sumStats(parts, state);
      s.workers = opts.workers === 1 ? 1 : 0;
      return s;
    },
    async metrics() {
      return renderMetrics(await origin.stats(), { identity: opts.identity, version: opts.version, udpBackend });
    },
  };
  return origin;
}
