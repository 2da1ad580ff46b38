/**
 * The one config of the stack: types, defaults, validation and loading.
 *
 * The config is a JSON file (default: infra/anycast.config.json; another one through
 * ANYCAST_CONFIG). Every field is optional: what is left out comes from DEFAULTS below, and
 * per-region fields left out come from the file's `defaults` block. Validation names the
 * field that is wrong (`regions[2].trafficDial: must be 0..100, got 150`) and throws at
 * synth, before any resource is built. Keys starting with `$` (`$comment`, `$schema`) are
 * ignored, so the file can carry notes.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GA_LIMITS, KNOWN_REGIONS } from './aws-facts.js';
import { ConfigFieldError, ConfigFileError } from './errors.js';

export type ListenerProtocol = 'TCP' | 'UDP';
export type HealthCheckProtocol = 'HTTP' | 'TCP';
export type IpAddressType = 'IPV4' | 'DUAL_STACK';
export type ClientAffinity = 'NONE' | 'SOURCE_IP';
/** What the origin serves on a listener: decides the test commands in the outputs. */
export type ListenerServes = 'http' | 'dns';

export interface HealthCheckConfig {
  /** HTTP or TCP (Global Accelerator has no UDP health check). */
  readonly protocol: HealthCheckProtocol;
  /** Port on the instance; must be a TCP listener port, or the origin security group blocks the checks. */
  readonly port: number;
  /** HTTP only: the path checked; 2xx/3xx is healthy. */
  readonly path: string;
  /** 10 or 30 seconds. */
  readonly intervalSeconds: number;
  /** Consecutive checks (1..10) to mark an endpoint healthy or unhealthy. */
  readonly thresholdCount: number;
}

export interface ListenerConfig {
  /** Short name used in Terraform resource names: lowercase letters, digits, hyphens. */
  readonly name: string;
  readonly protocol: ListenerProtocol;
  readonly port: number;
  readonly serves: ListenerServes;
  readonly clientAffinity: ClientAffinity;
}

export interface RegionConfig {
  readonly region: string;
  /** Instances (= endpoints of each of the region's endpoint groups), 1..10. */
  readonly instanceCount: number;
  readonly instanceType: string;
  /** Percent of the traffic this region would get by proximity that it keeps, 0..100. */
  readonly trafficDial: number;
  /** Weight of each instance, one per instance (0..255; 0 = no traffic). */
  readonly weights: readonly number[];
  readonly healthCheck: HealthCheckConfig;
  /** Give the VPC, subnets and instances IPv6 (required by DUAL_STACK). */
  readonly ipv6: boolean;
  /** IPv4 CIDR of the VPC, /16../24; the two subnets are its first two 1/16ths. */
  readonly vpcCidr: string;
  /** Two availability zones for the two subnets; null = the first two that offer the instance type. */
  readonly availabilityZones: readonly [string, string] | null;
}

export interface FlowLogsConfig {
  /** Existing bucket; it needs the bucket policy for delivery.logs.amazonaws.com (see README). */
  readonly s3Bucket: string;
  readonly s3Prefix: string;
}

export interface AnycastConfig {
  readonly acceleratorName: string;
  readonly ipAddressType: IpAddressType;
  /** BYOIP: one or two IPv4 addresses from your own pool; empty = AWS assigns two. */
  readonly ipAddresses: readonly string[];
  /** null = flow logs off. */
  readonly flowLogs: FlowLogsConfig | null;
  readonly listeners: readonly ListenerConfig[];
  /** Region of the default provider: the artifact bucket lives here (IAM and GA are global). */
  readonly homeRegion: string;
  readonly regions: readonly RegionConfig[];
  /** Absolute path of the origin artifact (.tar.gz); relative paths in the file are relative to the file. */
  readonly artifactPath: string;
  /** Tags on every taggable resource (provider default_tags). */
  readonly tags: Readonly<Record<string, string>>;
}

/** Defaults for the per-region fields (the file's `defaults` block overrides these). */
export interface RegionDefaults {
  readonly instanceCount: number;
  readonly instanceType: string;
  readonly trafficDial: number;
  readonly weight: number;
  /** port: null = the port of the first listener that serves http (80 by default). */
  readonly healthCheck: Omit<HealthCheckConfig, 'port'> & { readonly port: number | null };
  readonly ipv6: boolean;
  readonly vpcCidr: string;
}

/**
 * Every default in one place: the seed's service, done right. Four regions x two instances,
 * TCP 80 for HTTP plus UDP 53 and TCP 53 for DNS, every group health-checking /healthz.
 */
export const DEFAULTS = deepFreeze({
  acceleratorName: 'anycast-origin',
  ipAddressType: 'IPV4' as IpAddressType,
  ipAddresses: [] as string[],
  flowLogs: null as FlowLogsConfig | null,
  clientAffinity: 'NONE' as ClientAffinity,
  listeners: [
    { name: 'http', protocol: 'TCP', port: 80, serves: 'http' },
    { name: 'dns-udp', protocol: 'UDP', port: 53, serves: 'dns' },
    { name: 'dns-tcp', protocol: 'TCP', port: 53, serves: 'dns' },
  ] as { name: string; protocol: ListenerProtocol; port: number; serves: ListenerServes }[],
  homeRegion: 'us-west-2', // where the Global Accelerator API lives
  regions: ['us-east-1', 'us-west-2', 'eu-central-1', 'ap-southeast-1'],
  defaults: {
    instanceCount: 2,
    instanceType: 't3.micro', // x86_64, 2 vCPU burstable, 1 GiB
    trafficDial: 100, // percent
    weight: 128, // AWS's default weight; explicit because an unset weight reaches the API as 0
    healthCheck: {
      protocol: 'HTTP' as HealthCheckProtocol,
      port: null as number | null, // null: the http listener's port
      path: '/healthz',
      intervalSeconds: 10, // seconds
      thresholdCount: 3, // checks
    },
    ipv6: false,
    vpcCidr: '10.0.0.0/16',
  } satisfies RegionDefaults,
  artifactPath: '../apps/origin/artifact/anycast-origin-linux.tar.gz', // relative to the config file
  tags: { project: 'anycast-origin', 'managed-by': 'cdktf' } as Record<string, string>,
});

/** infra/anycast.config.json (src/ and dist/ both sit one level below infra/). */
export const DEFAULT_CONFIG_FILE = fileURLToPath(new URL('../anycast.config.json', import.meta.url));

export interface ParseOptions {
  /**
   * Directory relative artifact paths are resolved against.
   * @default process.cwd()
   */
  readonly baseDir?: string;
}

/** Read, parse and validate a config file. Relative paths in it are relative to the file. */
export function loadConfig(file: string = DEFAULT_CONFIG_FILE): AnycastConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigFileError(file, `cannot read it (${(cause as Error).message})`, { cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ConfigFileError(file, `not valid JSON (${(cause as Error).message})`, { cause });
  }
  return parseConfig(raw, { baseDir: dirname(resolve(file)) });
}

/** Validate a raw config object (parsed JSON) and fill in the defaults. Throws ConfigFieldError. */
export function parseConfig(raw: unknown, options: ParseOptions = {}): AnycastConfig {
  const baseDir = options.baseDir ?? process.cwd();
  const root = object(raw, 'config');
  onlyKeys(root, '', ['acceleratorName', 'ipAddressType', 'ipAddresses', 'flowLogs', 'clientAffinity', 'listeners', 'homeRegion', 'defaults', 'regions', 'artifactPath', 'tags']);

  const acceleratorName = optional(root, '', 'acceleratorName', DEFAULTS.acceleratorName, (v, f) => {
    const s = string(v, f);
    if (!/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/.test(s)) {
      throw new ConfigFieldError(f, `must be 1..32 lowercase letters, digits and inner hyphens (it also names the bucket, IAM role and security groups), got ${JSON.stringify(s)}`);
    }
    return s;
  });
  const ipAddressType = optional(root, '', 'ipAddressType', DEFAULTS.ipAddressType, (v, f) => oneOf(v, f, ['IPV4', 'DUAL_STACK'] as const));
  const ipAddresses = optional(root, '', 'ipAddresses', DEFAULTS.ipAddresses, (v, f) => {
    const list = array(v, f).map((ip, i) => ipv4(ip, `${f}[${i}]`));
    if (list.length > GA_LIMITS.byoipMax) throw new ConfigFieldError(f, `BYOIP takes at most ${GA_LIMITS.byoipMax} IPv4 addresses, got ${list.length}`, 'INFRA_ERR_OUT_OF_RANGE');
    if (new Set(list).size !== list.length) throw new ConfigFieldError(f, 'lists the same address twice', 'INFRA_ERR_DUPLICATE');
    return list;
  });
  const flowLogs = optional(root, '', 'flowLogs', DEFAULTS.flowLogs, (v, f) => {
    if (v === null) return null;
    const o = object(v, f);
    onlyKeys(o, f, ['s3Bucket', 's3Prefix']);
    const s3Bucket = required(o, 's3Bucket', f, (b, bf) => {
      const s = string(b, bf);
      if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s)) throw new ConfigFieldError(bf, `must be an S3 bucket name (3..63 lowercase letters, digits, dots, hyphens), got ${JSON.stringify(s)}`);
      return s;
    });
    const s3Prefix = optional(o, f, 's3Prefix', '', (p, pf) => string(p, pf, { allowEmpty: true }));
    return { s3Bucket, s3Prefix };
  });
  const clientAffinity = optional(root, '', 'clientAffinity', DEFAULTS.clientAffinity, (v, f) => oneOf(v, f, ['NONE', 'SOURCE_IP'] as const));
  const listeners = optional(root, '', 'listeners', DEFAULTS.listeners as unknown[], (v, f) => array(v, f)).map((l, i) =>
    listener(l, `listeners[${i}]`, clientAffinity),
  );
  if (listeners.length === 0) throw new ConfigFieldError('listeners', 'needs at least one listener');
  if (listeners.length > GA_LIMITS.listenersPerAccelerator) {
    throw new ConfigFieldError('listeners', `${listeners.length} listeners; an accelerator allows at most ${GA_LIMITS.listenersPerAccelerator} (service quota)`, 'INFRA_ERR_QUOTA');
  }
  listeners.forEach((l, i) => {
    const j = listeners.findIndex((o) => o.name === l.name);
    if (j < i) throw new ConfigFieldError(`listeners[${i}].name`, `${JSON.stringify(l.name)} is already the name of listeners[${j}]`, 'INFRA_ERR_DUPLICATE');
    const k = listeners.findIndex((o) => o.protocol === l.protocol && o.port === l.port);
    if (k < i) throw new ConfigFieldError(`listeners[${i}]`, `${l.protocol} ${l.port} is already listeners[${k}]: one listener per protocol and port`, 'INFRA_ERR_DUPLICATE');
  });
  const httpListener = listeners.find((l) => l.serves === 'http' && l.protocol === 'TCP');
  const tcpPorts = new Set(listeners.filter((l) => l.protocol === 'TCP').map((l) => l.port));

  const homeRegion = optional(root, '', 'homeRegion', DEFAULTS.homeRegion, region);
  const defaults = regionDefaults(optional(root, '', 'defaults', {}, object), 'defaults', httpListener?.port ?? 80);
  const regionsRaw = optional(root, '', 'regions', DEFAULTS.regions.map((r) => ({ region: r })) as unknown[], array);
  if (regionsRaw.length === 0) throw new ConfigFieldError('regions', 'needs at least one region');
  const regions = regionsRaw.map((r, i) => regionConfig(r, `regions[${i}]`, defaults));
  regions.forEach((r, i) => {
    const j = regions.findIndex((o) => o.region === r.region);
    if (j < i) throw new ConfigFieldError(`regions[${i}].region`, `${r.region} is already regions[${j}]: one endpoint group per region per listener`, 'INFRA_ERR_DUPLICATE');
  });
  const groups = regions.length * listeners.length;
  if (groups > GA_LIMITS.endpointGroupsPerAccelerator) {
    throw new ConfigFieldError(
      'regions',
      `${regions.length} regions x ${listeners.length} listeners = ${groups} endpoint groups; an accelerator allows at most ${GA_LIMITS.endpointGroupsPerAccelerator} (service quota, not adjustable)`,
      'INFRA_ERR_QUOTA',
    );
  }
  regions.forEach((r, i) => {
    if (!tcpPorts.has(r.healthCheck.port)) {
      throw new ConfigFieldError(
        `regions[${i}].healthCheck.port`,
        `${r.healthCheck.port} is not the port of a TCP listener (${[...tcpPorts].join(', ') || 'none'}): the origin security group admits only listener ports, so the health checks would fail`,
        'INFRA_ERR_HEALTH_CHECK_PORT',
      );
    }
    if (ipAddressType === 'DUAL_STACK' && !r.ipv6) {
      throw new ConfigFieldError(`regions[${i}].ipv6`, 'ipAddressType DUAL_STACK needs IPv6 in every VPC (dual-stack endpoints): set it (or defaults.ipv6) to true', 'INFRA_ERR_DUAL_STACK_NEEDS_IPV6');
    }
  });

  const artifactPath = resolve(baseDir, optional(root, '', 'artifactPath', DEFAULTS.artifactPath, (v, f) => string(v, f)));
  const tags = optional(root, '', 'tags', DEFAULTS.tags, (v, f) => {
    const o = object(v, f);
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(o)) {
      if (k.length < 1 || k.length > 128 || k.toLowerCase().startsWith('aws:')) throw new ConfigFieldError(`${f}.${k}`, 'tag keys are 1..128 characters and may not start with aws:');
      const s = string(val, `${f}.${k}`, { allowEmpty: true });
      if (s.length > 256) throw new ConfigFieldError(`${f}.${k}`, 'tag values are at most 256 characters', 'INFRA_ERR_OUT_OF_RANGE');
      out[k] = s;
    }
    return out;
  });

  return deepFreeze({ acceleratorName, ipAddressType, ipAddresses, flowLogs, listeners, homeRegion, regions, artifactPath, tags });
}

function listener(raw: unknown, f: string, clientAffinity: ClientAffinity): ListenerConfig {
  const o = object(raw, f);
  onlyKeys(o, f, ['name', 'protocol', 'port', 'serves', 'clientAffinity']);
  const name = required(o, 'name', f, (v, nf) => {
    const s = string(v, nf);
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(s)) throw new ConfigFieldError(nf, `must be 1..31 lowercase letters, digits and hyphens starting with a letter, got ${JSON.stringify(s)}`);
    return s;
  });
  const protocol = required(o, 'protocol', f, (v, pf) => oneOf(v, pf, ['TCP', 'UDP'] as const));
  const port = required(o, 'port', f, (v, pf) => {
    const n = port_(v, pf);
    if (n === 22 || n === 3389) throw new ConfigFieldError(pf, `${n} (SSH/RDP) is never opened to the internet: shell access is through SSM Session Manager`);
    return n;
  });
  const serves = required(o, 'serves', f, (v, sf) => oneOf(v, sf, ['http', 'dns'] as const));
  if (serves === 'http' && protocol !== 'TCP') throw new ConfigFieldError(`${f}.protocol`, 'a listener that serves http must be TCP');
  return { name, protocol, port, serves, clientAffinity: optional(o, f, 'clientAffinity', clientAffinity, (v, cf) => oneOf(v, cf, ['NONE', 'SOURCE_IP'] as const)) };
}

const REGION_FIELDS = ['instanceCount', 'instanceType', 'trafficDial', 'weight', 'healthCheck', 'ipv6', 'vpcCidr'] as const;

function regionDefaults(o: Record<string, unknown>, f: string, httpPort: number): RegionDefaults & { readonly weightList: readonly number[] | null } {
  onlyKeys(o, f, [...REGION_FIELDS]);
  const d = DEFAULTS.defaults;
  const instanceCount = optional(o, f, 'instanceCount', d.instanceCount, instanceCount_);
  const w = optional(o, f, 'weight', d.weight as number | number[], (v, wf) => weight(v, wf, instanceCount));
  return {
    instanceCount,
    instanceType: optional(o, f, 'instanceType', d.instanceType, instanceType),
    trafficDial: optional(o, f, 'trafficDial', d.trafficDial, dial),
    weight: typeof w === 'number' ? w : d.weight,
    weightList: typeof w === 'number' ? null : w,
    healthCheck: healthCheck(optional(o, f, 'healthCheck', {}, object), `${f}.healthCheck`, { ...d.healthCheck, port: httpPort }),
    ipv6: optional(o, f, 'ipv6', d.ipv6, boolean),
    vpcCidr: optional(o, f, 'vpcCidr', d.vpcCidr, cidr),
  };
}

function regionConfig(raw: unknown, f: string, d: ReturnType<typeof regionDefaults>): RegionConfig {
  const o = typeof raw === 'string' ? { region: raw } : object(raw, f);
  onlyKeys(o, f, ['region', ...REGION_FIELDS, 'availabilityZones']);
  const name = required(o, 'region', f, region);
  const instanceCount = optional(o, f, 'instanceCount', d.instanceCount, instanceCount_);
  const w = optional(o, f, 'weight', d.weightList ?? d.weight, (v, wf) => weight(v, wf, instanceCount));
  if (typeof w !== 'number' && w.length !== instanceCount) {
    throw new ConfigFieldError(`${f}.weight`, `lists ${w.length} weights for ${instanceCount} instances: give one number for all, or one per instance`);
  }
  const availabilityZones = optional(o, f, 'availabilityZones', null, (v, af) => {
    if (v === null) return null;
    const list = array(v, af).map((z, i) => string(z, `${af}[${i}]`));
    if (list.length !== 2) throw new ConfigFieldError(af, `needs exactly two zones (one per subnet), got ${list.length}`);
    list.forEach((z, i) => {
      if (!new RegExp(`^${name}[a-z]$`).test(z)) throw new ConfigFieldError(`${af}[${i}]`, `${JSON.stringify(z)} is not a zone of ${name}`);
    });
    if (list[0] === list[1]) throw new ConfigFieldError(af, 'names the same zone twice: the subnets need two zones', 'INFRA_ERR_DUPLICATE');
    return [list[0], list[1]] as [string, string];
  });
  return {
    region: name,
    instanceCount,
    instanceType: optional(o, f, 'instanceType', d.instanceType, instanceType),
    trafficDial: optional(o, f, 'trafficDial', d.trafficDial, dial),
    weights: typeof w === 'number' ? Array.from({ length: instanceCount }, () => w) : w,
    healthCheck: healthCheck(optional(o, f, 'healthCheck', {}, object), `${f}.healthCheck`, d.healthCheck as HealthCheckConfig),
    ipv6: optional(o, f, 'ipv6', d.ipv6, boolean),
    vpcCidr: optional(o, f, 'vpcCidr', d.vpcCidr, cidr),
    availabilityZones,
  };
}

function healthCheck(o: Record<string, unknown>, f: string, d: HealthCheckConfig): HealthCheckConfig {
  onlyKeys(o, f, ['protocol', 'port', 'path', 'intervalSeconds', 'thresholdCount']);
  const protocol = optional(o, f, 'protocol', d.protocol, (v, pf) => {
    if (v === 'UDP') throw new ConfigFieldError(pf, 'Global Accelerator has no UDP health check: use HTTP (the origin\'s /healthz) or TCP; UDP listeners are checked over those too', 'INFRA_ERR_UDP_HEALTH_CHECK');
    return oneOf(v, pf, ['HTTP', 'TCP'] as const);
  });
  const path = optional(o, f, 'path', d.path, (v, pf) => {
    const s = string(v, pf);
    if (!/^\/[\x21-\x7e]*$/.test(s)) throw new ConfigFieldError(pf, `must start with / and hold no spaces, got ${JSON.stringify(s)}`);
    return s;
  });
  const intervalSeconds = optional(o, f, 'intervalSeconds', d.intervalSeconds, (v, iv) => {
    const n = integer(v, iv);
    if (!GA_LIMITS.healthCheckIntervals.includes(n)) throw new ConfigFieldError(iv, `must be 10 or 30 (seconds), got ${n}`, 'INFRA_ERR_OUT_OF_RANGE');
    return n;
  });
  const thresholdCount = optional(o, f, 'thresholdCount', d.thresholdCount, (v, tf) => range(v, tf, GA_LIMITS.thresholdMin, GA_LIMITS.thresholdMax));
  return { protocol, port: optional(o, f, 'port', d.port, port_), path, intervalSeconds, thresholdCount };
}

// ---- field checkers: each takes (value, field path) and returns the typed value or throws ----

type Check<T> = (v: unknown, field: string) => T;

function object(v: unknown, f: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigFieldError(f, `must be an object, got ${describe(v)}`);
  return v as Record<string, unknown>;
}

function array(v: unknown, f: string): unknown[] {
  if (!Array.isArray(v)) throw new ConfigFieldError(f, `must be an array, got ${describe(v)}`);
  return v;
}

function string(v: unknown, f: string, opts: { allowEmpty?: boolean } = {}): string {
  if (typeof v !== 'string' || (!opts.allowEmpty && v.length === 0)) throw new ConfigFieldError(f, `must be a non-empty string, got ${describe(v)}`);
  return v;
}

function boolean(v: unknown, f: string): boolean {
  if (typeof v !== 'boolean') throw new ConfigFieldError(f, `must be true or false, got ${describe(v)}`);
  return v;
}

function integer(v: unknown, f: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ConfigFieldError(f, `must be an integer, got ${describe(v)}`);
  return v;
}

function range(v: unknown, f: string, min: number, max: number): number {
  const n = integer(v, f);
  if (n < min || n > max) throw new ConfigFieldError(f, `must be ${min}..${max}, got ${n}`, 'INFRA_ERR_OUT_OF_RANGE');
  return n;
}

function oneOf<const T extends string>(v: unknown, f: string, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw new ConfigFieldError(f, `must be one of ${allowed.join(', ')}, got ${describe(v)}`);
  return v as T;
}

function onlyKeys(o: Record<string, unknown>, f: string, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (k.startsWith('$')) continue;
    if (!allowed.includes(k)) throw new ConfigFieldError(join(f, k), `unknown field; known: ${allowed.join(', ')}`, 'INFRA_ERR_UNKNOWN_FIELD');
  }
}

function required<T>(o: Record<string, unknown>, key: string, f: string, check: Check<T>): T {
  const field = join(f, key);
  if (o[key] === undefined) throw new ConfigFieldError(field, 'is required');
  return check(o[key], field);
}

function optional<T>(o: Record<string, unknown>, f: string, key: string, fallback: T, check: Check<T>): T {
  return o[key] === undefined ? fallback : check(o[key], join(f, key));
}

function join(f: string, key: string): string {
  return f === '' ? key : `${f}.${key}`;
}

function region(v: unknown, f: string): string {
  const s = string(v, f);
  if (!KNOWN_REGIONS.includes(s)) throw new ConfigFieldError(f, `unknown region ${JSON.stringify(s)}; known: ${KNOWN_REGIONS.join(', ')}`, 'INFRA_ERR_UNKNOWN_REGION');
  return s;
}

function port_(v: unknown, f: string): number {
  return range(v, f, 1, 65535);
}

function instanceCount_(v: unknown, f: string): number {
  const n = integer(v, f);
  if (n > GA_LIMITS.endpointsPerGroup) throw new ConfigFieldError(f, `${n} instances = ${n} endpoints per endpoint group; a group allows at most ${GA_LIMITS.endpointsPerGroup} (service quota)`, 'INFRA_ERR_QUOTA');
  if (n < 1) throw new ConfigFieldError(f, `must be at least 1, got ${n}`, 'INFRA_ERR_OUT_OF_RANGE');
  return n;
}

function instanceType(v: unknown, f: string): string {
  const s = string(v, f);
  if (!/^[a-z][a-z0-9-]*\.[a-z0-9-]+$/.test(s)) throw new ConfigFieldError(f, `must be an EC2 instance type like t3.micro, got ${JSON.stringify(s)}`);
  return s;
}

function dial(v: unknown, f: string): number {
  return range(v, f, GA_LIMITS.trafficDialMin, GA_LIMITS.trafficDialMax);
}

function weight(v: unknown, f: string, _count: number): number | number[] {
  if (Array.isArray(v)) return v.map((w, i) => range(w, `${f}[${i}]`, GA_LIMITS.weightMin, GA_LIMITS.weightMax));
  return range(v, f, GA_LIMITS.weightMin, GA_LIMITS.weightMax);
}

function ipv4(v: unknown, f: string): string {
  const s = string(v, f);
  const parts = s.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) {
    throw new ConfigFieldError(f, `must be an IPv4 address (BYOIP), got ${JSON.stringify(s)}`);
  }
  return s;
}

function cidr(v: unknown, f: string): string {
  const s = string(v, f);
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(s);
  const prefix = Number(m?.[2]);
  if (!m?.[1] || !m[1].split('.').every((p) => Number(p) <= 255) || prefix < 16 || prefix > 24) {
    throw new ConfigFieldError(f, `must be an IPv4 CIDR from /16 to /24 (the subnets take its first two 1/16ths), got ${JSON.stringify(s)}`);
  }
  const host = ipToInt(m[1]) & (2 ** (32 - prefix) - 1);
  if (host !== 0) throw new ConfigFieldError(f, `${s} has host bits set: use the network address`);
  return s;
}

/** The `index`th subnet of a CIDR when split into 16 (prefix + 4). */
export function subnetCidr(vpcCidr: string, index: number): string {
  const [base = '', bits = ''] = vpcCidr.split('/');
  const prefix = Number(bits) + 4;
  const n = (ipToInt(base) + index * 2 ** (32 - prefix)) >>> 0;
  return `${[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')}/${prefix}`;
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, p) => ((acc << 8) | Number(p)) >>> 0, 0);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
