/**
 * The machine image the origins boot, in one place: which AMI (a public SSM parameter per CPU
 * architecture), what the boot script installs from the image's package repositories, and
 * where those repositories live (the S3 gateway endpoint of a private VPC must let the
 * instances reach them). Moving the fleet to another base (issue 16: Debian 13 or Ubuntu 24.04,
 * Node.js carried in the artifact) is a new OriginImage here and ORIGIN_IMAGE pointing at it.
 */

export type Architecture = 'x86_64' | 'arm64';

export interface OriginImage {
  /** Short name, in comments of the boot script. */
  readonly name: string;
  /** The public SSM parameter that holds the image's current AMI id for an architecture. */
  amiParameter(arch: Architecture): string;
  /** The boot script's package step: commands (argv) run in order, each retried with backoff. */
  readonly install: readonly (readonly string[])[];
  /** Shell lines run once the packages are in (not retried), e.g. a link the unit needs. */
  readonly setup: readonly string[];
  /**
   * S3 object ARNs (patterns) of the image's package repositories in a region, for the S3
   * gateway endpoint's policy of a private VPC. Empty when the repositories are not in S3:
   * private origins then cannot install packages (carry what they need in the artifact).
   */
  packageObjects(region: string): readonly string[];
}

/**
 * Amazon Linux 2023: Node.js 20 from its own repository (`nodejs20` installs /usr/bin/node-20;
 * the unit runs /usr/bin/node). Its repositories are S3 buckets named
 * `al2023-repos-<region>-<suffix>`, reachable through a gateway endpoint.
 */
export const AL2023: OriginImage = Object.freeze({
  name: 'Amazon Linux 2023',
  amiParameter: (arch: Architecture) => `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${arch}`,
  install: Object.freeze([Object.freeze(['dnf', 'install', '-y', 'nodejs20'])]),
  setup: Object.freeze(['if [ ! -e /usr/bin/node ]; then ln -s /usr/bin/node-20 /usr/bin/node; fi']),
  packageObjects: (region: string) => [`arn:aws:s3:::al2023-repos-${region}-*/*`],
});

/** The image every origin boots. */
export const ORIGIN_IMAGE: OriginImage = AL2023;

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
