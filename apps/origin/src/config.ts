/**
 * Settings of the anycast-origin command: one schema (zod) for the config file, flags and
 * environment variables. Precedence: flags > environment > config file > defaults.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { validateField } from '@anycast-origin/identity';
import type { FieldName } from '@anycast-origin/identity';
import { ConfigFileError, UsageError } from './errors.js';

/** A listen address: `ADDR:PORT`, `[v6]:PORT`, or `off`. */
export interface ListenAddress {
  host: string;
  port: number;
}

export function parseListen(value: string): ListenAddress | null {
  if (value === 'off') return null;
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!m || host === undefined || !Number.isInteger(port) || port > 65535) {
    throw new Error(`${JSON.stringify(value)} is not ADDR:PORT, [IPv6]:PORT or off`);
  }
  if (!isIP(host) && host !== 'localhost') throw new Error(`${JSON.stringify(host)} is not an IP address`);
  return { host: host === 'localhost' ? '127.0.0.1' : host, port };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const IDENTITY_SOURCES = ['auto', 'imds', 'env', 'os'] as const;

const listen = z.string().transform((v, ctx) => {
  try {
    return parseListen(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});
const int = (min: number, max: number) => z.number().int().min(min).max(max);
const dnsName = z.string().regex(/^(?=.{1,253}\.?$)([A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$/, 'must be a DNS name');
const ipv4 = z.string().refine((v) => isIP(v) === 4, 'must be an IPv4 address');
const ipv6 = z.string().refine((v) => isIP(v) === 6, 'must be an IPv6 address');

/** The config file's schema (JSON). Unknown keys are errors. */
export const configSchema = z.strictObject({
  http: listen.optional().describe('HTTP listen address, ADDR:PORT or off'),
  dns: listen.optional().describe('DNS (UDP+TCP) listen address, ADDR:PORT or off'),
  id: z.string().optional(),
  hostname: z.string().optional(),
  region: z.string().optional(),
  az: z.string().optional(),
  instanceId: z.string().optional(),
  identitySource: z.enum(IDENTITY_SOURCES).optional(),
  imdsEndpoint: z.string().url().optional(),
  threads: int(1, 256).optional(),
  dnsWorkers: int(1, 256).optional(),
  dnsUdp: z.enum(['auto', 'mmsg', 'node']).optional(),
  zone: z
    .strictObject({
      name: dnsName,
      a: z.array(ipv4).max(16).optional(),
      aaaa: z.array(ipv6).max(16).optional(),
      ns: z.array(dnsName).max(16).optional(),
      ttl: int(0, 2147483647).optional(),
    })
    .optional(),
  rrl: z
    .union([
      z.literal(false),
      z.strictObject({
        responsesPerSecond: int(1, 1_000_000).optional(),
        windowSeconds: int(1, 3600).optional(),
        slip: int(0, 10).optional(),
        ipv4PrefixLength: int(0, 32).optional(), // ranges as @anycast-origin/dns-origin validates them
        ipv6PrefixLength: int(0, 128).optional(),
      }),
    ])
    .optional(),
  hideVersion: z.boolean().optional(),
  hideIdentity: z.boolean().optional(),
  drainSeconds: int(0, 3600).optional(),
  logLevel: z.enum(LOG_LEVELS).optional(),
  allowUwsFallback: z.boolean().optional(),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;

/** The settings the command runs with, every default filled in. */
export interface Settings {
  http: ListenAddress | null;
  dns: ListenAddress | null;
  identity: {
    source: (typeof IDENTITY_SOURCES)[number];
    id?: string;
    hostname?: string;
    region?: string;
    availabilityZone?: string;
    instanceId?: string;
    imdsEndpoint?: string;
  };
  threads: number;
  dnsWorkers: number;
  dnsUdp: 'auto' | 'mmsg' | 'node';
  zone?: { name: string; a?: string[]; aaaa?: string[]; ns?: string[]; ttl?: number };
  rrl: false | { responsesPerSecond?: number; windowSeconds?: number; slip?: number; ipv4PrefixLength?: number; ipv6PrefixLength?: number };
  hideVersion: boolean;
  hideIdentity: boolean;
  drainSeconds: number;
  logLevel: (typeof LOG_LEVELS)[number];
  allowUwsFallback: boolean;
}

/** Defaults: what `anycast-origin` with no flags does. */
export const DEFAULTS = Object.freeze({
  http: '127.0.0.1:8080',
  dns: '127.0.0.1:8053',
  identitySource: 'auto',
  threads: availableParallelism(), // HTTP worker threads: one per core
  dnsWorkers: 1, // DNS processes (cluster workers sharing the UDP port)
  dnsUdp: 'auto' as 'auto' | 'mmsg' | 'node', // batched UDP I/O when the addon loads
  drainSeconds: 90, // s: the accelerator's 30 s health-check interval x threshold 3
  logLevel: 'info',
  hideVersion: false,
  hideIdentity: false,
  allowUwsFallback: false,
} as const);

/** Read and validate a JSON config file; returns it as written (validated again once merged). */
export function readConfigFile(file: string): ConfigInput {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigFileError(file, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigFileError(file, `not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  const r = configSchema.safeParse(json);
  if (!r.success) throw new ConfigFileError(file, describeIssue(r.error.issues[0], (path) => `key ${path}`));
  return json as ConfigInput;
}

function describeIssue(issue: z.core.$ZodIssue | undefined, label: (path: string) => string): string {
  if (!issue) return 'invalid';
  const path = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') {
    const where = path ? ` in ${path}` : '';
    return `unknown key ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}${where}`;
  }
  return `${label(path || '(root)')}: ${issue.message}`;
}

/**
 * Merge layers (lowest first) into Settings, validating the result with the same schema.
 * `labels` maps a top-level key to where its winning value came from (a flag or env name),
 * so an error names what the user wrote.
 */
export interface SettingsLayer {
  config: Record<string, unknown>;
  /** Where each value came from, by dotted key (`threads`, `zone.a`): a flag, a variable, a file key. */
  labels: Record<string, string>;
}

const NESTED = new Set(['zone', 'rrl']);

export function resolveSettings(layers: readonly SettingsLayer[]): Settings {
  const merged: Record<string, unknown> = {};
  const labels: Record<string, string> = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer.config)) {
      if (v === undefined) continue;
      const prev = merged[k];
      if (NESTED.has(k) && v && typeof v === 'object' && prev && typeof prev === 'object') {
        merged[k] = { ...(prev as object), ...(v as object) };
      } else {
        merged[k] = v;
      }
      labels[k] = layer.labels[k] ?? k;
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        for (const sub of Object.keys(v)) labels[`${k}.${sub}`] = layer.labels[`${k}.${sub}`] ?? layer.labels[k] ?? `${k}.${sub}`;
      }
    }
  }
  const r = configSchema.safeParse(merged);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new UsageError(describeIssue(issue, (path) => {
      const parts = path.split('.');
      const exact = labels[parts.slice(0, 2).join('.')] ?? labels[parts[0] ?? ''] ?? path;
      const rest = parts.slice(2).join('.');
      return rest ? `${exact} (item ${rest})` : exact;
    }));
  }
  const c = r.data;
  // Identity values are checked here, so the error names the flag, variable or file key.
  const identityKeys: [keyof Config, FieldName][] = [['id', 'id'], ['hostname', 'hostname'], ['region', 'region'], ['az', 'availabilityZone'], ['instanceId', 'instanceId']];
  for (const [key, field] of identityKeys) {
    if (c[key] === undefined) continue;
    try {
      validateField(field, c[key], labels[key] ?? key);
    } catch (e) {
      throw new UsageError((e as Error).message, { cause: e });
    }
  }
  const identity: Settings['identity'] = { source: c.identitySource ?? DEFAULTS.identitySource };
  if (c.id !== undefined) identity.id = c.id;
  if (c.hostname !== undefined) identity.hostname = c.hostname;
  if (c.region !== undefined) identity.region = c.region;
  if (c.az !== undefined) identity.availabilityZone = c.az;
  if (c.instanceId !== undefined) identity.instanceId = c.instanceId;
  if (c.imdsEndpoint !== undefined) identity.imdsEndpoint = c.imdsEndpoint;
  const settings: Settings = {
    http: c.http === undefined ? parseListen(DEFAULTS.http) : c.http,
    dns: c.dns === undefined ? parseListen(DEFAULTS.dns) : c.dns,
    identity,
    threads: c.threads ?? DEFAULTS.threads,
    dnsWorkers: c.dnsWorkers ?? DEFAULTS.dnsWorkers,
    dnsUdp: c.dnsUdp ?? DEFAULTS.dnsUdp,
    rrl: c.rrl ?? {},
    hideVersion: c.hideVersion ?? DEFAULTS.hideVersion,
    hideIdentity: c.hideIdentity ?? DEFAULTS.hideIdentity,
    drainSeconds: c.drainSeconds ?? DEFAULTS.drainSeconds,
    logLevel: c.logLevel ?? DEFAULTS.logLevel,
    allowUwsFallback: c.allowUwsFallback ?? DEFAULTS.allowUwsFallback,
  };
  if (c.zone) settings.zone = c.zone;
  if (settings.http === null && settings.dns === null) throw new UsageError(`${labels.http ?? 'http'} and ${labels.dns ?? 'dns'} are both off: nothing to serve`);
  if (settings.http && settings.dns && settings.http.port !== 0 && settings.http.port === settings.dns.port && settings.http.host === settings.dns.host) {
    throw new UsageError(`${labels.dns ?? 'dns'}: ${settings.dns.host}:${settings.dns.port} is also the HTTP address (both use TCP)`);
  }
  return settings;
}
