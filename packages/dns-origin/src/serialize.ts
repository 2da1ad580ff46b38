/** Resolved options across the cluster IPC boundary (JSON; the NSID Buffer as hex). */
import type { ResolvedOptions } from './options.js';
import type { StatsSnapshot } from './counters.js';
import type { UdpBackend } from './udp.js';

export const WORKER_ENV = 'ANYCAST_ORIGIN_DNS_WORKER_OPTIONS';

export function serializeOptions(opts: ResolvedOptions): string {
  return JSON.stringify({ ...opts, nsid: opts.nsid === false ? false : opts.nsid.toString('hex') });
}

export function deserializeOptions(json: string): ResolvedOptions {
  const o = JSON.parse(json) as Omit<ResolvedOptions, 'nsid'> & { nsid: string | false };
  return { ...o, nsid: o.nsid === false ? false : Buffer.from(o.nsid, 'hex') };
}

/** Messages between the primary and its workers. */
export type ToWorker =
  | { dnsOrigin: 1; type: 'stats'; seq: number }
  | { dnsOrigin: 1; type: 'close-tcp'; seq: number }
  | { dnsOrigin: 1; type: 'close'; seq: number };

export type FromWorker =
  | { dnsOrigin: 1; type: 'listening'; address: string; udpPort: number; tcpPort: number; udpBackend: UdpBackend }
  | { dnsOrigin: 1; type: 'listen-error'; code: string; message: string }
  | { dnsOrigin: 1; type: 'reply'; seq: number; stats?: StatsSnapshot };

export function isFromWorker(m: unknown): m is FromWorker {
  return typeof m === 'object' && m !== null && (m as { dnsOrigin?: unknown }).dnsOrigin === 1;
}
