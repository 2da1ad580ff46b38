/**
 * NSD and Knot configurations for running them on loopback beside our DNS origin (the DNS
 * differential tests and the DNS benchmark): one listener on 127.0.0.1, one worker, RRL off
 * (NSD's can be turned on), the given identity, NSID and version, and optionally one zone
 * from `<dir>/<zone>.zone`.
 */
import { join } from 'node:path';

export interface DnsPeerConfig {
  port: number;
  identity: string;
  /** NSID answered. @default identity */
  nsid?: string;
  version: string;
  /** directory for the zone file, pid, state and database files */
  dir: string;
  /** Knot's run dir (control socket): a short path, sun_path holds 108 octets. @default dir */
  rundir?: string;
  /** serve this zone from `<dir>/<zone>.zone` */
  zone?: string;
  /** NSD's rrl-ratelimit (responses a second per prefix and class; NSD's own default is 200). @default 0 (off) */
  rrlRatelimit?: number;
}

export function nsdConf(c: DnsPeerConfig): string {
  const zone = c.zone ? `zone:\n  name: ${c.zone}\n  zonefile: ${c.zone}.zone\n` : '';
  return `server:
  ip-address: 127.0.0.1@${c.port}
  do-ip6: no
  identity: "${c.identity}"
  nsid: "ascii_${c.nsid ?? c.identity}"
  version: "${c.version}"
  username: ""
  chroot: ""
  zonesdir: "${c.dir}"
  database: ""
  pidfile: "${join(c.dir, 'nsd.pid')}"
  xfrdfile: "${join(c.dir, 'xfrd.state')}"
  zonelistfile: "${join(c.dir, 'zone.list')}"
  logfile: "${join(c.dir, 'nsd.log')}"
  rrl-ratelimit: ${c.rrlRatelimit ?? 0}
  server-count: 1
  verbosity: 0
remote-control:
  control-enable: no
${zone}`;
}

export function knotConf(c: DnsPeerConfig): string {
  const zone = c.zone ? `template:\n  - id: default\n    storage: "${c.dir}"\nzone:\n  - domain: ${c.zone}\n    file: ${c.zone}.zone\n` : '';
  return `server:
  identity: "${c.identity}"
  version: "${c.version}"
  nsid: "${c.nsid ?? c.identity}"
  listen: 127.0.0.1@${c.port}
  rundir: "${c.rundir ?? c.dir}"
  udp-workers: 1
  tcp-workers: 1
  background-workers: 1
log:
  - target: stderr
    any: error
database:
  storage: "${join(c.dir, 'db')}"
${zone}`;
}
