/**
 * Reading the service config: the file's fields validated against CONFIG (./schema.ts), then
 * resolved into the typed AnycastConfig every consumer reads (per-region values from
 * `defaults`, one weight per instance, each listener's health check from what it serves), then
 * the checks that span fields: duplicates, quotas, health-check ports, DUAL_STACK needs IPv6.
 */
import { dirname, resolve } from 'node:path';
import { parseOptions, readJsonFile } from '@anycast-origin/options';
import type { FailureKind, OptionsOutput } from '@anycast-origin/options';
import { ConfigFieldError, ConfigFileError } from './errors.js';
import { GA_LIMITS } from './facts.js';
import { CONFIG } from './schema.js';

export type ListenerProtocol = 'TCP' | 'UDP';
export type HealthCheckProtocol = 'HTTP' | 'TCP';
export type IpAddressType = 'IPV4' | 'DUAL_STACK';
export type ClientAffinity = 'NONE' | 'SOURCE_IP';
/** What the origin serves on a listener. */
export type ListenerServes = 'http' | 'dns';

export interface HealthCheckConfig {
  readonly protocol: HealthCheckProtocol;
  /** A TCP listener's port (the origin security group admits only those). */
  readonly port: number;
  /** HTTP only: the path checked. */
  readonly path: string;
  /** 10 or 30. */
  readonly intervalSeconds: 10 | 30;
  readonly thresholdCount: number;
}

export interface ListenerConfig {
  readonly name: string;
  readonly protocol: ListenerProtocol;
  readonly port: number;
  readonly serves: ListenerServes;
  readonly clientAffinity: ClientAffinity;
  /** How this listener's endpoint groups check their endpoints. */
  readonly healthCheck: HealthCheckConfig;
}

export interface RegionConfig {
  readonly region: string;
  readonly instanceCount: number;
  readonly instanceType: string;
  readonly trafficDial: number;
  /** One weight per instance (0..255). */
  readonly weights: readonly number[];
  readonly clientIpPreservation: boolean;
  readonly ipv6: boolean;
  readonly vpcCidr: string;
  /** A public IPv4 per instance and routes to the internet gateway (false: reached only through the accelerator). */
  readonly publicIp: boolean;
  /** SSM interface endpoints in the VPC (Session Manager and Run Command without public IPs). */
  readonly ssmEndpoints: boolean;
  /** Two zones for the two subnets; null = the first two that offer the instance type. */
  readonly availabilityZones: readonly [string, string] | null;
}

export interface FlowLogsConfig {
  readonly s3Bucket: string;
  readonly s3Prefix: string;
}

export interface AnycastConfig {
  readonly acceleratorName: string;
  readonly ipAddressType: IpAddressType;
  readonly ipAddresses: readonly string[];
  readonly flowLogs: FlowLogsConfig | null;
  readonly listeners: readonly ListenerConfig[];
  readonly homeRegion: string;
  readonly regions: readonly RegionConfig[];
  /** Absolute path of the origin artifact. */
  readonly artifactPath: string;
  readonly tags: Readonly<Record<string, string>>;
}

type Raw = OptionsOutput<typeof CONFIG>;

const CODE: Record<FailureKind, string> = {
  unknown: 'CONFIG_ERR_UNKNOWN_FIELD',
  required: 'CONFIG_ERR_INVALID_FIELD',
  'too-small': 'CONFIG_ERR_OUT_OF_RANGE',
  'too-big': 'CONFIG_ERR_OUT_OF_RANGE',
  invalid: 'CONFIG_ERR_INVALID_FIELD',
};

/** Fields whose maximum is a Global Accelerator quota: over it is CONFIG_ERR_QUOTA. */
const QUOTA_FIELDS = /^(listeners|(defaults|regions\[\d+\])\.instanceCount)$/;

function codeOf(field: string, kind: FailureKind): string {
  if (kind === 'too-big' && QUOTA_FIELDS.test(field)) return 'CONFIG_ERR_QUOTA';
  if (kind === 'invalid' && /(^|\.)region$|^homeRegion$/.test(field.replace(/^regions\[\d+\]/, 'regions'))) return 'CONFIG_ERR_UNKNOWN_REGION';
  return CODE[kind];
}

export interface ParseOptions {
  /** Directory a relative `artifactPath` resolves against. @default process.cwd() */
  readonly baseDir?: string;
}

/**
 * The file's own shorthands, before validation: `"regions": ["us-east-1", ...]` (a name for
 * `{ region }`) and `"flowLogs": null` (off). Keys starting with `$` are notes.
 */
function normalize(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (!k.startsWith('$')) o[k] = v;
  if (o.flowLogs === null) delete o.flowLogs;
  if (Array.isArray(o.regions)) o.regions = o.regions.map((r) => (typeof r === 'string' ? { region: r } : r));
  return o;
}

/** Validate a parsed config file and fill in the defaults. Throws ConfigFieldError naming the field. */
export function parseConfig(raw: unknown, options: ParseOptions = {}): AnycastConfig {
  const input = normalize(raw);
  // A UDP health check is a common wish with its own explanation.
  for (const [i, l] of (Array.isArray((input as { listeners?: unknown })?.listeners) ? (input as { listeners: unknown[] }).listeners : []).entries()) {
    if ((l as { healthCheck?: { protocol?: unknown } })?.healthCheck?.protocol === 'UDP') {
      throw new ConfigFieldError(`listeners[${i}].healthCheck.protocol`, 'must be HTTP or TCP: Global Accelerator has no UDP health check (UDP listeners are checked over TCP or HTTP)', 'CONFIG_ERR_UDP_HEALTH_CHECK');
    }
  }
  const c = parseOptions(CONFIG, input, (field, message, kind) => new ConfigFieldError(field, message, codeOf(field, kind)), 'config');
  const listeners = resolveListeners(c);
  const regions = c.regions.map((r, i) => resolveRegion(c, r, i));
  const config: AnycastConfig = {
    acceleratorName: c.acceleratorName,
    ipAddressType: c.ipAddressType,
    ipAddresses: c.ipAddresses,
    flowLogs: c.flowLogs ?? null,
    listeners,
    homeRegion: c.homeRegion,
    regions,
    artifactPath: resolve(options.baseDir ?? process.cwd(), c.artifactPath),
    tags: c.tags,
  };
  crossCheck(config);
  return deepFreeze(config);
}

/** Read, parse and validate a config file; relative paths in it are relative to the file. */
export function loadConfig(file: string): AnycastConfig {
  let raw: unknown;
  try {
    raw = readJsonFile(file);
  } catch (e) {
    throw new ConfigFileError(file, (e as Error).message.replace(`${file}: `, ''), { cause: e });
  }
  return parseConfig(raw, { baseDir: dirname(resolve(file)) });
}

function resolveListeners(c: Raw): ListenerConfig[] {
  const tcpDns = c.listeners.find((l) => l.serves === 'dns' && l.protocol === 'TCP');
  const http = c.listeners.find((l) => l.serves === 'http' && l.protocol === 'TCP');
  return c.listeners.map((l, i) => {
    if (l.serves === 'http' && l.protocol !== 'TCP') throw new ConfigFieldError(`listeners[${i}].protocol`, 'must be TCP for a listener that serves http, got "UDP"');
    if (l.port === 22 || l.port === 3389) throw new ConfigFieldError(`listeners[${i}].port`, `must not be ${l.port} (SSH/RDP is never opened to the internet: shell access is through SSM Session Manager)`);
    const hc = l.healthCheck;
    // What the listener serves decides how its endpoints are checked: DNS over TCP (as the seed
    // checked TCP 53) when there is a DNS TCP listener, else the HTTP origin's /healthz.
    const base = l.serves === 'http'
      ? { protocol: 'HTTP' as const, port: l.port }
      : tcpDns ? { protocol: 'TCP' as const, port: tcpDns.port } : http ? { protocol: 'HTTP' as const, port: http.port } : undefined;
    const protocol = hc?.protocol ?? base?.protocol;
    const port = hc?.port ?? base?.port;
    if (protocol === undefined || port === undefined) {
      throw new ConfigFieldError(`listeners[${i}].healthCheck`, 'is required here: no TCP listener serves DNS or HTTP to check (Global Accelerator cannot check over UDP)', 'CONFIG_ERR_HEALTH_CHECK_PORT');
    }
    return {
      name: l.name,
      protocol: l.protocol,
      port: l.port,
      serves: l.serves,
      clientAffinity: l.clientAffinity ?? c.clientAffinity,
      healthCheck: {
        protocol,
        port,
        path: hc?.path ?? '/healthz',
        intervalSeconds: (hc?.intervalSeconds ?? c.healthCheck.intervalSeconds ?? 10) as 10 | 30,
        thresholdCount: hc?.thresholdCount ?? c.healthCheck.thresholdCount,
      },
    };
  });
}

function resolveRegion(c: Raw, r: Raw['regions'][number], i: number): RegionConfig {
  const d = c.defaults;
  const f = `regions[${i}]`;
  const instanceCount = r.instanceCount ?? d.instanceCount;
  const w = r.weight ?? d.weight ?? 128;
  if (Array.isArray(w) && w.length !== instanceCount) {
    throw new ConfigFieldError(`${r.weight !== undefined ? f : 'defaults'}.weight`, `must list one weight per instance (${instanceCount}), got ${w.length}`);
  }
  const zones = r.availabilityZones;
  if (zones) {
    zones.forEach((z, j) => {
      if (!new RegExp(`^${r.region}[a-z]$`).test(z)) throw new ConfigFieldError(`${f}.availabilityZones[${j}]`, `must be a zone of ${r.region}, got ${JSON.stringify(z)}`);
    });
    if (zones[0] === zones[1]) throw new ConfigFieldError(`${f}.availabilityZones`, 'must name two different zones (one per subnet)', 'CONFIG_ERR_DUPLICATE');
  }
  return {
    region: r.region,
    instanceCount,
    instanceType: r.instanceType ?? d.instanceType,
    trafficDial: r.trafficDial ?? d.trafficDial,
    weights: Array.isArray(w) ? w : Array.from({ length: instanceCount }, () => w),
    clientIpPreservation: r.clientIpPreservation ?? d.clientIpPreservation,
    ipv6: r.ipv6 ?? d.ipv6,
    vpcCidr: r.vpcCidr ?? d.vpcCidr,
    publicIp: r.publicIp ?? d.publicIp,
    ssmEndpoints: r.ssmEndpoints ?? d.ssmEndpoints,
    availabilityZones: zones ? [zones[0] as string, zones[1] as string] : null,
  };
}

function crossCheck(c: AnycastConfig): void {
  if (new Set(c.ipAddresses).size !== c.ipAddresses.length) throw new ConfigFieldError('ipAddresses', 'must not list the same address twice', 'CONFIG_ERR_DUPLICATE');
  c.listeners.forEach((l, i) => {
    const j = c.listeners.findIndex((o) => o.name === l.name);
    if (j < i) throw new ConfigFieldError(`listeners[${i}].name`, `must be unique: ${JSON.stringify(l.name)} is already listeners[${j}]`, 'CONFIG_ERR_DUPLICATE');
    const k = c.listeners.findIndex((o) => o.protocol === l.protocol && o.port === l.port);
    if (k < i) throw new ConfigFieldError(`listeners[${i}]`, `must be one listener per protocol and port: ${l.protocol} ${l.port} is already listeners[${k}]`, 'CONFIG_ERR_DUPLICATE');
  });
  const tcpPorts = new Set(c.listeners.filter((l) => l.protocol === 'TCP').map((l) => l.port));
  c.listeners.forEach((l, i) => {
    if (!tcpPorts.has(l.healthCheck.port)) {
      throw new ConfigFieldError(`listeners[${i}].healthCheck.port`, `must be the port of a TCP listener (${[...tcpPorts].join(', ') || 'none'}): the origin security group admits only listener ports, got ${l.healthCheck.port}`, 'CONFIG_ERR_HEALTH_CHECK_PORT');
    }
  });
  c.regions.forEach((r, i) => {
    const j = c.regions.findIndex((o) => o.region === r.region);
    if (j < i) throw new ConfigFieldError(`regions[${i}].region`, `must be unique: ${r.region} is already regions[${j}] (one endpoint group per region per listener)`, 'CONFIG_ERR_DUPLICATE');
    if (c.ipAddressType === 'DUAL_STACK' && !r.ipv6) {
      throw new ConfigFieldError(`regions[${i}].ipv6`, 'must be true: ipAddressType DUAL_STACK needs IPv6 in every VPC (dual-stack endpoints); set it or defaults.ipv6', 'CONFIG_ERR_DUAL_STACK_NEEDS_IPV6');
    }
  });
  const groups = c.regions.length * c.listeners.length;
  if (groups > GA_LIMITS.endpointGroupsPerAccelerator) {
    throw new ConfigFieldError('regions', `must give at most ${GA_LIMITS.endpointGroupsPerAccelerator} endpoint groups (a quota that cannot be raised): ${c.regions.length} regions x ${c.listeners.length} listeners = ${groups}`, 'CONFIG_ERR_QUOTA');
  }
}

/**
 * How long an origin should keep serving after its health check starts failing, for Global
 * Accelerator to have stopped sending it new flows: interval x threshold until the endpoint
 * is marked unhealthy, plus one interval for the change to reach every edge.
 */
export function drainSecondsFor(hc: Pick<HealthCheckConfig, 'intervalSeconds' | 'thresholdCount'>): number {
  return hc.intervalSeconds * hc.thresholdCount + hc.intervalSeconds;
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
