/**
 * Every option of createEmulator(), described once: name, what it accepts, default, unit and
 * doc. Types, defaults, validation and the README's option table all come from OPTIONS (a test
 * fails when the README table drifts). Nested options are written with dotted names
 * (`healthCheck.minIntervalSeconds`) and passed as nested objects.
 *
 * Kept in this one module so that moving to @anycast-origin/options (when it lands) is a
 * mechanical change.
 */
import type { Writable } from 'node:stream';
import { isIPv4 } from 'node:net';
import { InvalidOptionError } from './errors.js';
import { checkLatLon, isRegion } from './routing.js';
import type { LatLon } from './routing.js';

/** One option: how to check it, its default, and the words for the README. */
interface Spec<T> {
  /** Check and normalize a given value (never undefined); throw InvalidOptionError naming `name`. */
  readonly parse: (value: unknown, name: string) => T;
  readonly default: T;
  /** What the README shows as the default (JSON of the default when absent). */
  readonly shown?: string;
  /** Unit of a number, for the README. */
  readonly unit?: string;
  readonly doc: string;
}

const spec = <T>(s: Spec<T>): Spec<T> => s;

function integer(min: number, max: number) {
  return (v: unknown, name: string): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new InvalidOptionError(name, `an integer ${min}..${max}`, v);
    return v;
  };
}

function number(min: number, max: number) {
  return (v: unknown, name: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw new InvalidOptionError(name, `a number ${min}..${max}`, v);
    return v;
  };
}

function boolean(v: unknown, name: string): boolean {
  if (typeof v !== 'boolean') throw new InvalidOptionError(name, 'a boolean', v);
  return v;
}

function oneOf<T extends string>(...values: T[]) {
  return (v: unknown, name: string): T => {
    if (typeof v !== 'string' || !(values as string[]).includes(v)) throw new InvalidOptionError(name, `one of ${values.map((x) => `'${x}'`).join(', ')}`, v);
    return v as T;
  };
}

function ipv4(v: unknown, name: string): string {
  if (typeof v !== 'string' || !isIPv4(v)) throw new InvalidOptionError(name, 'an IPv4 address', v);
  return v;
}

function loopbackIpv4(v: unknown, name: string): string {
  if (typeof v !== 'string' || !isIPv4(v) || !v.startsWith('127.')) throw new InvalidOptionError(name, 'an IPv4 loopback address (127.0.0.0/8)', v);
  return v;
}

/** A loopback /8../30 CIDR to allocate entry addresses from. */
function loopbackCidr(v: unknown, name: string): string {
  const m = typeof v === 'string' ? /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(v) : null;
  if (!m || !isIPv4(m[1] as string) || !(m[1] as string).startsWith('127.') || Number(m[2]) < 8 || Number(m[2]) > 30) {
    throw new InvalidOptionError(name, 'a loopback CIDR 127.x.y.z/8../30', v);
  }
  return v as string;
}

function location(v: unknown, name: string): LatLon {
  try {
    const p = checkLatLon(v, name);
    return Object.freeze({ lat: p.lat, lon: p.lon });
  } catch {
    throw new InvalidOptionError(name, 'a location { lat: -90..90, lon: -180..180 }', v);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

/** Listener port -> bound port; 0 binds an ephemeral port. */
function portMap(v: unknown, name: string): ReadonlyMap<number, number> {
  if (!isObject(v)) throw new InvalidOptionError(name, 'an object { listenerPort: boundPort }', v);
  const out = new Map<number, number>();
  for (const [k, p] of Object.entries(v)) {
    const from = Number(k);
    if (!Number.isInteger(from) || from < 1 || from > 65535) throw new InvalidOptionError(`${name}.${k}`, 'keyed by a listener port 1..65535', k);
    out.set(from, integer(0, 65535)(p, `${name}.${k}`));
  }
  return out;
}

export interface VantageInput extends LatLon {
  /** The client's source address (loopback, e.g. 127.20.0.1). */
  address: string;
  /** Regions to rank first for this vantage, in order (a known anomaly). */
  override?: readonly string[];
  /** Edge location written in flow logs (`globalaccelerator_region`), e.g. FRA50. */
  edge?: string;
  /** A name for the state snapshot. */
  name?: string;
}

export function parseVantage(v: unknown, name: string): Readonly<VantageInput> {
  if (!isObject(v)) throw new InvalidOptionError(name, 'an object { address, lat, lon, override?, edge?, name? }', v);
  const address = ipv4(v.address, `${name}.address`);
  const { lat, lon } = location({ lat: v.lat, lon: v.lon }, name);
  let override: readonly string[] | undefined;
  if (v.override !== undefined) {
    if (!Array.isArray(v.override) || !v.override.every((r) => isRegion(r))) throw new InvalidOptionError(`${name}.override`, 'an array of Global Accelerator Regions', v.override);
    override = Object.freeze([...(v.override as string[])]);
  }
  if (v.edge !== undefined && (typeof v.edge !== 'string' || !/^[A-Za-z0-9-]{1,16}$/.test(v.edge))) throw new InvalidOptionError(`${name}.edge`, 'an edge code of 1..16 letters, digits or hyphens', v.edge);
  if (v.name !== undefined && (typeof v.name !== 'string' || v.name.length > 128)) throw new InvalidOptionError(`${name}.name`, 'a string of at most 128 characters', v.name);
  return Object.freeze({ address, lat, lon, override, edge: v.edge as string | undefined, name: v.name as string | undefined });
}

export interface EndpointInput {
  /** The endpoint id the API uses: an EC2 instance id (`i-` + 8 or 17 hex), an Elastic IP allocation id or a load balancer ARN. */
  id: string;
  /** Where the endpoint lives: a loopback IPv4 address. */
  address: string;
  /** The endpoint's Region; when set, the API refuses the endpoint in a group of another Region (as AWS does). */
  region?: string;
  /** Endpoint port -> real port on `address` (the lab's 80 -> 8080); applies to traffic and health checks. */
  ports?: Readonly<Record<number, number>>;
}

export const ENDPOINT_ID = /^(?:i-(?:[0-9a-f]{8}|[0-9a-f]{17})|eipalloc-[0-9a-f]{8,17}|arn:aws:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/(?:app|net)\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16})$/;

export interface RegisteredEndpoint {
  readonly id: string;
  readonly address: string;
  readonly region: string | undefined;
  readonly ports: ReadonlyMap<number, number>;
}

export function parseEndpoint(v: unknown, name: string): RegisteredEndpoint {
  if (!isObject(v)) throw new InvalidOptionError(name, 'an object { id, address, region?, ports? }', v);
  if (typeof v.id !== 'string' || !ENDPOINT_ID.test(v.id)) throw new InvalidOptionError(`${name}.id`, 'an EC2 instance id (i- and 8 or 17 hex digits), an Elastic IP allocation id or a load balancer ARN', v.id);
  const address = loopbackIpv4(v.address, `${name}.address`);
  if (v.region !== undefined && !isRegion(v.region)) throw new InvalidOptionError(`${name}.region`, 'a Region Global Accelerator supports', v.region);
  const ports = v.ports === undefined ? new Map<number, number>() : portMap(v.ports, `${name}.ports`);
  for (const [from, to] of ports) if (to === 0) throw new InvalidOptionError(`${name}.ports.${from}`, 'a port 1..65535', to);
  return Object.freeze({ id: v.id, address, region: v.region as string | undefined, ports });
}

function listOf<T>(parse: (v: unknown, name: string) => T) {
  return (v: unknown, name: string): readonly T[] => {
    if (!Array.isArray(v)) throw new InvalidOptionError(name, 'an array', v);
    return Object.freeze(v.map((x, i) => parse(x, `${name}[${i}]`)));
  };
}

function writable(v: unknown, name: string): Writable | undefined {
  if (v === null) return undefined;
  if (!isObject(v) || typeof (v as { write?: unknown }).write !== 'function') throw new InvalidOptionError(name, 'a writable stream', v);
  return v as unknown as Writable;
}

function directory(v: unknown, name: string): string | undefined {
  if (v === null) return undefined;
  if (typeof v !== 'string' || v === '' || v.includes('\0')) throw new InvalidOptionError(name, 'a directory path', v);
  return v;
}

/** Faults injected into API operations (see the README "Fault injection"). */
export interface FaultSpec {
  /** The error answered: ThrottlingException (default), InternalServiceErrorException, AccessDeniedException, ... */
  error?: string;
  /** Answer with the error for this many calls, then stop. */
  count?: number;
  /** ... or with this probability per call (0..1), drawn from the seeded generator. */
  rate?: number;
  /** Added latency, ms, before the call is answered (with or without an error). */
  latencyMs?: number;
}

export const FAULT_ERRORS = Object.freeze(['ThrottlingException', 'InternalServiceErrorException', 'AccessDeniedException', 'TransactionInProgressException', 'LimitExceededException', 'ServiceUnavailableException'] as const);

export function parseFault(v: unknown, name: string): Readonly<FaultSpec> {
  if (!isObject(v)) throw new InvalidOptionError(name, 'an object { error?, count?, rate?, latencyMs? }', v);
  for (const k of Object.keys(v)) if (!['error', 'count', 'rate', 'latencyMs'].includes(k)) throw new InvalidOptionError(`${name}.${k}`, 'one of error, count, rate, latencyMs', k);
  const out: FaultSpec = {};
  if (v.error !== undefined) out.error = oneOf(...FAULT_ERRORS)(v.error, `${name}.error`);
  if (v.count !== undefined) out.count = integer(0, 1_000_000_000)(v.count, `${name}.count`);
  if (v.rate !== undefined) out.rate = number(0, 1)(v.rate, `${name}.rate`);
  if (v.latencyMs !== undefined) out.latencyMs = integer(0, 600_000)(v.latencyMs, `${name}.latencyMs`);
  if (out.count !== undefined && out.rate !== undefined) throw new InvalidOptionError(name, 'either count or rate, not both', v);
  return Object.freeze(out);
}

function faults(v: unknown, name: string): ReadonlyMap<string, Readonly<FaultSpec>> {
  if (!isObject(v)) throw new InvalidOptionError(name, 'an object { <Operation or *>: { error?, count?, rate?, latencyMs? } }', v);
  return new Map(Object.entries(v).map(([op, f]) => {
    if (op !== '*' && !/^[A-Z][A-Za-z]{2,63}$/.test(op)) throw new InvalidOptionError(`${name}.${op}`, 'keyed by an operation name or *', op);
    return [op, parseFault(f, `${name}.${op}`)];
  }));
}

/** The one description of every option. */
export const OPTIONS = Object.freeze({
  host: spec({ parse: loopbackIpv4, default: '127.0.0.1', doc: 'Address the API server listens on (loopback).' }),
  port: spec({ parse: integer(0, 65535), default: 0, doc: 'API server TCP port; 0 picks an ephemeral one (read `apiUrl`).' }),
  accountId: spec({
    parse: (v, n) => {
      if (typeof v !== 'string' || !/^\d{12}$/.test(v)) throw new InvalidOptionError(n, 'a 12-digit AWS account id', v);
      return v;
    },
    default: '123456789012',
    doc: 'Account id in ARNs and flow logs.',
  }),
  deploySeconds: spec({ parse: number(0, 3600), default: 2, unit: 's', doc: 'How long a change keeps the accelerator `IN_PROGRESS` before it is `DEPLOYED` and the data plane applies it (AWS takes about a minute); 0 deploys at once.' }),
  transactionInProgress: spec({
    parse: oneOf('all', 'modeled', 'off'),
    default: 'all' as 'all' | 'modeled' | 'off',
    doc: "Answer `TransactionInProgressException` to mutating calls on an accelerator that is `IN_PROGRESS`: `'all'` of them, `'modeled'` only AddEndpoints and RemoveEndpoints (the operations AWS's model lists it for), `'off'` never.",
  }),
  addressPool: spec({ parse: loopbackCidr, default: '127.77.0.0/16', doc: 'Loopback block the two static IPv4 addresses of each accelerator come from (two consecutive addresses per accelerator).' }),
  portMap: spec({ parse: portMap, default: new Map<number, number>() as ReadonlyMap<number, number>, shown: '{}', doc: 'Listener port -> port bound on the entry addresses (`0` = ephemeral); wins over `unmappedPorts`.' }),
  unmappedPorts: spec({
    parse: oneOf('offset-privileged', 'same', 'ephemeral'),
    default: 'offset-privileged' as 'offset-privileged' | 'same' | 'ephemeral',
    doc: "Ports not in `portMap`: `'offset-privileged'` binds ports below 1024 at port + `privilegedPortOffset` (80 -> 18080) and others as they are, `'same'` binds every port as it is (below 1024 needs root), `'ephemeral'` binds ephemeral ports (tests).",
  }),
  privilegedPortOffset: spec({ parse: integer(1024, 64511), default: 18000, doc: 'Added to listener ports below 1024 under `unmappedPorts: offset-privileged`.' }),
  maxBoundPorts: spec({ parse: integer(1, 4096), default: 256, doc: 'Most ports bound per accelerator (per address and protocol); ports of larger listener ranges are left unbound and reported in the state.' }),
  defaultLocation: spec({ parse: location, default: Object.freeze({ lat: 45.52, lon: -122.68 }) as LatLon, shown: '`{ lat: 45.52, lon: -122.68 }` (us-west-2)', doc: 'Where clients not in the vantage table are.' }),
  vantages: spec({ parse: listOf(parseVantage), default: Object.freeze([]) as readonly Readonly<VantageInput>[], shown: '[]', doc: 'Vantage points: `{ address, lat, lon, override?, edge?, name? }` (also `emulator.vantages.set()`).' }),
  endpoints: spec({ parse: listOf(parseEndpoint), default: Object.freeze([]) as readonly RegisteredEndpoint[], shown: '[]', doc: 'Endpoint registry: `{ id, address, region?, ports? }` (also `emulator.endpoints.register()`).' }),
  'healthCheck.minIntervalSeconds': spec({
    parse: number(0.05, 10),
    default: 10,
    unit: 's',
    doc: 'Smallest `HealthCheckIntervalSeconds` the API accepts. At 10 the API accepts 10 or 30, as AWS does; below 10 it accepts any number from this value to 30, fractions included (for labs).',
  }),
  'healthCheck.timeoutMs': spec({ parse: integer(10, 60_000), default: 5000, unit: 'ms', doc: 'Time a health check may take (capped at the interval).' }),
  'tcp.idleTimeoutSeconds': spec({ parse: number(0.1, 86_400), default: 300, unit: 's', doc: 'A TCP flow with no data either way for this long is closed (AWS: 300 s).' }),
  'tcp.maxConnections': spec({ parse: integer(1, 1_000_000), default: 4096, doc: 'Relayed TCP connections at once; at the limit the connection idle longest is closed for a new one.' }),
  'udp.idleTimeoutSeconds': spec({ parse: number(0.1, 86_400), default: 30, unit: 's', doc: 'A UDP flow with no datagram either way for this long ends (AWS: 30 s).' }),
  'udp.maxFlows': spec({ parse: integer(1, 1_000_000), default: 8192, doc: 'UDP flows at once (one upstream socket each); at the limit the least recently used flow ends for a new one.' }),
  'udp.maxDatagramBytes': spec({ parse: integer(512, 65507), default: 65507, unit: 'bytes', doc: 'Larger datagrams are dropped and counted.' }),
  'flowLogs.stream': spec({ parse: writable, default: undefined as Writable | undefined, shown: 'none', doc: 'A stream every flow log record (one line) is written to, for accelerators with `FlowLogsEnabled`.' }),
  'flowLogs.directory': spec({ parse: directory, default: undefined as string | undefined, shown: 'none', doc: 'A directory flow log files are written under, laid out as the S3 keys AWS writes (`<bucket>/<prefix>/AWSLogs/<account>/globalaccelerator/us-west-2/yyyy/mm/dd/...log`).' }),
  'flowLogs.captureWindowSeconds': spec({ parse: number(0.1, 3600), default: 60, unit: 's', doc: 'A long flow gets a record per window of this length (AWS: up to 1 minute).' }),
  faults: spec({ parse: faults, default: new Map() as ReadonlyMap<string, Readonly<FaultSpec>>, shown: '{}', doc: 'Fault injection per API operation (or `*`): `{ error?, count?, rate?, latencyMs? }` (also `emulator.faults.set()`).' }),
  faultSeed: spec({ parse: integer(0, 0xffffffff), default: 1, doc: 'Seed of the generator `rate` faults draw from.' }),
  'quotas.accelerators': spec({ parse: integer(1, 1000), default: 20, doc: 'Accelerators per account (AWS default quota).' }),
  'quotas.listenersPerAccelerator': spec({ parse: integer(1, 1000), default: 10, doc: 'Listeners per accelerator.' }),
  'quotas.endpointGroupsPerAccelerator': spec({ parse: integer(1, 1000), default: 42, doc: 'Endpoint groups per accelerator, over all its listeners.' }),
  'quotas.endpointsPerGroup': spec({ parse: integer(1, 1000), default: 10, doc: 'Endpoints per endpoint group.' }),
});

type Specs = typeof OPTIONS;
/** Options after validation and defaults, by dotted name. */
export type ResolvedOptions = { readonly [K in keyof Specs]: Specs[K] extends Spec<infer T> ? T : never };

type Head<K> = K extends `${infer H}.${string}` ? H : K;
type Tail<K, H extends string> = K extends `${H}.${infer R}` ? R : never;
type Input<K extends keyof Specs> = ResolvedOptions[K] extends ReadonlyMap<number, number>
  ? Readonly<Record<number, number>>
  : ResolvedOptions[K] extends ReadonlyMap<string, Readonly<FaultSpec>>
    ? Readonly<Record<string, FaultSpec>>
    : ResolvedOptions[K] extends readonly RegisteredEndpoint[]
      ? readonly EndpointInput[]
      : ResolvedOptions[K];
/** What createEmulator() accepts: every option optional, dotted names as nested objects. */
export type EmulatorOptions = {
  [H in Head<keyof Specs>]?: H extends keyof Specs ? Input<H> : { [R in Tail<keyof Specs, H>]?: `${H}.${R}` extends keyof Specs ? Input<`${H}.${R}`> : never };
};

/** Validate every option up front (unknown keys too, at every level) and fill in the defaults. */
export function resolveOptions(options: unknown = {}): ResolvedOptions {
  if (!isObject(options)) throw new InvalidOptionError('options', 'an object', options);
  const names = Object.keys(OPTIONS);
  const groups = new Set(names.filter((n) => n.includes('.')).map((n) => n.slice(0, n.indexOf('.'))));
  for (const [k, v] of Object.entries(options)) {
    if (groups.has(k)) {
      if (v === undefined) continue;
      if (!isObject(v)) throw new InvalidOptionError(k, 'an object', v);
      for (const sub of Object.keys(v)) if (!names.includes(`${k}.${sub}`)) throw new InvalidOptionError(`${k}.${sub}`, `a known option (${names.filter((n) => n.startsWith(`${k}.`)).join(', ')})`, sub);
    } else if (!names.includes(k)) {
      throw new InvalidOptionError(k, `a known option (${[...new Set(names.map((n) => n.split('.')[0]))].join(', ')})`, k);
    }
  }
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const [head, tail] = name.split('.') as [string, string | undefined];
    const given = tail === undefined ? options[head] : (options[head] as Record<string, unknown> | undefined)?.[tail];
    const s = OPTIONS[name as keyof Specs] as Spec<unknown>;
    out[name] = given === undefined ? s.default : s.parse(given, name);
  }
  return Object.freeze(out) as ResolvedOptions;
}

/** The README's option table, rendered from OPTIONS. */
export function optionsTable(): string {
  const rows = Object.entries(OPTIONS).map(([name, s]) => {
    const sp = s as Spec<unknown>;
    const shown = sp.shown ?? `\`${JSON.stringify(sp.default)}\``;
    return `| \`${name}\` | ${shown}${sp.unit ? ` ${sp.unit}` : ''} | ${sp.doc} |`;
  });
  return ['| option | default | |', '| --- | --- | --- |', ...rows].join('\n');
}
