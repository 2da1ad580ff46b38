/**
 * Who answered: the identity string of an answer and the AWS region it names. The seed's
 * origins answer `hostname: <id>\n` over HTTP and `"<id>"` to CH TXT id.server (NSID carries
 * the same id), with id = `<instance-id>.<availability-zone>`; the region is the zone less its
 * letter (@anycast-origin/identity's rule, reused here).
 */
import { AZ_RE, REGION_RE, regionFromAvailabilityZone } from '@anycast-origin/identity';

/** The identity in an HTTP body: the `hostname: <id>` line (the seed's answer), else undefined. */
export function identityFromHttpBody(body: string): string | undefined {
  const m = /^hostname: ?([^\r\n]+)\r?\n?$/.exec(body.length > 1024 ? '' : body);
  const id = m?.[1]?.trim();
  return id ? id : undefined;
}

/**
 * The region an identity names: the last dot-separated label that is an availability zone
 * (`i-0e32d5b1a3f76cc05.us-west-2c` -> us-west-2), else the last that is a region
 * (`ip-10-0-0-1.eu-central-1.compute.internal` -> eu-central-1); undefined when none is.
 */
export function regionFromIdentity(identity: string): string | undefined {
  const labels = identity.split('.').reverse();
  for (const l of labels) if (AZ_RE.test(l)) return regionFromAvailabilityZone(l);
  for (const l of labels) if (REGION_RE.test(l)) return l;
  return undefined;
}
