/**
 * Every option of the identity library, described once (@anycast-origin/options): the fields
 * of an identity (each with the environment variable the `env` source reads for it), the
 * sources to consult, and the instance-metadata client. Validation of every field, whether it
 * comes from an option, a variable or instance metadata, is derived from these descriptions,
 * so the messages read the same wherever a value came from.
 */
import type { networkInterfaces } from 'node:os';
import { z } from 'zod';
import { describeValue, metaOf, o, snake } from '@anycast-origin/options';
import type { OptionsInput } from '@anycast-origin/options';
import { InvalidIdentityFieldError } from './errors.js';

/** An `id` must fit one DNS TXT character-string (RFC 1035 3.3: one length octet). */
export const MAX_ID_BYTES = 255;

/** AWS region, e.g. us-east-1, eu-central-1, us-gov-west-1, ap-southeast-3. */
export const REGION_RE = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
/**
 * Availability zone name: the region plus one letter (us-west-2c), or a Local Zone /
 * Wavelength name (us-west-2-lax-1a, us-east-1-wl1-bos-wlz-1).
 */
export const AZ_RE = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}(?:[a-z]|(?:-[a-z0-9]+)+)$/;
/** EC2 instance ID: i- and 8 or 17 hex digits. */
export const INSTANCE_ID_RE = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
/** Hostname: LDH labels (underscores tolerated, as OS hostnames sometimes have them). */
const HOSTNAME_RE = /^(?=.{1,253}$)(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

/** C0 controls, DEL and C1 controls (printable UTF-8 is allowed in `id`: it is a TXT string). */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/** The environment variable of a field: `ORIGIN_` + the field name in SNAKE_CASE (the CLI's own rule). */
const envOf = (field: string): string => `ORIGIN_${snake([field])}`;

/** The identity fields. */
const fieldSchemas = {
  id: o.string({
    maxBytes: MAX_ID_BYTES, check: (s) => !hasControl(s), expects: 'a string of 1..255 bytes without control characters (one DNS TXT string)',
    env: envOf('id'), defaultText: '`<instanceId>.<availabilityZone>` when both are known, else the hostname',
    doc: 'the identity string servers answer with',
  }),
  hostname: o.string({ check: (s) => HOSTNAME_RE.test(s), expects: 'a hostname (labels of letters, digits and hyphens, 1..63 octets each, 253 in all)', env: envOf('hostname'), defaultText: 'from instance metadata, else the OS', doc: 'host name' }),
  instanceId: o.string({ check: (s) => INSTANCE_ID_RE.test(s), expects: 'an EC2 instance ID like i-0e32d5b1a3f76cc05', env: envOf('instanceId'), defaultText: 'from instance metadata', doc: 'EC2 instance ID' }),
  availabilityZone: o.string({ check: (s) => AZ_RE.test(s), expects: 'an availability zone name like us-west-2c', env: envOf('availabilityZone'), defaultText: 'from instance metadata', doc: 'availability zone' }),
  region: o.string({ check: (s) => REGION_RE.test(s), expects: 'an AWS region name like us-west-2', env: envOf('region'), defaultText: 'the zone less its letter', doc: 'AWS region' }),
  privateIpv4: o.ip({ family: 4, env: envOf('privateIpv4'), defaultText: 'from instance metadata, else the OS', doc: 'private IPv4 address' }),
  publicIpv4: o.ip({ family: 4, env: envOf('publicIpv4'), defaultText: 'from instance metadata, else the OS', doc: 'public IPv4 address' }),
  ipv6: o.ip({ family: 6, env: envOf('ipv6'), defaultText: 'from instance metadata, else the OS', doc: 'IPv6 address' }),
};
export const FIELDS = o.group(fieldSchemas, { doc: 'identity fields' });

export type IdentityFields = OptionsInput<typeof FIELDS>;
export type FieldName = keyof IdentityFields & string;
export const FIELD_NAMES = Object.freeze(Object.keys(fieldSchemas)) as readonly FieldName[];

/** Environment variables, one per field (empty values count as unset). */
export const ENV_NAMES: Readonly<Record<FieldName, string>> = Object.freeze(
  Object.fromEntries(FIELD_NAMES.map((f) => [f, envOf(f)])) as Record<FieldName, string>,
);

/** Validate one field; `label` is what the error names (an option, an env var, a metadata path). */
export function validateField(name: FieldName, value: unknown, label: string = name): string {
  const schema: z.ZodType = fieldSchemas[name];
  const r = schema.safeParse(value);
  if (r.success && typeof r.data === 'string') return r.data;
  throw new InvalidIdentityFieldError(label, `must be ${metaOf(schema)?.expects ?? 'valid'}, got ${describeValue(value)}`);
}

/** The link-local IMDS address. Only ever used on a host that is EC2 or when asked. */
export const DEFAULT_IMDS_ENDPOINT = 'http://169.254.169.254';


const imdsSchemas = {
  endpoint: o.url({
    protocols: ['http'], env: 'AWS_EC2_METADATA_SERVICE_ENDPOINT', defaultText: `\`${DEFAULT_IMDS_ENDPOINT}\``,
    doc: "base URL of the metadata service (the AWS SDKs' variable when not given)",
  }),
  timeoutMs: o.integer({ min: 1, max: 60_000, default: 1000, unit: 'ms', doc: 'per attempt, for each HTTP exchange (one retry: a dead service costs about 2 s)' }),
  tokenTtlSeconds: o.integer({ min: 1, max: 21_600, default: 60, unit: 's', doc: 'TTL asked for the IMDSv2 session token (the identity is read once)' }),
};
const envSchema = (doc: string) => o.custom(z.custom<NodeJS.ProcessEnv>((v) => typeof v === 'object' && v !== null && !Array.isArray(v)), { expects: 'an environment object', defaultText: '`process.env`', doc });

/** The instance-metadata (IMDSv2) client's options. */
export const IMDS_OPTIONS = o.group({ ...imdsSchemas, env: envSchema('where AWS_EC2_METADATA_SERVICE_ENDPOINT is read') }, { doc: 'instance metadata client' });
export type ImdsClientOptions = OptionsInput<typeof IMDS_OPTIONS>;

/** Which sources resolveIdentity consults (explicit options always win). */
export const SOURCE_MODES = Object.freeze(['auto', 'imds', 'env', 'os'] as const);
export type IdentitySourceMode = (typeof SOURCE_MODES)[number];

/** Folder with the DMI files sys_vendor and board_asset_tag. */
export const DEFAULT_DMI_PATH = '/sys/devices/virtual/dmi/id';

/** resolveIdentity()'s options: the fields (explicit values win) and where else to look. */
export const OPTIONS = o.group({
  ...fieldSchemas,
  source: o.enum(SOURCE_MODES, {
    default: 'auto',
    doc: 'auto: options > env > instance metadata (only on a host whose DMI says EC2) > OS; imds: instance metadata required; env: no metadata; os: options and the OS only',
  }),
  env: envSchema('where the ORIGIN_* variables (and AWS_EC2_METADATA_SERVICE_ENDPOINT) are read'),
  imds: o.group(imdsSchemas, { doc: 'instance metadata client (IMDSv2)' }),
  dmiPath: o.string({ default: DEFAULT_DMI_PATH, doc: 'folder with the DMI files sys_vendor and board_asset_tag (is this EC2?)' }),
  os: o.custom(z.object({ hostname: z.custom<() => string>((v) => typeof v === 'function'), networkInterfaces: z.custom<typeof networkInterfaces>((v) => typeof v === 'function') }), { expects: 'an object { hostname(), networkInterfaces() }', defaultText: 'node:os', doc: 'the OS view, injectable for tests' }),
}, { doc: 'resolveIdentity options' });
export type ResolveIdentityOptions = OptionsInput<typeof OPTIONS>;
