/**
 * AWS facts the config checks: the regions an endpoint group may name and Global Accelerator's
 * quotas and API limits. Sources: the Global Accelerator developer guide ("Quotas"), the API
 * model, and ../shared/aws-global-accelerator-notes.md.
 */

/**
 * AWS commercial regions an endpoint group may name. Opt-in regions (af-south-1, ap-east-1,
 * ap-south-2, ap-southeast-3..7, ca-west-1, eu-central-2, eu-south-1/2, il-central-1,
 * me-central-1, me-south-1, mx-central-1) must be enabled in the account first. Global
 * Accelerator support in the newest regions is not verified here: check the AWS regional
 * services list before relying on one.
 */
export const KNOWN_REGIONS = Object.freeze([
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
  'ca-central-1', 'ca-west-1', 'mx-central-1', 'sa-east-1',
  'eu-central-1', 'eu-central-2', 'eu-west-1', 'eu-west-2', 'eu-west-3',
  'eu-south-1', 'eu-south-2', 'eu-north-1',
  'il-central-1', 'me-south-1', 'me-central-1', 'af-south-1',
  'ap-east-1', 'ap-south-1', 'ap-south-2',
  'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
  'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4',
  'ap-southeast-5', 'ap-southeast-7',
] as const);
export type Region = (typeof KNOWN_REGIONS)[number];

/** Global Accelerator service quotas and API limits. */
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
});
