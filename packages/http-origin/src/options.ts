/**
 * Every option of the HTTP origin, described once (@anycast-origin/options): the types, the
 * defaults, validation and the README table are derived from OPTIONS below; the CLI derives
 * its flags, variables and config keys from it too. Fixed limits that are not options are in
 * LIMITS.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import type { Identity } from '@anycast-origin/identity';
import { defaultsOf, o, parseOptions } from '@anycast-origin/options';
import type { OptionsInput, OptionsOutput } from '@anycast-origin/options';
import { InvalidOptionError } from './errors.js';

/** Fixed limits that are not options (documented in the README). */
export const LIMITS = Object.freeze({
  /** Most workers createHttpOrigin accepts. */
  maxWorkers: 256,
  /** Largest maxDataBytes accepted (1 GiB). */
  maxDataBytesLimit: 1024 * 1024 * 1024,
  /** /data is streamed in chunks of this many bytes (64 KiB) with tryEnd/onWritable. */
  dataChunkBytes: 64 * 1024,
  /** After the listeners close: how long (ms) idle keep-alive connections may still send one last request before they are closed. */
  closeLingerMs: 250,
  /** Longest time (ms) close() waits for a worker thread to end before it is terminated. */
  workerExitTimeoutMs: 5_000,
});

const HEADER_UNSAFE = /[\r\n\0]/;

/** No C0 control characters and no DEL. */
function printable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
}

/** What the origin needs of an Identity: an id and hostname, and nothing that could break a header. */
const identitySchema = z.custom<Identity>((v) => {
  if (v === null || typeof v !== 'object') return false;
  const i = v as Partial<Identity>;
  return typeof i.id === 'string' && i.id !== '' && typeof i.hostname === 'string'
    && !HEADER_UNSAFE.test(i.id) && (i.region === undefined || (typeof i.region === 'string' && !HEADER_UNSAFE.test(i.region)));
});

export const OPTIONS = o.group({
  identity: o.custom(identitySchema, {
    required: true,
    expects: 'an Identity from @anycast-origin/identity (id and hostname; no CR, LF or NUL in id or region)',
    doc: 'who answers: every body and header is built from it once',
  }),
  host: o.ip({ default: '127.0.0.1', doc: "listen address; a public origin passes '0.0.0.0' or '::' (dual-stack)" }),
  port: o.integer({ min: 0, max: 65_535, default: 8080, doc: 'TCP port; 0 = a free ephemeral port' }),
  workers: o.integer({
    min: 1, max: LIMITS.maxWorkers, defaultText: 'one per core (`os.availableParallelism()`)',
    doc: 'uWS apps, one per worker thread, on the same port (SO_REUSEPORT); 1 serves from the calling thread',
  }),
  drainSeconds: o.number({
    min: 0, max: 86_400, default: 40, unit: 's',
    doc: "drain(): seconds /healthz answers 503 while serving goes on: Global Accelerator's health check, 10 s interval x threshold 3, plus one interval for the change to reach every edge",
  }),
  maxDataBytes: o.integer({ min: 0, max: LIMITS.maxDataBytesLimit, default: 1024 * 1024, unit: 'bytes', doc: 'largest /data?size=N' }),
  benchmarkRoutes: o.boolean({
    default: false,
    doc: '/bench and /data?size=N (bandwidth tests): off by default, since through a public address /data is a bandwidth amplifier billed to the owner',
  }),
  metricsRoute: o.boolean({ default: true, doc: '/metrics on this port (a deployed host serves metrics on a private admin listener instead)' }),
  metricsExtra: o.custom(z.custom<() => string | Promise<string>>((v) => typeof v === 'function'), {
    expects: 'a function returning Prometheus text',
    doc: "more Prometheus text appended to /metrics (another origin's counters); called on the thread that created the origin",
  }),
  allowFallback: o.boolean({ default: false, doc: "accept uWebSockets.js's pure-Node fallback (slow; one thread; /data without backpressure)" }),
  version: o.string({
    maxBytes: 128, default: '0.0.0', check: printable, expects: 'a printable string of 1..128 bytes',
    doc: 'software version reported in /json and anycast_http_origin_info',
  }),
}, { doc: 'HTTP origin options' });

export type HttpOriginOptions = OptionsInput<typeof OPTIONS>;
/** Options after validation, defaults filled in (workers: the core count when not given). */
export type ResolvedOptions = Omit<OptionsOutput<typeof OPTIONS>, 'workers'> & { workers: number };

/** The constant defaults (computed ones, like workers, are in the option's doc). */
export const DEFAULTS = Object.freeze(defaultsOf(OPTIONS)) as Readonly<Omit<ResolvedOptions, 'identity' | 'workers' | 'metricsExtra'>>;

/** Workers default to one per core the process may use. */
export function defaultWorkers(): number {
  return Math.min(availableParallelism(), LIMITS.maxWorkers);
}

/** Validate every option up front (unknown keys too) and fill in the defaults. Throws InvalidOptionError. */
export function resolveOptions(options: unknown): ResolvedOptions {
  const out = parseOptions(OPTIONS, options, (option, message) => new InvalidOptionError(option, message));
  return { ...out, workers: out.workers ?? defaultWorkers() };
}
