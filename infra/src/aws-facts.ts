/**
 * AWS facts the config validation and the constructs share: regions, Global Accelerator
 * quotas and limits, and the instance-type -> architecture -> AMI mapping.
 * Sources: the Global Accelerator developer guide (quotas), ../shared/aws-global-accelerator-notes.md.
 */

/**
 * AWS commercial regions an endpoint group may name. Opt-in regions (af-south-1, ap-east-1,
 * ap-south-2, ap-southeast-3..7, ca-west-1, eu-central-2, eu-south-1/2, il-central-1,
 * me-central-1, me-south-1, mx-central-1) must be enabled in the account first. Global
 * Accelerator support in the newest regions is not verified here: check the AWS regional
 * services list before relying on one.
 */
export const KNOWN_REGIONS: readonly string[] = Object.freeze([
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
  'ca-central-1', 'ca-west-1', 'mx-central-1', 'sa-east-1',
  'eu-central-1', 'eu-central-2', 'eu-west-1', 'eu-west-2', 'eu-west-3',
  'eu-south-1', 'eu-south-2', 'eu-north-1',
  'il-central-1', 'me-south-1', 'me-central-1', 'af-south-1',
  'ap-east-1', 'ap-south-1', 'ap-south-2',
  'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
  'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4',
  'ap-southeast-5', 'ap-southeast-7',
]);

/** Global Accelerator service quotas and API limits (developer guide, "Quotas"). */
export const GA_LIMITS = Object.freeze({
  /** listeners per accelerator (adjustable on request; we stay within the default) */
  listenersPerAccelerator: 10,
  /** endpoint groups per accelerator (not adjustable) */
  endpointGroupsPerAccelerator: 42,
  /** endpoints per endpoint group */
  endpointsPerGroup: 10,
  /** traffic dial, percent */
  trafficDialMin: 0,
  trafficDialMax: 100,
  /** endpoint weight; 0 = no traffic; AWS's own default is 128 */
  weightMin: 0,
  weightMax: 255,
  /** health-check interval, seconds: only these two values */
  healthCheckIntervals: Object.freeze([10, 30]),
  /** consecutive health checks to change state */
  thresholdMin: 1,
  thresholdMax: 10,
  /** BYOIP: one or two IPv4 addresses */
  byoipMax: 2,
  /** accelerator name length */
  nameMaxLength: 255,
});

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
