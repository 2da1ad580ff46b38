import { isIP } from 'node:net';
import { InvalidIdentityFieldError } from './errors.js';

/** An `id` must fit one DNS TXT character-string (RFC 1035 3.3: one length octet). */
export const MAX_ID_BYTES = 255;
/** A hostname as a DNS name: 253 octets in presentation form (RFC 1035 2.3.4). */
export const MAX_HOSTNAME_BYTES = 253;

// C0 controls, DEL and C1 controls. Printable UTF-8 is allowed in `id` (it is a TXT string).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

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

function requireString(field: string, value: unknown): string {
  if (typeof value !== 'string') throw new InvalidIdentityFieldError(field, `must be a string, got ${typeof value}`);
  return value;
}

export function validateId(value: unknown, field = 'id'): string {
  const s = requireString(field, value);
  if (s.length === 0) throw new InvalidIdentityFieldError(field, 'must not be empty');
  if (CONTROL.test(s)) throw new InvalidIdentityFieldError(field, 'must not contain control characters');
  const bytes = Buffer.byteLength(s, 'utf8');
  if (bytes > MAX_ID_BYTES) throw new InvalidIdentityFieldError(field, `is ${bytes} bytes; at most ${MAX_ID_BYTES} (one DNS TXT string)`);
  return s;
}

export function validateHostname(value: unknown, field = 'hostname'): string {
  const s = requireString(field, value);
  if (!HOSTNAME_RE.test(s)) throw new InvalidIdentityFieldError(field, `${JSON.stringify(s.slice(0, 64))} is not a valid hostname (LDH labels of 1-63 octets, 253 in all)`);
  return s;
}

export function validateRegion(value: unknown, field = 'region'): string {
  const s = requireString(field, value);
  if (!REGION_RE.test(s)) throw new InvalidIdentityFieldError(field, `${JSON.stringify(s.slice(0, 64))} is not an AWS region name like us-west-2`);
  return s;
}

export function validateAvailabilityZone(value: unknown, field = 'availabilityZone'): string {
  const s = requireString(field, value);
  if (!AZ_RE.test(s)) throw new InvalidIdentityFieldError(field, `${JSON.stringify(s.slice(0, 64))} is not an availability zone name like us-west-2c`);
  return s;
}

export function validateInstanceId(value: unknown, field = 'instanceId'): string {
  const s = requireString(field, value);
  if (!INSTANCE_ID_RE.test(s)) throw new InvalidIdentityFieldError(field, `${JSON.stringify(s.slice(0, 64))} is not an EC2 instance ID like i-0e32d5b1a3f76cc05`);
  return s;
}

export function validateIp(value: unknown, family: 4 | 6, field: string): string {
  const s = requireString(field, value);
  if (isIP(s) !== family) throw new InvalidIdentityFieldError(field, `${JSON.stringify(s.slice(0, 64))} is not an IPv${family} address`);
  return s;
}

/**
 * The region of a zone: the zone less its last letter (us-west-2c -> us-west-2); for Local
 * Zones and Wavelength Zones the part before the location suffix (us-west-2-lax-1a -> us-west-2).
 */
export function regionFromAvailabilityZone(zone: string): string {
  const m = /^([a-z]{2}(?:-[a-z]+)+-\d{1,2})/.exec(zone);
  if (!m?.[1]) throw new InvalidIdentityFieldError('availabilityZone', `cannot derive a region from ${JSON.stringify(zone)}`);
  return m[1];
}
