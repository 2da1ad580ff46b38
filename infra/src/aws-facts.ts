/**
 * AWS facts only the constructs need: the instance-type -> architecture -> AMI mapping and
 * Terraform-safe region names. (Regions Global Accelerator accepts and its quotas are the
 * config's: KNOWN_REGIONS and GA_LIMITS from @anycast-origin/config.)
 */

export type Architecture = 'x86_64' | 'arm64';

/**
 * The CPU architecture of an EC2 instance type. Graviton families carry a `g` after the
 * generation digit (t4g, m7g, c6gn, m6gd, im4gn, is4gen, x2gd, hpc7g), plus the original a1.
 * GPU families put the `g` before the digit (g5, g6e) and are x86_64.
 */
export function architectureOf(instanceType: string): Architecture {
  const family = instanceType.split('.')[0] ?? '';
  if (family === 'a1') return 'arm64';
  const m = /^[a-z-]+\d+([a-z-]*)$/.exec(family);
  return m?.[1]?.includes('g') ? 'arm64' : 'x86_64';
}

/** The public SSM parameter that holds the latest Amazon Linux 2023 AMI id for an architecture. */
export function al2023AmiParameter(arch: Architecture): string {
  return `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${arch}`;
}

/** `us-east-1` -> `us_east_1`: a region as a Terraform identifier (provider alias, resource names). */
export function regionIdentifier(region: string): string {
  return region.replace(/-/g, '_');
}
