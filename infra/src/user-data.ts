/**
 * The boot script of an origin instance (Amazon Linux 2023). Pure: the stack renders it once
 * per fleet and tests read it as text.
 */
export interface UserDataOptions {
  /** Bucket holding the artifact. */
  readonly bucket: string;
  /** Object key of the artifact (.tar.gz that extracts to `anycast-origin/`). */
  readonly key: string;
  /** Region of the bucket. */
  readonly bucketRegion: string;
}

/** Where the artifact is installed; its systemd unit runs /opt/anycast-origin/dist/cli.js. */
export const INSTALL_DIR = '/opt/anycast-origin';
export const UNIT_NAME = 'anycast-origin';

export function renderUserData({ bucket, key, bucketRegion }: UserDataOptions): string {
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

install -m 0644 ${INSTALL_DIR}/${UNIT_NAME}.service /etc/systemd/system/${UNIT_NAME}.service
systemctl daemon-reload
systemctl enable --now ${UNIT_NAME}
`;
}
