/**
 * Peer configurations for running a trusted server on loopback beside our origins. NSD and
 * Knot (the DNS differential tests and the DNS benchmark): one listener on 127.0.0.1, one
 * worker, RRL off (NSD's can be turned on), the given identity, NSID and version, and
 * optionally one zone from `<dir>/<zone>.zone`. nginx (the HTTP differential tests and the
 * HTTP benchmark): one process, `return 200` with the given body and headers on every path.
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

export interface HttpPeerConfig {
  port: number;
  /** directory for the pid, logs and temp paths */
  dir: string;
  /** the body `return 200` answers with */
  body: string;
  /** headers added to every response (`always`) */
  headers?: Readonly<Record<string, string>>;
  /** @default 'text/plain; charset=utf-8' */
  contentType?: string;
}

/** nginx.conf: one process (no master), one worker's worth of work, `return 200` with the body. Run: `nginx -p <dir> -c <file> -e <dir>/nginx-error.log`. */
export function nginxConf(c: HttpPeerConfig): string {
  const quote = (v: string): string => JSON.stringify(v);
  const headers = Object.entries(c.headers ?? {}).map(([k, v]) => `    add_header ${k} ${quote(v)} always;\n`).join('');
  return `daemon off;
master_process off;
worker_processes 1;
pid ${join(c.dir, 'nginx.pid')};
error_log ${join(c.dir, 'nginx-error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${join(c.dir, 'body')};
  proxy_temp_path ${join(c.dir, 'proxy')};
  fastcgi_temp_path ${join(c.dir, 'fastcgi')};
  uwsgi_temp_path ${join(c.dir, 'uwsgi')};
  scgi_temp_path ${join(c.dir, 'scgi')};
  keepalive_requests 10000000;
  server_tokens off;
  server {
    listen 127.0.0.1:${c.port} reuseport;
    default_type ${quote(c.contentType ?? 'text/plain; charset=utf-8')};
${headers}    location / { return 200 ${quote(c.body)}; }
  }
}
`;
}
