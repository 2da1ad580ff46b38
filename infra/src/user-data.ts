/**
 * What runs on an origin instance, as text: the boot script (user data) and the update it ends
 * with, which `npm run rollout` runs again through SSM Run Command for a new artifact. One
 * installer does the work both times: download exactly the version of the artifact this stack
 * uploaded to the region's bucket, check its SHA-256, install, (re)start the unit, wait until
 * it answers /healthz. Every call that can fail while the instance is young (IAM, routes and
 * endpoints still propagating, the package mirror, systemd) is retried with backoff, and a
 * failure says which line failed in the boot log. Pure: the stack renders, tests run the text.
 */
import { drainSecondsFor } from '@anycast-origin/config';
import type { ListenerConfig, RegionConfig } from '@anycast-origin/config';
import type { OriginImage } from './image.js';

/** Where the artifact is installed; its systemd unit runs /opt/anycast-origin/dist/cli.js. */
export const INSTALL_DIR = '/opt/anycast-origin';
export const UNIT_NAME = 'anycast-origin';
/** The unit's EnvironmentFile: `ORIGIN_<FLAG>` overrides of the origin's flags. */
export const ENV_FILE = '/etc/anycast-origin/env';
/** The installer the boot script writes and a rollout runs again. */
export const INSTALLER = '/usr/local/sbin/anycast-origin-install';
/** Attempts of each retried command, and the longest pause between two. */
export const RETRY_ATTEMPTS = 8;
export const RETRY_MAX_DELAY_SECONDS = 60;
/** How long the installer waits for the origin's /healthz after starting it. */
export const HEALTHY_WITHIN_SECONDS = 120;

/** One version of the artifact in one region's bucket. */
export interface ArtifactRef {
  readonly bucket: string;
  readonly key: string;
  /** S3 version id: the instance downloads exactly the object the stack uploaded. */
  readonly versionId: string;
  /** Hex SHA-256 the download must have. */
  readonly sha256: string;
  /** The bucket's region (the instance's own: the gateway endpoint reaches only that one). */
  readonly region: string;
}

/** What the origins of one region are told through /etc/anycast-origin/env. */
export interface OriginSettings {
  /** `ORIGIN_DRAIN_SECONDS`. */
  readonly drainSeconds: number;
  /** false: `ORIGIN_DNS_RRL=off`. */
  readonly dnsRrl: boolean;
}

/**
 * The origin's settings in one region:
 * - `drainSeconds`: on SIGTERM the origin fails its health check and keeps serving this
 *   long. The longest drainSecondsFor() over the region's endpoint groups (one per listener):
 *   every group must have marked the endpoint unhealthy before it stops answering.
 * - `dnsRrl` off where the endpoints do not preserve client IPs: every query then comes
 *   from a handful of the accelerator's addresses, and response rate limiting (200 answers/s
 *   per /24 by default) would cap the whole region at a few hundred queries per second.
 */
export function originSettings(listeners: readonly ListenerConfig[], region: RegionConfig): OriginSettings {
  return {
    drainSeconds: Math.max(...listeners.map((l) => drainSecondsFor(l.healthCheck))),
    dnsRrl: region.clientIpPreservation,
  };
}

/** The env file's lines: `ORIGIN_<FLAG>=value`, as the origin reads its flags from the environment. */
export function originEnvFile({ drainSeconds, dnsRrl }: OriginSettings): string {
  return `ORIGIN_DRAIN_SECONDS=${drainSeconds}\n${dnsRrl ? '' : 'ORIGIN_DNS_RRL=off\n'}`;
}

/** `retry COMMAND...` in shell (no `${`: Terraform would read it as an interpolation). */
const RETRY = `# retry COMMAND...: up to ${RETRY_ATTEMPTS} attempts, 2 s, 4 s, ... at most ${RETRY_MAX_DELAY_SECONDS} s apart.
retry() {
  local attempt=1 delay=2
  until "$@"; do
    if [ "$attempt" -ge ${RETRY_ATTEMPTS} ]; then
      echo "anycast-origin: giving up after $attempt attempts: $*" >&2
      return 1
    fi
    echo "anycast-origin: attempt $attempt failed: $*; again in $delay s" >&2
    sleep "$delay"
    attempt=$((attempt + 1))
    delay=$((delay * 2 > ${RETRY_MAX_DELAY_SECONDS} ? ${RETRY_MAX_DELAY_SECONDS} : delay * 2))
  done
}
`;

/** The installer: `anycast-origin-install BUCKET KEY VERSION SHA256 REGION`. */
export function renderInstaller(): string {
  return `#!/bin/bash
# anycast-origin-install BUCKET KEY VERSION SHA256 REGION: download that version of the origin
# artifact, check its SHA-256, install it to ${INSTALL_DIR}, (re)start the unit and wait
# until it answers /healthz. Written at boot by infra/src/user-data.ts; npm run rollout runs
# it again through SSM Run Command.
set -euo pipefail
trap 'echo "anycast-origin-install: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
${RETRY}
if [ "$#" -ne 5 ]; then
  echo "usage: anycast-origin-install BUCKET KEY VERSION SHA256 REGION" >&2
  exit 2
fi
bucket=$1 key=$2 version=$3 sha256=$4 region=$5
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
retry aws s3api get-object --bucket "$bucket" --key "$key" --version-id "$version" --region "$region" "$work/artifact.tar.gz" >/dev/null
if ! printf '%s  %s\\n' "$sha256" "$work/artifact.tar.gz" | sha256sum --check --status; then
  echo "anycast-origin-install: s3://$bucket/$key version $version is not the artifact the stack uploaded (its SHA-256 is not $sha256): not installed" >&2
  exit 1
fi
tar -xzf "$work/artifact.tar.gz" -C "$work" --no-same-owner
test -f "$work/anycast-origin/dist/cli.js"
# Owned by root, readable by the unit's DynamicUser.
chown -R 0:0 "$work/anycast-origin"
chmod -R u=rwX,go=rX "$work/anycast-origin"
# A running origin drains on stop (a rollout has taken its weight away first), then the swap.
if systemctl is-active --quiet ${UNIT_NAME}; then retry systemctl stop ${UNIT_NAME}; fi
rm -rf ${INSTALL_DIR}
mv "$work/anycast-origin" ${INSTALL_DIR}
install -m 0644 ${INSTALL_DIR}/${UNIT_NAME}.service /etc/systemd/system/${UNIT_NAME}.service
retry systemctl daemon-reload
retry systemctl enable ${UNIT_NAME}
retry systemctl restart ${UNIT_NAME}
# Until /healthz answers: curl retries every second for up to ${HEALTHY_WITHIN_SECONDS} s.
if curl -fsS -o /dev/null --max-time 2 --retry ${HEALTHY_WITHIN_SECONDS} --retry-delay 1 --retry-max-time ${HEALTHY_WITHIN_SECONDS} --retry-all-errors http://127.0.0.1/healthz; then
  echo "anycast-origin-install: s3://$bucket/$key version $version installed, /healthz answers"
  exit 0
fi
echo "anycast-origin-install: the origin does not answer http://127.0.0.1/healthz ${HEALTHY_WITHIN_SECONDS} s after its start" >&2
journalctl -u ${UNIT_NAME} -n 50 --no-pager >&2 || true
exit 1
`;
}

export interface UpdateOptions {
  readonly artifact: ArtifactRef;
  /** The region's settings for the origin (originSettings()). */
  readonly origin: OriginSettings;
}

/**
 * The update the boot script ends with and a rollout runs again: the region's settings, the
 * installer, then the installer on this artifact.
 */
export function renderUpdate({ artifact, origin }: UpdateOptions): string {
  const { bucket, key, versionId, sha256, region } = artifact;
  return `# This region's settings (infra/src/user-data.ts originSettings()), read by the unit's EnvironmentFile.
install -d -m 0755 ${ENV_FILE.slice(0, ENV_FILE.lastIndexOf('/'))}
cat > ${ENV_FILE} <<'ENV'
${originEnvFile(origin)}ENV
# systemd must wait out the drain before it kills the origin: the drain plus a minute.
install -d -m 0755 /etc/systemd/system/${UNIT_NAME}.service.d
printf '[Service]\\nTimeoutStopSec=${origin.drainSeconds + 60}\\n' > /etc/systemd/system/${UNIT_NAME}.service.d/drain.conf
# The installer (npm run rollout runs this same update through SSM Run Command).
install -d -m 0755 ${INSTALLER.slice(0, INSTALLER.lastIndexOf('/'))}
cat > ${INSTALLER} <<'INSTALL'
${renderInstaller()}INSTALL
chmod 0755 ${INSTALLER}
# The artifact this instance serves: the stack's upload to this region's bucket, this version.
${INSTALLER} "${bucket}" "${key}" "${versionId}" "${sha256}" "${region}"
`;
}

/** The update as a script of its own (what SSM Run Command runs on a live instance). */
export function renderUpdateScript(options: UpdateOptions): string {
  return `#!/bin/bash
# anycast-origin update, rendered by infra/src/user-data.ts (npm run rollout).
set -euo pipefail
${renderUpdate(options)}`;
}

export interface UserDataOptions extends UpdateOptions {
  /** The image the instance boots: its package step. */
  readonly image: OriginImage;
  /** Install SSM Agent where the image lacks it: SSM is reachable (publicIp or ssmEndpoints). @default false */
  readonly ssmAgent?: boolean;
}

/** The image's package step: its commands, retried; only when a command it provides is missing. */
function packageStep(image: OriginImage): string {
  const install = image.install.map((argv) => `retry ${argv.join(' ')}`);
  if (image.needs.length === 0) return install.join('\n');
  const missing = image.needs.map((c) => `! command -v ${c} >/dev/null 2>&1`).join(' || ');
  return [`if ${missing}; then`, ...install.map((l) => `  ${l}`), 'fi'].join('\n');
}

/** The boot script of an origin instance. */
export function renderUserData({ image, artifact, origin, ssmAgent = false }: UserDataOptions): string {
  const install = packageStep(image);
  const agent = ssmAgent ? image.ssmAgent(artifact.region) : [];
  return `#!/bin/bash
# anycast-origin bootstrap (${image.name}), rendered by infra/src/user-data.ts.
# Log: /var/log/cloud-init-output.log, and on the console:
#   aws ec2 get-console-output --region <region> --instance-id <id> --latest --output text
set -euo pipefail
trap 'echo "anycast-origin bootstrap: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
${RETRY}
# Packages the boot needs and the image lacks (${image.needs.join(', ') || 'always'}), retried: the instance may boot
# before IAM, its routes or its endpoints have propagated.
${install}
${image.setup.join('\n')}${agent.length > 0 ? `\n# SSM Agent (Session Manager, the rollout's Run Command): not in the image.\n${agent.join('\n')}` : ''}
# The origin binds [::]:53 (dual-stack): move systemd-resolved's stub listener (127.0.0.53:53) out of its
# way and resolve through the VPC resolver directly.
if systemctl is-active --quiet systemd-resolved; then
  mkdir -p /etc/systemd/resolved.conf.d
  printf '[Resolve]\\nDNSStubListener=no\\n' > /etc/systemd/resolved.conf.d/anycast-origin.conf
  ln -sf /run/systemd/resolve/resolv.conf /etc/resolv.conf
  retry systemctl restart systemd-resolved
fi
${renderUpdate({ artifact, origin })}`;
}
