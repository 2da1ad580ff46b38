/**
 * NSD and Knot configs for the DNS benchmark: loopback only, one worker, RRL off, the same
 * identity and NSID as our origin. Pure functions (tested in benchmarks/test/dns-peers.ts).
 */
import { join } from 'node:path';

export interface PeerConfig {
  port: number;
  identity: string;
  version: string;
  /** directory for zone, pid and state files */
  dir: string;
  /** Knot's run dir (control socket): a short path, sun_path holds 108 octets */
  rundir: string;
}

export function nsdConf(c: PeerConfig): string {
  return `server:
  ip-address: 127.0.0.1@${c.port}
  do-ip6: no
  identity: "${c.identity}"
  nsid: "ascii_${c.identity}"
  version: "${c.version}"
  username: ""
  chroot: ""
  zonesdir: "${c.dir}"
  database: ""
  pidfile: "${join(c.dir, 'nsd.pid')}"
  xfrdfile: "${join(c.dir, 'xfrd.state')}"
  zonelistfile: "${join(c.dir, 'zone.list')}"
  logfile: "${join(c.dir, 'nsd.log')}"
  rrl-ratelimit: 0
  server-count: 1
  verbosity: 0
remote-control:
  control-enable: no
`;
}

export function knotConf(c: PeerConfig): string {
  return `server:
  identity: "${c.identity}"
  version: "${c.version}"
  nsid: "${c.identity}"
  listen: 127.0.0.1@${c.port}
  rundir: "${c.rundir}"
  udp-workers: 1
  tcp-workers: 1
  background-workers: 1
log:
  - target: stderr
    any: error
database:
  storage: "${join(c.dir, 'db')}"
`;
}

/** A CH TXT query for `name`, length-prefixed (dnsperf -B input). */
export function binaryQuery(name: string, qtype = 16, qclass = 3): Buffer {
  const labels = name.split('.').filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')]));
  const msg = Buffer.concat([
    Buffer.from([0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]),
    ...labels, Buffer.from([0]),
    Buffer.from([qtype >> 8, qtype & 255, qclass >> 8, qclass & 255]),
  ]);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

export interface DnsperfResult { qps: number; sent: number; completed: number; lost: number }

export function parseDnsperf(out: string): DnsperfResult {
  const num = (re: RegExp) => { const m = re.exec(out); return m?.[1] ? Number(m[1]) : NaN; };
  return {
    qps: num(/Queries per second:\s+([\d.]+)/),
    sent: num(/Queries sent:\s+(\d+)/),
    completed: num(/Queries completed:\s+(\d+)/),
    lost: num(/Queries lost:\s+(\d+)/),
  };
}
