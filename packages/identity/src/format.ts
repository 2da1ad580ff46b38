import type { Identity } from './identity.js';
import { fieldSources } from './identity.js';

/** The seed web server's answer, byte for byte: `hostname: <id>\n`. */
export function identityText(identity: Identity): Buffer {
  return Buffer.from(`hostname: ${identity.id}\n`, 'utf8');
}

/**
 * The identity as one DNS TXT character-string's content (no length octet): the UTF-8 bytes
 * of `id`, at most 255 (validated when the identity was made).
 */
export function identityTxt(identity: Identity): Buffer {
  return Buffer.from(identity.id, 'utf8');
}

/** A plain JSON-ready view: every present field, and the per-field sources. */
export interface IdentityJson {
  id: string;
  hostname: string;
  instanceId?: string;
  availabilityZone?: string;
  region?: string;
  privateIpv4?: string;
  publicIpv4?: string;
  ipv6?: string;
  source: Record<string, string>;
}

export function identityJson(identity: Identity): IdentityJson {
  const j: IdentityJson = { id: identity.id, hostname: identity.hostname, source: { ...fieldSources(identity) } };
  if (identity.instanceId !== undefined) j.instanceId = identity.instanceId;
  if (identity.availabilityZone !== undefined) j.availabilityZone = identity.availabilityZone;
  if (identity.region !== undefined) j.region = identity.region;
  if (identity.privateIpv4 !== undefined) j.privateIpv4 = identity.privateIpv4;
  if (identity.publicIpv4 !== undefined) j.publicIpv4 = identity.publicIpv4;
  if (identity.ipv6 !== undefined) j.ipv6 = identity.ipv6;
  return j;
}
