import { createRequire } from 'node:module';
import { isIP, isIPv4, isIPv6 } from 'node:net';
import type { Identity } from '@anycast-origin/identity';
import { InvalidOptionError } from './errors.js';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

/** SOA fields of the optional zone (RFC 1035 3.3.13). */
export interface SoaOptions {
  /** Primary server name. @default the first `ns` name */
  mname?: string;
  /** Responsible mailbox as a name. @default `hostmaster.<zone>` */
  rname?: string;
  /** @default 1 */
  serial?: number;
  /** seconds. @default 3600 */
  refresh?: number;
  /** seconds. @default 600 */
  retry?: number;
  /** seconds. @default 86400 */
  expire?: number;
  /** Negative-caching TTL, seconds (RFC 2308). @default 60 */
  minimum?: number;
}

export interface ZoneOptions {
  /** The zone apex, e.g. `example.net` (the name delegated to the anycast IPs). */
  name: string;
  /** TTL of SOA, NS, A and AAAA records, seconds. @default 300 */
  ttl?: number;
  soa?: SoaOptions;
  /** NS names at the apex. @default [the apex itself] */
  ns?: string[];
  /** IPv4 addresses of the apex (the accelerator's static IPs). @default [] */
  a?: string[];
  /** IPv6 addresses of the apex. @default [] */
  aaaa?: string[];
}

export interface RrlOptions {
  /** Responses per second allowed per source prefix. @default 200 (NSD's rrl-ratelimit) */
  responsesPerSecond?: number;
  /** Seconds a flooding prefix stays limited after it stops (BIND's window). @default 15 */
  windowSeconds?: number;
  /** Every `slip`-th limited response is sent truncated (TC) instead of dropped; 0 = drop all. @default 2 */
  slip?: number;
  /** @default 24 */
  ipv4PrefixLength?: number;
  /** @default 56 */
  ipv6PrefixLength?: number;
}

export interface TcpOptions {
  /** Close a connection with no complete query for this long, ms. @default 10000 */
  idleTimeoutMs?: number;
  /** Close any connection this long after it opened, ms. @default 60000 */
  totalTimeoutMs?: number;
  /** Concurrent connections per process; more are closed at accept. @default 512 */
  maxConnections?: number;
  /** Queries answered on one connection before it is closed. @default 1000 */
  maxQueriesPerConnection?: number;
}

export interface DnsOriginOptions {
  /** Who answers (required). */
  identity: Identity;
  /** IP literal to bind. @default '127.0.0.1' */
  host?: string;
  /** UDP and TCP port (the same number); 0 = an ephemeral port free on both. @default 8053 */
  port?: number;
  /**
   * Processes; > 1 uses node:cluster (TCP accepted by the primary; UDP on one SO_REUSEPORT
   * socket per worker with the mmsg backend, else the primary's socket shared). @default 1
   */
  workers?: number;
  /**
   * UDP I/O: 'mmsg' batches with recvmmsg/sendmmsg (@anycast-origin/udp-mmsg, Linux; listen()
   * rejects where it is unavailable), 'node' uses Node's own UDP socket, 'auto' mmsg when
   * available, else Node's. @default 'auto'
   */
  udpBackend?: 'auto' | 'mmsg' | 'node';
  /** drain(): seconds UDP keeps answering after the TCP listener closed. @default 90 */
  drainSeconds?: number;
  /** Answer REFUSED to id.server / hostname.bind (and id.<zone>). @default false */
  hideIdentity?: boolean;
  /** Answer REFUSED to version.server / version.bind. @default false */
  hideVersion?: boolean;
  /** The version string answered for version.server/bind. @default `@anycast-origin/dns-origin <version>` */
  version?: string;
  /** NSID bytes (RFC 5001); false = never answer NSID. @default the identity id */
  nsid?: string | Buffer | false;
  /** An optional zone served authoritatively (a string is `{ name }`). @default undefined */
  zone?: ZoneOptions | string | undefined;
  /** Response rate limiting over UDP; false switches it off. @default on, see RrlOptions */
  rrl?: false | RrlOptions;
  tcp?: TcpOptions;
}

/** Every default in one place, frozen. */
export const DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  /** port number (UDP and TCP) */
  port: 8053,
  /** processes */
  workers: 1,
  udpBackend: 'auto' as 'auto' | 'mmsg' | 'node',
  /** seconds */
  drainSeconds: 90,
  hideIdentity: false,
  hideVersion: false,
  version: `@anycast-origin/dns-origin ${pkg.version}`,
  /** bytes: UDP socket receive buffer asked for (the kernel caps it at net.core.rmem_max), so
   * a GC pause does not overflow the 208 KiB default under load */
  udpReceiveBufferBytes: 4 * 1024 * 1024,
  zone: Object.freeze({
    /** seconds */
    ttl: 300,
    soa: Object.freeze({
      serial: 1,
      /** seconds */
      refresh: 3600,
      /** seconds */
      retry: 600,
      /** seconds */
      expire: 86_400,
      /** seconds (negative caching, RFC 2308) */
      minimum: 60,
    }),
  }),
  rrl: Object.freeze({
    /** responses per second per prefix */
    responsesPerSecond: 200,
    /** seconds */
    windowSeconds: 15,
    /** every n-th limited response slips out truncated (0 = none) */
    slip: 2,
    /** bits */
    ipv4PrefixLength: 24,
    /** bits */
    ipv6PrefixLength: 56,
    /** prefixes tracked at once (memory bound) */
    maxEntries: 65_536,
  }),
  tcp: Object.freeze({
    /** ms */
    idleTimeoutMs: 10_000,
    /** ms */
    totalTimeoutMs: 60_000,
    /** connections per process */
    maxConnections: 512,
    /** queries per connection */
    maxQueriesPerConnection: 1000,
  }),
});

export interface ResolvedZone {
  name: string;
  ttl: number;
  soa: Required<SoaOptions>;
  ns: string[];
  a: string[];
  aaaa: string[];
}
export interface ResolvedRrl {
  responsesPerSecond: number;
  windowSeconds: number;
  slip: number;
  ipv4PrefixLength: number;
  ipv6PrefixLength: number;
  maxEntries: number;
}
export interface ResolvedOptions {
  identity: Identity;
  host: string;
  port: number;
  workers: number;
  udpBackend: 'auto' | 'mmsg' | 'node';
  drainSeconds: number;
  hideIdentity: boolean;
  hideVersion: boolean;
  version: string;
  nsid: Buffer | false;
  zone: ResolvedZone | undefined;
  rrl: ResolvedRrl | false;
  tcp: Required<TcpOptions>;
}

const TOP_KEYS = ['identity', 'host', 'port', 'workers', 'udpBackend', 'drainSeconds', 'hideIdentity', 'hideVersion', 'version', 'nsid', 'zone', 'rrl', 'tcp'];
const ZONE_KEYS = ['name', 'ttl', 'soa', 'ns', 'a', 'aaaa'];
const SOA_KEYS = ['mname', 'rname', 'serial', 'refresh', 'retry', 'expire', 'minimum'];
const RRL_KEYS = ['responsesPerSecond', 'windowSeconds', 'slip', 'ipv4PrefixLength', 'ipv6PrefixLength'];
const TCP_KEYS = ['idleTimeoutMs', 'totalTimeoutMs', 'maxConnections', 'maxQueriesPerConnection'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], prefix: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new InvalidOptionError(`${prefix}${k}`, `is not a known option (known: ${allowed.join(', ')})`);
  }
}

function int(v: unknown, name: string, min: number, max: number, def: number): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InvalidOptionError(name, `must be an integer ${min}..${max}, got ${describe(v)}`);
  }
  return v;
}

function oneOf<T extends string>(v: unknown, name: string, allowed: readonly T[], def: T): T {
  if (v === undefined) return def;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new InvalidOptionError(name, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(v)}`);
  return v as T;
}

function bool(v: unknown, name: string, def: boolean): boolean {
  if (v === undefined) return def;
  if (typeof v !== 'boolean') throw new InvalidOptionError(name, `must be a boolean, got ${describe(v)}`);
  return v;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (Buffer.isBuffer(v)) return `Buffer(${v.length})`;
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : String(v);
}

const LABEL_RE = /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?|\*)$/;

/** A domain name in presentation form: lower-cased, no trailing dot. */
export function validateName(v: unknown, name: string): string {
  if (typeof v !== 'string') throw new InvalidOptionError(name, `must be a domain name string, got ${describe(v)}`);
  const s = v.endsWith('.') ? v.slice(0, -1) : v;
  if (s.length === 0 || s.length > 253) throw new InvalidOptionError(name, `must be a domain name of 1..253 characters, got ${describe(v)}`);
  for (const label of s.split('.')) {
    if (!LABEL_RE.test(label)) throw new InvalidOptionError(name, `has an invalid label ${JSON.stringify(label)} (letters, digits, '-', '_'; 1..63 characters)`);
  }
  return s.toLowerCase();
}

function ipList(v: unknown, name: string, check: (s: string) => boolean, family: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new InvalidOptionError(name, `must be an array of ${family} addresses, got ${describe(v)}`);
  if (v.length > 16) throw new InvalidOptionError(name, 'must have at most 16 addresses');
  return v.map((x, i) => {
    if (typeof x !== 'string' || !check(x)) throw new InvalidOptionError(`${name}[${i}]`, `must be an ${family} address, got ${describe(x)}`);
    return x;
  });
}

function txtString(v: unknown, name: string, def: string): string {
  if (v === undefined) return def;
  if (typeof v !== 'string' || v.length === 0 || Buffer.byteLength(v) > 255) {
    throw new InvalidOptionError(name, `must be a string of 1..255 bytes, got ${describe(v)}`);
  }
  return v;
}

function resolveZone(v: unknown): ResolvedZone | undefined {
  if (v === undefined) return undefined;
  const z = typeof v === 'string' ? { name: v } : v;
  if (!isObject(z)) throw new InvalidOptionError('zone', `must be a domain name or { name, ttl, soa, ns, a, aaaa }, got ${describe(v)}`);
  checkKeys(z, ZONE_KEYS, 'zone.');
  const name = validateName(z.name, 'zone.name');
  const ttl = int(z.ttl, 'zone.ttl', 0, 2_147_483_647, DEFAULTS.zone.ttl);
  let ns: string[];
  if (z.ns === undefined) ns = [name];
  else {
    if (!Array.isArray(z.ns) || z.ns.length === 0 || z.ns.length > 13) throw new InvalidOptionError('zone.ns', `must be an array of 1..13 names, got ${describe(z.ns)}`);
    ns = z.ns.map((n, i) => validateName(n, `zone.ns[${i}]`));
  }
  const soaIn = z.soa === undefined ? {} : z.soa;
  if (!isObject(soaIn)) throw new InvalidOptionError('zone.soa', `must be an object, got ${describe(z.soa)}`);
  checkKeys(soaIn, SOA_KEYS, 'zone.soa.');
  const d = DEFAULTS.zone.soa;
  const u32 = 4_294_967_295;
  const i32 = 2_147_483_647;
  const soa: Required<SoaOptions> = {
    mname: soaIn.mname === undefined ? (ns[0] as string) : validateName(soaIn.mname, 'zone.soa.mname'),
    rname: soaIn.rname === undefined ? `hostmaster.${name}` : validateName(soaIn.rname, 'zone.soa.rname'),
    serial: int(soaIn.serial, 'zone.soa.serial', 0, u32, d.serial),
    refresh: int(soaIn.refresh, 'zone.soa.refresh', 0, i32, d.refresh),
    retry: int(soaIn.retry, 'zone.soa.retry', 0, i32, d.retry),
    expire: int(soaIn.expire, 'zone.soa.expire', 0, i32, d.expire),
    minimum: int(soaIn.minimum, 'zone.soa.minimum', 0, i32, d.minimum),
  };
  return {
    name, ttl, soa, ns,
    a: ipList(z.a, 'zone.a', isIPv4, 'IPv4'),
    aaaa: ipList(z.aaaa, 'zone.aaaa', isIPv6, 'IPv6'),
  };
}

function resolveRrl(v: unknown): ResolvedRrl | false {
  if (v === false) return false;
  const r = v === undefined ? {} : v;
  if (!isObject(r)) throw new InvalidOptionError('rrl', `must be false or an object, got ${describe(v)}`);
  checkKeys(r, RRL_KEYS, 'rrl.');
  const d = DEFAULTS.rrl;
  return {
    responsesPerSecond: int(r.responsesPerSecond, 'rrl.responsesPerSecond', 1, 1_000_000, d.responsesPerSecond),
    windowSeconds: int(r.windowSeconds, 'rrl.windowSeconds', 1, 3600, d.windowSeconds),
    slip: int(r.slip, 'rrl.slip', 0, 10, d.slip),
    ipv4PrefixLength: int(r.ipv4PrefixLength, 'rrl.ipv4PrefixLength', 0, 32, d.ipv4PrefixLength),
    ipv6PrefixLength: int(r.ipv6PrefixLength, 'rrl.ipv6PrefixLength', 0, 128, d.ipv6PrefixLength),
    maxEntries: d.maxEntries,
  };
}

function resolveTcp(v: unknown): Required<TcpOptions> {
  const o = v === undefined ? {} : v;
  if (!isObject(o)) throw new InvalidOptionError('tcp', `must be an object, got ${describe(v)}`);
  checkKeys(o, TCP_KEYS, 'tcp.');
  const d = DEFAULTS.tcp;
  return {
    idleTimeoutMs: int(o.idleTimeoutMs, 'tcp.idleTimeoutMs', 1, 3_600_000, d.idleTimeoutMs),
    totalTimeoutMs: int(o.totalTimeoutMs, 'tcp.totalTimeoutMs', 1, 86_400_000, d.totalTimeoutMs),
    maxConnections: int(o.maxConnections, 'tcp.maxConnections', 1, 1_000_000, d.maxConnections),
    maxQueriesPerConnection: int(o.maxQueriesPerConnection, 'tcp.maxQueriesPerConnection', 1, 1_000_000, d.maxQueriesPerConnection),
  };
}

/** Validate every option up front (unknown keys too) and fill in the defaults. */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (!isObject(options)) throw new InvalidOptionError('options', `must be an object, got ${describe(options)}`);
  checkKeys(options, TOP_KEYS, '');
  const identity = options.identity;
  if (!isObject(identity) || typeof identity.id !== 'string' || identity.id.length === 0 || Buffer.byteLength(identity.id) > 255) {
    throw new InvalidOptionError('identity', 'is required: an Identity from @anycast-origin/identity (id of 1..255 bytes)');
  }
  const host = options.host === undefined ? DEFAULTS.host : options.host;
  if (typeof host !== 'string' || isIP(host) === 0) throw new InvalidOptionError('host', `must be an IPv4 or IPv6 literal, got ${describe(host)}`);
  let nsid: Buffer | false;
  const n = options.nsid;
  if (n === undefined) nsid = Buffer.from(identity.id, 'utf8');
  else if (n === false) nsid = false;
  else if (typeof n === 'string' || Buffer.isBuffer(n)) {
    nsid = Buffer.from(n);
    if (nsid.length === 0 || nsid.length > 255) throw new InvalidOptionError('nsid', `must be 1..255 bytes, got ${nsid.length}`);
  } else throw new InvalidOptionError('nsid', `must be a string, a Buffer or false, got ${describe(n)}`);
  const drainSeconds = options.drainSeconds === undefined ? DEFAULTS.drainSeconds : options.drainSeconds;
  if (typeof drainSeconds !== 'number' || !Number.isFinite(drainSeconds) || drainSeconds < 0 || drainSeconds > 86_400) {
    throw new InvalidOptionError('drainSeconds', `must be a number of seconds 0..86400, got ${describe(drainSeconds)}`);
  }
  return {
    identity: identity as unknown as Identity,
    host,
    port: int(options.port, 'port', 0, 65_535, DEFAULTS.port),
    workers: int(options.workers, 'workers', 1, 256, DEFAULTS.workers),
    udpBackend: oneOf(options.udpBackend, 'udpBackend', ['auto', 'mmsg', 'node'] as const, DEFAULTS.udpBackend),
    drainSeconds,
    hideIdentity: bool(options.hideIdentity, 'hideIdentity', DEFAULTS.hideIdentity),
    hideVersion: bool(options.hideVersion, 'hideVersion', DEFAULTS.hideVersion),
    version: txtString(options.version, 'version', DEFAULTS.version),
    nsid,
    zone: resolveZone(options.zone),
    rrl: resolveRrl(options.rrl),
    tcp: resolveTcp(options.tcp),
  };
}
