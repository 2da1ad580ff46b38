/**
 * The boot script of an origin instance (Amazon Linux 2023), one per region: it installs the
 * artifact and writes the region's settings for the origin (/etc/anycast-origin/env, read by
 * the unit's EnvironmentFile). Pure: the stack renders it, tests read and run it as text.
 */
import { drainSecondsFor } from '@anycast-origin/config';
import type { ListenerConfig, RegionConfig } from '@anycast-origin/config';

export interface UserDataOptions {
  /** Bucket holding the artifact. */
  readonly bucket: string;
  /** Object key of the artifact (.tar.gz that extracts to `anycast-origin/`). */
  readonly key: string;
  /** Region of the bucket. */
  readonly bucketRegion: string;
  /** The region's settings for the origin (originSettings()). */
  readonly origin: OriginSettings;
}

/** What the origins of one region are told through /etc/anycast-origin/env. */
export interface OriginSettings {
  /** `ORIGIN_DRAIN_SECONDS`. */
  readonly drainSeconds: number;
  /** false: `ORIGIN_DNS_RRL=off`. */
  readonly dnsRrl: boolean;
}

/** Where the artifact is installed; its systemd unit runs /opt/anycast-origin/dist/cli.js. */
export const INSTALL_DIR = '/opt/anycast-origin';
export const UNIT_NAME = 'anycast-origin';
/** The unit's EnvironmentFile: `ORIGIN_<FLAG>` overrides of the origin's flags. */
export const ENV_FILE = '/etc/anycast-origin/env';

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

export function renderUserData({ bucket, key, bucketRegion, origin }: UserDataOptions): string {
  return `#!/bin/bash
# anycast-origin bootstrap, rendered by infra/src/user-data.ts. Log: /var/log/cloud-init-output.log
set -euo pipefail
# Node.js 20: AL2023's nodejs20 installs /usr/bin/node-20; the unit runs /usr/bin/node.
dnf install -y nodejs20
if [ ! -e /usr/bin/node ]; then ln -s /usr/bin/node-20 /usr/bin/node; fi
# The artifact, read with the instance profile (which may read only this object).
work=$(mktemp -d)
aws s3 cp "s3://${bucket}/${key}" "$work/anycast-origin.tar.gz" --region "${bucketRegion}" --only-show-errors
tar -xzf "$work/anycast-origin.tar.gz" -C "$work" --no-same-owner
test -f "$work/anycast-origin/dist/cli.js"
rm -rf ${INSTALL_DIR}
mv "$work/anycast-origin" ${INSTALL_DIR}
rm -rf "$work"
# Owned by root, readable by the unit's DynamicUser.
chown -R root:root ${INSTALL_DIR}
chmod -R u=rwX,go=rX ${INSTALL_DIR}
# The origin binds [::]:53 (dual-stack): move systemd-resolved's stub listener (127.0.0.53:53) out of its
# way and resolve through the VPC resolver directly.
if systemctl is-active --quiet systemd-resolved; then
  mkdir -p /etc/systemd/resolved.conf.d
  printf '[Resolve]\\nDNSStubListener=no\\n' > /etc/systemd/resolved.conf.d/anycast-origin.conf
  ln -sf /run/systemd/resolve/resolv.conf /etc/resolv.conf
  systemctl restart systemd-resolved
fi
# This region's settings (infra/src/user-data.ts originSettings()), read by the unit's EnvironmentFile.
install -d -m 0755 ${ENV_FILE.slice(0, ENV_FILE.lastIndexOf('/'))}
cat > ${ENV_FILE} <<'ENV'
${originEnvFile(origin)}ENV
install -m 0644 ${INSTALL_DIR}/${UNIT_NAME}.service /etc/systemd/system/${UNIT_NAME}.service
# systemd must wait out the drain before it kills the origin: the drain plus a minute for the rest.
install -d -m 0755 /etc/systemd/system/${UNIT_NAME}.service.d
printf '[Service]\\nTimeoutStopSec=${origin.drainSeconds + 60}\\n' > /etc/systemd/system/${UNIT_NAME}.service.d/drain.conf
systemctl daemon-reload
systemctl enable --now ${UNIT_NAME}
`;
}
