/**
 * Every option of createEmulator(), described once with @anycast-origin/options: types,
 * defaults, validation messages (`<option> must be <expectation>, got <value>`) and the
 * README's option table come from OPTIONS (a test fails when the README table drifts). The
 * vantage, endpoint and fault schemas also check the arguments of `emulator.vantages.set()`,
 * `emulator.endpoints.register()` and `emulator.faults.set()`.
 */
import type { Writable } from 'node:stream';
import { isIPv4 } from 'node:net';
import { o, optionsTable as renderTable, parseOptions } from '@anycast-origin/options';
import type { OptionsInput, OptionsOutput } from '@anycast-origin/options';
import { z } from 'zod';
import { InvalidArgumentError, InvalidOptionError } from './errors.js';
import { REGIONS } from './routing.js';

const REGION_CODES = REGIONS.map((r) => r.region) as [string, ...string[]];
const isLoopback4 = (v: string) => isIPv4(v) && v.startsWith('127.');

/** Endpoint ids the API takes: EC2 instance ids, Elastic IP allocation ids, load balancer ARNs. */
export const ENDPOINT_ID = /^(?:i-(?:[0-9a-f]{8}|[0-9a-f]{17})|eipalloc-[0-9a-f]{8,17}|arn:aws:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/(?:app|net)\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16})$/;

const PORT_KEY = z.string().regex(/^[1-9]\d{0,4}$/).refine((k) => Number(k) <= 65535);
/** `{ "80": 8080 }` as a Map of numbers. */
const portRecord = (min: number) => z.record(PORT_KEY, z.number().int().min(min).max(65535)).transform((r) => new Map(Object.entries(r).map(([k, v]) => [Number(k), v])) as ReadonlyMap<number, number>);

/** A vantage point: where clients from one source address are. */
export const VANTAGE = o.group({
  address: o.ip({ family: 4, required: true, doc: 'The clients\' source address (e.g. 127.20.0.1).' }),
  lat: o.number({ min: -90, max: 90, required: true, unit: 'degrees', doc: 'Latitude.' }),
  lon: o.number({ min: -180, max: 180, required: true, unit: 'degrees', doc: 'Longitude.' }),
  override: o.list(o.enum(REGION_CODES, { required: true, doc: 'A Region.' }), { max: 30, doc: 'Regions ranked first for this vantage, in order (a known anomaly, e.g. Sydney -> us-west-2).' }),
  edge: o.string({ maxBytes: 16, check: (v) => /^[A-Za-z0-9-]+$/.test(v), expects: 'an edge code of 1..16 letters, digits or hyphens', doc: 'Edge location flow logs show (`globalaccelerator_region`), e.g. FRA50.' }),
  name: o.string({ maxBytes: 128, doc: 'A name for the state snapshot.' }),
}, { doc: 'A vantage point.' });
export type VantageInput = NonNullable<OptionsInput<typeof VANTAGE>>;
export type Vantage = OptionsOutput<typeof VANTAGE>;

/** An endpoint registry entry: where an endpoint id lives. */
export const ENDPOINT = o.group({
  id: o.string({ required: true, check: (v) => ENDPOINT_ID.test(v), expects: 'an EC2 instance id (i- and 8 or 17 hex digits), an Elastic IP allocation id or a load balancer ARN', doc: 'The id the API uses.' }),
  address: o.string({ required: true, check: isLoopback4, expects: 'an IPv4 loopback address (127.0.0.0/8)', doc: 'Where the endpoint listens.' }),
  region: o.enum(REGION_CODES, { doc: 'Its Region: when set, the API refuses it in a group of another Region, as AWS does.' }),
  ports: o.custom(portRecord(1), { default: new Map() as ReadonlyMap<number, number>, defaultText: '`{}`', expects: 'an object { endpointPort: realPort }', doc: 'Endpoint port -> real port on `address` (the lab\'s 80 -> 8080), for traffic and health checks.' }),
}, { doc: 'An endpoint.' });
export type EndpointInput = NonNullable<OptionsInput<typeof ENDPOINT>>;
export type RegisteredEndpoint = Readonly<OptionsOutput<typeof ENDPOINT>>;

export const FAULT_ERRORS = ['ThrottlingException', 'InternalServiceErrorException', 'AccessDeniedException', 'TransactionInProgressException', 'LimitExceededException', 'ServiceUnavailableException'] as const;

/** A fault injected into an API operation. */
export const FAULT = o.group({
  error: o.enum(FAULT_ERRORS, { doc: 'The error answered (ThrottlingException when a count or rate is given without one).' }),
  count: o.integer({ min: 0, max: 1_000_000_000, doc: 'Answer the error to this many calls, then stop.' }),
  rate: o.number({ min: 0, max: 1, doc: '... or to each call with this probability (from the seeded generator).' }),
  latencyMs: o.integer({ min: 0, max: 600_000, unit: 'ms', doc: 'Added before the call is answered, with or without an error.' }),
}, { doc: 'A fault.' });
export type FaultSpec = NonNullable<OptionsInput<typeof FAULT>>;

const OPERATION = z.string().regex(/^(?:\*|[A-Z][A-Za-z]{2,63})$/);
const writable = z.custom<Writable>((v) => typeof v === 'object' && v !== null && typeof (v as { write?: unknown }).write === 'function');

/** The one description of every option. */
export const OPTIONS = o.group({
  host: o.string({ default: '127.0.0.1', check: isLoopback4, expects: 'an IPv4 loopback address (127.0.0.0/8)', doc: 'Address the API server listens on.' }),
  port: o.integer({ min: 0, max: 65_535, default: 0, doc: 'API server TCP port; 0 picks an ephemeral one (read `apiUrl`).' }),
  accountId: o.string({ default: '123456789012', check: (v) => /^\d{12}$/.test(v), expects: 'a 12-digit AWS account id', doc: 'Account id in ARNs and flow logs.' }),
  deploySeconds: o.number({ min: 0, max: 3600, default: 2, unit: 's', doc: 'How long a change keeps the accelerator IN_PROGRESS before it is DEPLOYED and the data plane applies it (AWS: about a minute); 0 deploys at once.' }),
  transactionInProgress: o.enum(['all', 'modeled', 'off'], {
    default: 'all',
    doc: "TransactionInProgressException for mutating calls on an accelerator that is IN_PROGRESS: 'all' of them, 'modeled' only AddEndpoints and RemoveEndpoints (where AWS's model lists it), 'off' never.",
  }),
  addressPool: o.string({
    default: '127.77.0.0/16',
    check: (v) => {
      const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(v);
      return m !== null && isLoopback4(m[1] as string) && Number(m[2]) >= 8 && Number(m[2]) <= 30;
    },
    expects: 'a loopback CIDR 127.x.y.z/8../30',
    doc: 'Block the two static IPv4 addresses of each accelerator are taken from.',
  }),
  portMap: o.custom(portRecord(0), { default: new Map() as ReadonlyMap<number, number>, defaultText: '`{}`', expects: 'an object { listenerPort: boundPort (0 = ephemeral) }', doc: 'Listener port -> port bound on the entry addresses; wins over unmappedPorts.' }),
  unmappedPorts: o.enum(['offset-privileged', 'same', 'ephemeral'], {
    default: 'offset-privileged',
    doc: "Ports not in portMap: 'offset-privileged' binds ports below 1024 at port + privilegedPortOffset (80 -> 18080) and others as they are; 'same' binds them as they are (below 1024 needs root); 'ephemeral' binds ephemeral ports (tests).",
  }),
  privilegedPortOffset: o.integer({ min: 1024, max: 64_511, default: 18_000, doc: 'Added to listener ports below 1024 under unmappedPorts offset-privileged.' }),
  maxBoundPorts: o.integer({ min: 1, max: 4096, default: 256, doc: 'Most listener ports bound per accelerator and protocol; ports of larger ranges are left unbound and listed in the state.' }),
  defaultLocation: o.group({
    lat: o.number({ min: -90, max: 90, default: 45.52, unit: 'degrees', doc: 'Latitude.' }),
    lon: o.number({ min: -180, max: 180, default: -122.68, unit: 'degrees', doc: 'Longitude.' }),
  }, { doc: 'Where clients not in the vantage table are (default: us-west-2, the API\'s Region).' }),
  vantages: o.list(VANTAGE, { default: [], max: 100_000, doc: 'Vantage points `{ address, lat, lon, override?, edge?, name? }` (also emulator.vantages.set()).' }),
  endpoints: o.list(ENDPOINT, { default: [], max: 100_000, doc: 'Endpoint registry `{ id, address, region?, ports? }` (also emulator.endpoints.register()).' }),
  healthCheck: o.group({
    minIntervalSeconds: o.number({
      min: 0.05, max: 10, default: 10, unit: 's',
      doc: 'Smallest HealthCheckIntervalSeconds the API accepts. At 10 the API takes 10 or 30, as AWS does; below 10 it takes any number from this value to 30, fractions included (labs).',
    }),
    timeoutMs: o.integer({ min: 10, max: 60_000, default: 5000, unit: 'ms', doc: 'Time one health check may take (capped at the interval).' }),
  }, { doc: 'Health checks.' }),
  tcpBackend: o.enum(['auto', 'native', 'node'], {
    default: 'auto',
    doc: "What relays TCP entries: 'native' @anycast-origin/tcp-relay (an optional dependency, Linux: bytes moved in C, about a third of the CPU per new connection; start() rejects where it does not load), 'node' node:net, 'auto' native where it loads, else node (state().tcpBackend says which, and why not native).",
  }),
  tcp: o.group({
    idleTimeoutSeconds: o.number({ min: 0.1, max: 86_400, default: 300, unit: 's', doc: 'A TCP flow with no data either way for this long is closed (AWS: 300 s).' }),
    maxConnections: o.integer({ min: 1, max: 1_000_000, default: 4096, doc: 'Relayed TCP connections at once; at the limit one is closed for a new one (native: the least recently active, node: the oldest).' }),
  }, { doc: 'TCP relay.' }),
  udp: o.group({
    idleTimeoutSeconds: o.number({ min: 0.1, max: 86_400, default: 30, unit: 's', doc: 'A UDP flow with no datagram either way for this long ends (AWS: 30 s).' }),
    maxFlows: o.integer({ min: 1, max: 1_000_000, default: 8192, doc: 'UDP flows at once (one upstream socket each); at the limit the oldest ends for a new one.' }),
    maxDatagramBytes: o.integer({ min: 512, max: 65_507, default: 65_507, unit: 'bytes', doc: 'Larger datagrams are dropped and counted.' }),
  }, { doc: 'UDP relay.' }),
  flowLogs: o.group({
    stream: o.custom(writable, { expects: 'a writable stream', doc: 'Every flow log record (one line) is written here, for accelerators with FlowLogsEnabled.' }),
    directory: o.string({ doc: 'Flow log files are written under this directory, laid out as the S3 keys AWS writes (<bucket>/<prefix>/AWSLogs/<account>/globalaccelerator/us-west-2/yyyy/mm/dd/...log).' }),
    captureWindowSeconds: o.number({ min: 0.1, max: 3600, default: 60, unit: 's', doc: 'A long flow gets a record per window of this length (AWS: up to 1 minute).' }),
  }, { doc: 'Flow logs.' }),
  faults: o.custom(z.record(OPERATION, FAULT), { default: {}, defaultText: '`{}`', expects: 'an object { <Operation or *>: { error?, count?, rate?, latencyMs? } }', doc: 'Faults per API operation or * (also emulator.faults.set()).' }),
  faultSeed: o.integer({ min: 0, max: 0xffff_ffff, default: 1, doc: 'Seed of the generator rate faults draw from.' }),
  quotas: o.group({
    accelerators: o.integer({ min: 1, max: 1000, default: 20, doc: 'Accelerators per account (AWS default quota).' }),
    listenersPerAccelerator: o.integer({ min: 1, max: 1000, default: 10, doc: 'Listeners per accelerator.' }),
    endpointGroupsPerAccelerator: o.integer({ min: 1, max: 1000, default: 42, doc: 'Endpoint groups per accelerator, over all its listeners.' }),
    endpointsPerGroup: o.integer({ min: 1, max: 1000, default: 10, doc: 'Endpoints per endpoint group.' }),
  }, { doc: 'Quotas (LimitExceededException beyond them).' }),
}, { doc: 'ga-emulator options' });

/** What createEmulator() accepts. */
export type EmulatorOptions = OptionsInput<typeof OPTIONS>;
/** Options after validation and defaults. */
export type ResolvedOptions = Readonly<OptionsOutput<typeof OPTIONS>>;

/** Validate every option up front (unknown keys too) and fill in the defaults. Throws InvalidOptionError. */
export function resolveOptions(options: unknown = {}): ResolvedOptions {
  return Object.freeze(parseOptions(OPTIONS, options, (option, message) => new InvalidOptionError(option, message)));
}

/** Check a method argument against one of the schemas above; throws InvalidArgumentError named `name...`. */
export function parseArgument<S extends z.ZodType>(schema: S, value: unknown, name: string): OptionsOutput<S> {
  return parseOptions(schema, value, (option, message) => new InvalidArgumentError(option === name ? name : `${name}.${option}`, message), name);
}

/** The README's option table. */
export function optionsTable(): string {
  return renderTable(OPTIONS);
}
