/**
 * The Identity: who answered, immutable, built once from fields that each carry the source they
 * came from. Field validation is derived from the field descriptions in ./options.ts.
 */
import { InvalidIdentityFieldError } from './errors.js';
import { FIELD_NAMES, validateField } from './options.js';
import type { FieldName, IdentityFields } from './options.js';

export type { FieldName, IdentityFields };

/** Where a field's value came from. */
export type SourceName = 'options' | 'env' | 'imds' | 'os' | 'derived';

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

/**
 * The region of a zone: the zone less its last letter (us-west-2c -> us-west-2); for Local
 * Zones and Wavelength Zones the part before the location suffix (us-west-2-lax-1a -> us-west-2).
 */
export function regionFromAvailabilityZone(zone: string): string {
  const m = /^([a-z]{2}(?:-[a-z]+)+-\d{1,2})/.exec(zone);
  if (!m?.[1]) throw new InvalidIdentityFieldError('availabilityZone', `must be an availability zone name like us-west-2c, got ${JSON.stringify(zone)}`);
  return m[1];
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
  if (out.hostname === undefined) throw new InvalidIdentityFieldError('hostname', 'is required (a hostname)');
  if (out.region === undefined && out.availabilityZone !== undefined) {
    out.region = regionFromAvailabilityZone(out.availabilityZone);
    src.region = 'derived';
  } else if (out.region !== undefined && out.availabilityZone !== undefined) {
    const zr = regionFromAvailabilityZone(out.availabilityZone);
    if (zr !== out.region) throw new InvalidIdentityFieldError('region', `must be ${zr}, the region of availability zone ${out.availabilityZone}, got ${JSON.stringify(out.region)}`);
  }
  if (out.id === undefined) {
    out.id = out.instanceId !== undefined && out.availabilityZone !== undefined
      ? validateField('id', `${out.instanceId}.${out.availabilityZone}`)
      : validateField('id', out.hostname);
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
