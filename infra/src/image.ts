/**
 * The machine image the origins boot, in one place: which AMI (a public SSM parameter per CPU
 * architecture), which origin artifact runs on it (apps/origin's `--base`), what the boot script
 * needs from it and installs when it is missing, how SSM Agent gets there, and where the image's
 * package repositories live (the S3 gateway endpoint of a private VPC must let the instances
 * reach them). The fleet boots Debian 13: the default artifact carries Node.js 24 and uWS 20.57,
 * which needs glibc >= 2.38 (Debian 13 has 2.41; Amazon Linux 2023 has 2.34 and needs the
 * `--base al2023` artifact). Another base is a new OriginImage here and ORIGIN_IMAGE pointing at it.
 */

export type Architecture = 'x86_64' | 'arm64';

export interface OriginImage {
  /** Short name, in comments of the boot script. */
  readonly name: string;
  /** The public SSM parameter that holds the image's current AMI id for an architecture. */
  amiParameter(arch: Architecture): string;
  /** The artifact for this image: `npm run package -w apps/origin -- --base <artifactBase>`. */
  readonly artifactBase: string;
  /**
   * Commands the boot script needs that the image might lack: the package step runs only when
   * one of them is missing (empty: it always runs).
   */
  readonly needs: readonly string[];
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
  /**
   * Shell lines that install and start SSM Agent in `region`, for an image without it (empty:
   * the image has it). Run only where SSM is reachable (publicIp or ssmEndpoints); they may use
   * the boot script's `retry` and curl.
   */
  ssmAgent(region: string): readonly string[];
}

/**
 * Amazon Linux 2023: Node.js 20 from its own repository (`nodejs20` installs /usr/bin/node-20;
 * the unit runs /usr/bin/node). Its repositories are S3 buckets named
 * `al2023-repos-<region>-<suffix>`, reachable through a gateway endpoint.
 */
export const AL2023: OriginImage = Object.freeze({
  name: 'Amazon Linux 2023',
  amiParameter: (arch: Architecture) => `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${arch}`,
  artifactBase: 'al2023',
  needs: Object.freeze(['node-20']),
  install: Object.freeze([Object.freeze(['dnf', 'install', '-y', 'nodejs20'])]),
  setup: Object.freeze(['if [ ! -e /usr/bin/node ]; then ln -s /usr/bin/node-20 /usr/bin/node; fi']),
  packageObjects: (region: string) => [`arn:aws:s3:::al2023-repos-${region}-*/*`],
  // SSM Agent comes with the image.
  ssmAgent: () => [],
});

/**
 * Debian 13 (trixie), the Debian cloud team's AMIs (`/aws/service/debian/release/13/latest/
 * {amd64,arm64}`). The artifact carries Node.js; the boot needs only the AWS CLI and curl, which
 * these images ship (their EC2 and EXTRAS package lists), so nothing is installed at boot: a
 * private origin cannot reach Debian's mirrors (deb.debian.org is a CDN, not S3, so the gateway
 * endpoint does not help), and needs none. An image without them gets them with apt-get (which
 * takes a route out: publicIp). SSM Agent is not in Debian: where SSM is reachable the boot
 * installs AWS's package from the region's `amazon-ssm-<region>` bucket (readable through the
 * gateway endpoint when ssmEndpoints is on).
 */
/** Where AWS publishes SSM Agent's Debian package for a region (the region's own bucket, so a gateway endpoint reaches it). */
export function ssmAgentDebUrl(region: string): string {
  return `https://amazon-ssm-${region}.s3.${region}.amazonaws.com/latest/debian_$(dpkg --print-architecture)/amazon-ssm-agent.deb`;
}

export const DEBIAN13: OriginImage = Object.freeze({
  name: 'Debian 13',
  amiParameter: (arch: Architecture) => `/aws/service/debian/release/13/latest/${arch === 'x86_64' ? 'amd64' : 'arm64'}`,
  artifactBase: 'debian-13',
  needs: Object.freeze(['aws', 'curl']),
  install: Object.freeze([
    Object.freeze(['apt-get', 'update']),
    Object.freeze(['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '--no-install-recommends', 'awscli', 'curl']),
  ]),
  setup: Object.freeze([]),
  packageObjects: () => [],
  ssmAgent: (region: string) => [
    'if ! systemctl is-enabled --quiet amazon-ssm-agent; then',
    '  agent=$(mktemp)',
    `  retry curl -fsSL --max-time 120 -o "$agent" "${ssmAgentDebUrl(region)}"`,
    '  retry dpkg -i "$agent"',
    '  rm -f "$agent"',
    '  retry systemctl enable --now amazon-ssm-agent',
    'fi',
  ],
});

/** The image every origin boots. */
export const ORIGIN_IMAGE: OriginImage = DEBIAN13;

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
