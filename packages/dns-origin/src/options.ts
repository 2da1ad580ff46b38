/**
 * Every option of the DNS origin, described once (@anycast-origin/options): the types, the
 * defaults, validation and the README table are derived from OPTIONS below; the CLI derives
 * its flags, variables and config keys from it too. resolveOptions() then fills in what
 * depends on other options (NSID, the zone's NS and SOA names). Fixed limits are in LIMITS.
 */
import { createRequire } from 'node:module';
import { z } from 'zod';
import type { Identity } from '@anycast-origin/identity';
import { defaultsOf, o, parseOptions } from '@anycast-origin/options';
import type { OptionsInput, OptionsOutput } from '@anycast-origin/options';
import { InvalidOptionError } from './errors.js';

const pkg = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

/** Fixed limits that are not options (documented in the README). */
export const LIMITS = Object.freeze({
  /**
   * UDP socket receive buffer asked for, bytes (the kernel caps it at net.core.rmem_max), so a
   * GC pause does not overflow the 208 KiB default under load.
   */
  udpReceiveBufferBytes: 4 * 1024 * 1024,
  /** Prefixes RRL tracks at once (memory bound). */
  rrlMaxEntries: 65_536,
});

const LABEL_RE = /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?|\*)$/;

/** A domain name in presentation form (a trailing dot allowed): 1..253 characters, labels of letters, digits, '-', '_'. */
export function isDomainName(v: string): boolean {
  const s = v.endsWith('.') ? v.slice(0, -1) : v;
  return s.length > 0 && s.length <= 253 && s.split('.').every((label) => LABEL_RE.test(label));
}

/** Presentation form as the engine keys it: lower-cased, no trailing dot. */
export function canonicalName(v: string): string {
  return (v.endsWith('.') ? v.slice(0, -1) : v).toLowerCase();
}

function domainName<const P extends { doc: string; defaultText?: string; required?: true }>(spec: P) {
  return o.string({ ...spec, check: isDomainName, expects: 'a domain name' });
}

const U32 = 4_294_967_295;
const I32 = 2_147_483_647;

export const OPTIONS = o.group({
  identity: o.custom(z.custom<Identity>((v) => {
    const id = (v as Partial<Identity> | null)?.id;
    return typeof id === 'string' && id.length > 0 && Buffer.byteLength(id) <= 255;
  }), { required: true, expects: 'an Identity from @anycast-origin/identity (id of 1..255 bytes)', doc: 'who answers: `identity.id` is the TXT answer and the default NSID' }),
  host: o.ip({ default: '127.0.0.1', doc: "IP literal to bind ('0.0.0.0', '::' dual-stack, ...)" }),
  port: o.integer({ min: 0, max: 65_535, default: 8053, doc: 'UDP and TCP port (the same number); 0 = an ephemeral port free for both' }),
  workers: o.integer({
    min: 1, max: 256, default: 1,
    doc: 'processes; > 1 forks node:cluster workers (UDP: one SO_REUSEPORT socket each with mmsg, else the primary\'s socket shared)',
  }),
  udpBackend: o.enum(['auto', 'mmsg', 'node'], {
    default: 'auto',
    doc: "UDP I/O: 'mmsg' batches with recvmmsg/sendmmsg (@anycast-origin/udp-mmsg; listen() rejects where it does not load), 'node' is Node's own UDP socket, 'auto' mmsg when it loads",
  }),
  drainSeconds: o.number({
    min: 0, max: 86_400, default: 40, unit: 's',
    doc: "drain(): seconds UDP keeps answering after the TCP listener closed: Global Accelerator's health check, 10 s interval x threshold 3, plus one interval",
  }),
  hideIdentity: o.boolean({ default: false, doc: 'REFUSED for id.server, hostname.bind, id.<zone> and whoami.<zone>, and no NSID unless `nsid` is given (as NSD\'s hide-identity)' }),
  hideVersion: o.boolean({ default: false, doc: 'REFUSED for version.server and version.bind' }),
  version: o.string({ maxBytes: 255, default: `${pkg.name} ${pkg.version}`, doc: 'the version string answered for version.server / version.bind' }),
  nsid: o.custom(z.union([z.literal(false), z.string(), z.instanceof(Buffer)]).refine((v) => v === false || (Buffer.byteLength(v) >= 1 && Buffer.byteLength(v) <= 255)), {
    cli: true,
    expects: 'a string or Buffer of 1..255 bytes, or false',
    defaultText: 'the identity id (none with hideIdentity)',
    doc: 'NSID bytes answered when a query asks (RFC 5001); false never answers NSID',
  }),
  zone: o.group({
    name: domainName({ required: true, doc: 'the zone apex, e.g. example.net (the name delegated to the anycast IPs)' }),
    ttl: o.integer({ min: 0, max: I32, default: 300, unit: 's', doc: 'TTL of the SOA, NS, A and AAAA records' }),
    soa: o.group({
      mname: domainName({ defaultText: 'the first NS name', doc: 'primary server name' }),
      rname: domainName({ defaultText: '`hostmaster.<zone>`', doc: 'responsible mailbox, as a name' }),
      serial: o.integer({ min: 0, max: U32, default: 1, doc: 'serial number' }),
      refresh: o.integer({ min: 0, max: I32, default: 3600, unit: 's', doc: 'refresh interval' }),
      retry: o.integer({ min: 0, max: I32, default: 600, unit: 's', doc: 'retry interval' }),
      expire: o.integer({ min: 0, max: I32, default: 86_400, unit: 's', doc: 'expiry' }),
      minimum: o.integer({ min: 0, max: I32, default: 60, unit: 's', doc: 'negative-caching TTL (RFC 2308)' }),
    }, { doc: 'the apex SOA (RFC 1035 3.3.13)' }),
    ns: o.list(domainName({ required: true, doc: 'an NS name' }), { min: 1, max: 13, defaultText: 'the zone apex', doc: 'NS names at the apex (glue A/AAAA added when the apex itself is an NS)' }),
    a: o.list(o.ip({ family: 4, required: true, doc: 'an IPv4 address' }), { max: 16, default: [], doc: "IPv4 addresses of the apex (the accelerator's static IPs)" }),
    aaaa: o.list(o.ip({ family: 6, required: true, doc: 'an IPv6 address' }), { max: 16, default: [], doc: 'IPv6 addresses of the apex' }),
  }, { doc: 'a small zone served authoritatively (apex SOA/NS/A/AAAA, id.<zone>, whoami.<zone>)', optional: true }),
  rrl: o.group({
    responsesPerSecond: o.integer({ min: 1, max: 1_000_000, default: 200, unit: 'responses/s', doc: "responses allowed per source prefix and response class (NSD's rrl-ratelimit)" }),
    windowSeconds: o.integer({ min: 1, max: 3600, default: 15, unit: 's', doc: "a flooding prefix stays limited this long after it stops (BIND's window)" }),
    slip: o.integer({ min: 0, max: 10, default: 2, doc: 'every n-th limited response is sent truncated (TC) instead of dropped; 0 drops all' }),
    ipv4PrefixLength: o.integer({ min: 0, max: 32, default: 24, unit: 'bits', doc: 'IPv4 source prefix' }),
    ipv6PrefixLength: o.integer({ min: 0, max: 128, default: 56, unit: 'bits', doc: 'IPv6 source prefix' }),
  }, { doc: 'response rate limiting over UDP; false switches it off (do so when clients arrive from a few proxy addresses)', off: true }),
  tcp: o.group({
    idleTimeoutMs: o.integer({ min: 1, max: 3_600_000, default: 10_000, unit: 'ms', doc: 'close a connection with no complete query for this long' }),
    totalTimeoutMs: o.integer({ min: 1, max: 86_400_000, default: 60_000, unit: 'ms', doc: 'close any connection this long after it opened' }),
    maxConnections: o.integer({ min: 1, max: 1_000_000, default: 512, doc: 'concurrent connections per process; more are closed at accept' }),
    maxQueriesPerConnection: o.integer({
      min: 0, max: 1_000_000, default: 0,
      doc: "queries read on one connection before the server stops reading, answers what it has read and closes; 0 = no cap (as NSD's tcp-query-count 0 and Knot)",
    }),
  }, { doc: 'DNS over TCP limits' }),
}, { doc: 'DNS origin options' });

export type DnsOriginOptions = OptionsInput<typeof OPTIONS>;
type Parsed = OptionsOutput<typeof OPTIONS>;
type ParsedZone = NonNullable<Parsed['zone']>;

export interface ResolvedZone extends Omit<ParsedZone, 'soa' | 'ns'> {
  ns: string[];
  soa: Required<ParsedZone['soa']>;
}
export type ResolvedRrl = Exclude<Parsed['rrl'], false> & { maxEntries: number };
export type RrlOptions = NonNullable<Exclude<DnsOriginOptions['rrl'], false>>;
export type TcpOptions = NonNullable<DnsOriginOptions['tcp']>;
export type ZoneOptions = NonNullable<DnsOriginOptions['zone']>;
export type SoaOptions = NonNullable<ZoneOptions['soa']>;

export interface ResolvedOptions extends Omit<Parsed, 'nsid' | 'zone' | 'rrl'> {
  nsid: Buffer | false;
  zone: ResolvedZone | undefined;
  rrl: ResolvedRrl | false;
}

/** The constant defaults (computed ones, like the NSID, are in the option's doc). */
export const DEFAULTS = Object.freeze(defaultsOf(OPTIONS)) as Readonly<Record<string, unknown>> & { readonly rrl: Readonly<RrlOptions>; readonly tcp: Readonly<Required<TcpOptions>> };

function resolveZone(z: ParsedZone): ResolvedZone {
  const name = canonicalName(z.name);
  const ns = (z.ns ?? [name]).map(canonicalName);
  return {
    ...z,
    name,
    ns,
    soa: {
      ...z.soa,
      mname: canonicalName(z.soa.mname ?? (ns[0] as string)),
      rname: canonicalName(z.soa.rname ?? `hostmaster.${name}`),
    },
  };
}

/** Validate every option up front (unknown keys too) and fill in the defaults. Throws InvalidOptionError. */
export function resolveOptions(options: unknown): ResolvedOptions {
  const p = parseOptions(OPTIONS, options, (option, message) => new InvalidOptionError(option, message));
  // NSID: what was given; else the identity, unless the identity is hidden (NSD's hide-identity).
  const nsid = p.nsid === false ? false : p.nsid !== undefined ? Buffer.from(p.nsid) : p.hideIdentity ? false : Buffer.from(p.identity.id, 'utf8');
  return {
    ...p,
    nsid,
    zone: p.zone ? resolveZone(p.zone) : undefined,
    rrl: p.rrl === false ? false : { ...p.rrl, maxEntries: LIMITS.rrlMaxEntries },
  };
}
