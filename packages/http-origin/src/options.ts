import { isIP } from 'node:net';
import type { Identity } from '@anycast-origin/identity';
import { DEFAULTS, LIMITS, defaultThreads } from './defaults.js';
import { InvalidOptionError } from './errors.js';

export interface HttpOriginOptions {
  /** Who answers: from @anycast-origin/identity (createIdentity or resolveIdentity). Required. */
  identity: Identity;
  /** Listen address. @default '127.0.0.1' */
  host?: string;
  /** TCP port, 0 for an ephemeral one. @default 8080 */
  port?: number;
  /** uWS apps, one per worker thread, sharing the port (SO_REUSEPORT). 1 runs in the calling thread. @default os.availableParallelism() */
  threads?: number;
  /** Seconds drain() keeps serving (with /healthz at 503) before it closes the listeners. @default 90 */
  drainSeconds?: number;
  /** Largest /data?size=N, in bytes. @default 1048576 (1 MiB) */
  maxDataBytes?: number;
  /** Accept the slow pure-Node uWS fallback (runs on one thread). @default false */
  allowFallback?: boolean;
  /** Software version reported in /json. @default '0.0.0' */
  version?: string;
}

/** Options after validation and defaults. */
export interface ResolvedOptions {
  identity: Identity;
  host: string;
  port: number;
  threads: number;
  drainSeconds: number;
  maxDataBytes: number;
  allowFallback: boolean;
  version: string;
}

const KNOWN = new Set(['identity', 'host', 'port', 'threads', 'drainSeconds', 'maxDataBytes', 'allowFallback', 'version']);

function integer(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new InvalidOptionError(name, `must be an integer, got ${describe(v)}`);
  if (v < min || v > max) throw new InvalidOptionError(name, `must be between ${min} and ${max}, got ${v}`);
  return v;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v == null) return String(v);
  return typeof v;
}

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Validate every option up front (unknown keys too) and fill in the defaults. */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (options == null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidOptionError('options', `must be an object, got ${describe(options)}`);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) throw new InvalidOptionError(key, `unknown option (known: ${[...KNOWN].join(', ')})`);
  }
  const identity = o.identity as Identity | undefined;
  if (identity == null || typeof identity !== 'object') throw new InvalidOptionError('identity', 'is required (an Identity from @anycast-origin/identity)');
  if (typeof identity.id !== 'string' || identity.id === '' || typeof identity.hostname !== 'string') {
    throw new InvalidOptionError('identity', 'must be an Identity from @anycast-origin/identity (with id and hostname)');
  }
  if (/[\r\n\0]/.test(identity.id) || (identity.region !== undefined && /[\r\n\0]/.test(identity.region))) {
    throw new InvalidOptionError('identity', 'id and region must not contain CR, LF or NUL');
  }

  let host: string = DEFAULTS.host;
  if (o.host !== undefined) {
    if (typeof o.host !== 'string' || isIP(o.host) === 0) throw new InvalidOptionError('host', `must be an IPv4 or IPv6 address, got ${describe(o.host)}`);
    host = o.host;
  }
  const port = o.port === undefined ? DEFAULTS.port : integer('port', o.port, 0, 65535);
  const threads = o.threads === undefined ? Math.min(defaultThreads(), LIMITS.maxThreads) : integer('threads', o.threads, 1, LIMITS.maxThreads);
  let drainSeconds: number = DEFAULTS.drainSeconds;
  if (o.drainSeconds !== undefined) {
    const d = o.drainSeconds;
    if (typeof d !== 'number' || !Number.isFinite(d)) throw new InvalidOptionError('drainSeconds', `must be a number of seconds, got ${describe(d)}`);
    if (d < 0 || d > LIMITS.maxDrainSeconds) throw new InvalidOptionError('drainSeconds', `must be between 0 and ${LIMITS.maxDrainSeconds}, got ${d}`);
    drainSeconds = d;
  }
  const maxDataBytes = o.maxDataBytes === undefined ? DEFAULTS.maxDataBytes : integer('maxDataBytes', o.maxDataBytes, 0, LIMITS.maxDataBytesLimit);
  let allowFallback: boolean = DEFAULTS.allowFallback;
  if (o.allowFallback !== undefined) {
    if (typeof o.allowFallback !== 'boolean') throw new InvalidOptionError('allowFallback', `must be a boolean, got ${describe(o.allowFallback)}`);
    allowFallback = o.allowFallback;
  }
  let version: string = DEFAULTS.version;
  if (o.version !== undefined) {
    if (typeof o.version !== 'string' || o.version.length > 128 || hasControl(o.version)) {
      throw new InvalidOptionError('version', `must be a printable string of at most 128 characters, got ${describe(o.version)}`);
    }
    version = o.version;
  }
  return { identity, host, port, threads, drainSeconds, maxDataBytes, allowFallback, version };
}
