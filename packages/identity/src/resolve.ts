import { readFile } from 'node:fs/promises';
import { hostname as osHostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { parseOptions } from '@anycast-origin/options';
import { InvalidIdentityFieldError, InvalidOptionError, MetadataInvalidResponseError } from './errors.js';
import type { FieldName, Identity, IdentityFields, SourceName } from './identity.js';
import { createIdentity } from './identity.js';
import { ImdsClient } from './imds.js';
import { ENV_NAMES, FIELD_NAMES, OPTIONS, validateField } from './options.js';
import type { ResolveIdentityOptions } from './options.js';

/** Instance metadata paths (under /latest/meta-data/) per field; `optional` ones may 404. */
export const IMDS_PATHS: Readonly<Record<Exclude<FieldName, 'id'>, { path: string; optional: boolean }>> = Object.freeze({
  instanceId: { path: 'instance-id', optional: false },
  availabilityZone: { path: 'placement/availability-zone', optional: false },
  region: { path: 'placement/region', optional: true },
  hostname: { path: 'local-hostname', optional: true },
  privateIpv4: { path: 'local-ipv4', optional: true },
  publicIpv4: { path: 'public-ipv4', optional: true },
  ipv6: { path: 'ipv6', optional: true },
});

/**
 * True when DMI says this host is an EC2 instance: sys_vendor "Amazon EC2" (Nitro) or a
 * board_asset_tag that is an instance ID (Xen-based types report vendor "Xen").
 */
export async function isEc2Host(dmiPath: string): Promise<boolean> {
  const read = async (f: string) => {
    try {
      return (await readFile(join(dmiPath, f), 'utf8')).trim();
    } catch {
      return '';
    }
  };
  const [vendor, tag] = await Promise.all([read('sys_vendor'), read('board_asset_tag')]);
  return vendor === 'Amazon EC2' || /^i-[0-9a-f]{8,17}$/.test(tag);
}

function isPrivateV4(a: string): boolean {
  const [x = 0, y = 0] = a.split('.').map(Number);
  return x === 10 || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168) || (x === 100 && y >= 64 && y <= 127);
}

/** What the OS knows: the hostname and the first non-internal addresses of each kind. */
export function osFields(os: { hostname: () => string; networkInterfaces: typeof networkInterfaces } = { hostname: osHostname, networkInterfaces }): IdentityFields {
  const fields: IdentityFields = { hostname: os.hostname() };
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === 'IPv4') {
        if (a.address.startsWith('169.254.')) continue;
        if (isPrivateV4(a.address)) fields.privateIpv4 ??= a.address;
        else fields.publicIpv4 ??= a.address;
      } else if (a.family === 'IPv6' && !/^fe[89ab]/i.test(a.address) && a.scopeid === 0) {
        fields.ipv6 ??= a.address;
      }
    }
  }
  return fields;
}

function envFields(env: NodeJS.ProcessEnv): { fields: IdentityFields; labels: Partial<Record<FieldName, string>> } {
  const fields: IdentityFields = {};
  const labels: Partial<Record<FieldName, string>> = {};
  for (const name of FIELD_NAMES) {
    const v = env[ENV_NAMES[name]];
    if (v === undefined || v === '') continue;
    fields[name] = validateField(name, v, ENV_NAMES[name]);
    labels[name] = ENV_NAMES[name];
  }
  return { fields, labels };
}

async function imdsFields(client: ImdsClient): Promise<IdentityFields> {
  const entries = Object.entries(IMDS_PATHS) as [Exclude<FieldName, 'id'>, { path: string; optional: boolean }][];
  const values = await Promise.all(entries.map(([, { path }]) => client.get(path)));
  const fields: IdentityFields = {};
  entries.forEach(([name, { path, optional }], i) => {
    const raw = values[i];
    const full = `/latest/meta-data/${path}`;
    if (raw === undefined) {
      if (!optional) throw new MetadataInvalidResponseError(full, 'HTTP 404 for a required field');
      return;
    }
    // IPv6 may list several addresses, one per line: take the first.
    const v = name === 'ipv6' ? (raw.split('\n')[0] ?? '').trim() : raw.trim();
    try {
      fields[name] = validateField(name, v, full);
    } catch (err) {
      if (err instanceof InvalidIdentityFieldError) throw new MetadataInvalidResponseError(full, err.message, { cause: err });
      throw err;
    }
  });
  return fields;
}

/**
 * Resolve who this host is, once. Explicit options > environment > EC2 instance metadata
 * (IMDSv2; only when asked or on a host that identifies as EC2) > the OS. The result is
 * frozen and records which source gave each field.
 */
export async function resolveIdentity(options: ResolveIdentityOptions = {}): Promise<Identity> {
  const fieldNames = new Set<string>(FIELD_NAMES);
  const o = parseOptions(OPTIONS, options, (option, message) => (fieldNames.has(option) ? new InvalidIdentityFieldError(option, message) : new InvalidOptionError(option, message)));
  const { source, env = process.env, imds, dmiPath, os } = o;

  const layers: { name: SourceName; fields: IdentityFields }[] = [];
  const explicit: IdentityFields = {};
  for (const name of FIELD_NAMES) if (o[name] !== undefined) explicit[name] = o[name];
  layers.push({ name: 'options', fields: explicit });
  if (source !== 'os') layers.push({ name: 'env', fields: envFields(env).fields });
  const useImds = source === 'imds' || (source === 'auto' && (await isEc2Host(dmiPath)));
  if (useImds) {
    const client = new ImdsClient({ ...(imds.endpoint !== undefined ? { endpoint: imds.endpoint } : {}), timeoutMs: imds.timeoutMs, tokenTtlSeconds: imds.tokenTtlSeconds, env });
    layers.push({ name: 'imds', fields: await imdsFields(client) });
  }
  layers.push({ name: 'os', fields: osFields(os ?? undefined) });

  const fields: IdentityFields = {};
  const sources: Partial<Record<FieldName, SourceName>> = {};
  // A zone from a higher layer beats a region from a lower one: derive instead of mixing.
  for (const name of FIELD_NAMES) {
    for (const layer of layers) {
      const v = layer.fields[name];
      if (v === undefined) continue;
      if (name === 'region' && fields.availabilityZone !== undefined && sources.availabilityZone !== undefined) {
        const zRank = layers.findIndex((l) => l.name === sources.availabilityZone);
        if (layers.indexOf(layer) > zRank) break;
      }
      fields[name] = v;
      sources[name] = layer.name;
      break;
    }
  }
  return createIdentity(fields, sources);
}
