import {
  regionFromAvailabilityZone,
  validateAvailabilityZone,
  validateHostname,
  validateId,
  validateInstanceId,
  validateIp,
  validateRegion,
} from './validate.js';
import { InvalidIdentityFieldError } from './errors.js';

/** Where a field's value came from. */
export type SourceName = 'options' | 'env' | 'imds' | 'os' | 'derived';

/** The identity fields, as given by any source. */
export interface IdentityFields {
  /** The identity string servers answer with (at most 255 bytes: one DNS TXT string). */
  id?: string;
  hostname?: string;
  instanceId?: string;
  availabilityZone?: string;
  region?: string;
  privateIpv4?: string;
  publicIpv4?: string;
  ipv6?: string;
}

export type FieldName = keyof IdentityFields;
export const FIELD_NAMES: readonly FieldName[] = Object.freeze([
  'id', 'hostname', 'instanceId', 'availabilityZone', 'region', 'privateIpv4', 'publicIpv4', 'ipv6',
] as const);

/** Which source each present field came from. */
export type IdentitySources = Readonly<Partial<Record<FieldName, SourceName>>>;

/** Who answered: immutable, resolved once at start. */
export interface Identity {
  readonly id: string;
  readonly hostname: string;
  readonly instanceId?: string;
  readonly availabilityZone?: string;
  readonly region?: string;
  readonly privateIpv4?: string;
  readonly publicIpv4?: string;
  readonly ipv6?: string;
  /** The source that won: one name when every field came from it, else per field. */
  readonly source: SourceName | IdentitySources;
}

const VALIDATORS: Record<FieldName, (v: unknown, field: string) => string> = {
  id: validateId,
  hostname: validateHostname,
  instanceId: validateInstanceId,
  availabilityZone: validateAvailabilityZone,
  region: validateRegion,
  privateIpv4: (v, f) => validateIp(v, 4, f),
  publicIpv4: (v, f) => validateIp(v, 4, f),
  ipv6: (v, f) => validateIp(v, 6, f),
};

/** Validate one field; `label` is what the error names (an option, an env var, a metadata path). */
export function validateField(name: FieldName, value: unknown, label: string = name): string {
  return VALIDATORS[name](value, label);
}

/**
 * Build a frozen Identity from fields, validating each and deriving the rest:
 * `region` from the zone, `id` as `<instanceId>.<availabilityZone>` (the seed's NSD identity)
 * when both are known, else the hostname. `hostname` is required.
 */
export function createIdentity(fields: IdentityFields, sources: Partial<Record<FieldName, SourceName>> = {}): Identity {
  const out: Record<string, string> = {};
  const src: Partial<Record<FieldName, SourceName>> = {};
  for (const name of FIELD_NAMES) {
    const v = fields[name];
    if (v === undefined) continue;
    out[name] = validateField(name, v);
    src[name] = sources[name] ?? 'options';
  }
  if (out.hostname === undefined) throw new InvalidIdentityFieldError('hostname', 'is required');
  if (out.region === undefined && out.availabilityZone !== undefined) {
    out.region = regionFromAvailabilityZone(out.availabilityZone);
    src.region = 'derived';
  } else if (out.region !== undefined && out.availabilityZone !== undefined) {
    const zr = regionFromAvailabilityZone(out.availabilityZone);
    if (zr !== out.region) throw new InvalidIdentityFieldError('region', `${out.region} does not contain availability zone ${out.availabilityZone}`);
  }
  if (out.id === undefined) {
    out.id = out.instanceId !== undefined && out.availabilityZone !== undefined
      ? validateId(`${out.instanceId}.${out.availabilityZone}`)
      : validateId(out.hostname);
    src.id = 'derived';
  }
  const distinct = new Set(Object.values(src).filter((s) => s !== 'derived'));
  const only = distinct.size === 1 ? [...distinct][0] : undefined;
  const source: Identity['source'] = only ?? Object.freeze({ ...src });
  const identity: Record<string, unknown> = {};
  for (const name of FIELD_NAMES) if (out[name] !== undefined) identity[name] = out[name];
  identity.source = source;
  return Object.freeze(identity) as unknown as Identity;
}

/** Per-field sources, whatever form `identity.source` has. */
export function fieldSources(identity: Identity): IdentitySources {
  if (typeof identity.source !== 'string') return identity.source;
  const s: Partial<Record<FieldName, SourceName>> = {};
  for (const name of FIELD_NAMES) if (identity[name] !== undefined) s[name] = identity.source;
  return s;
}
