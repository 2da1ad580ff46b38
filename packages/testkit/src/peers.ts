/**
 * Peer configurations for running them on loopback beside our origins: NSD and Knot (the DNS
 * differential tests, the DNS benchmark, probe's tests: one listener on 127.0.0.1, one worker,
 * RRL off (NSD's can be turned on), the given identity, NSID and version, and optionally one
 * zone from `<dir>/<zone>.zone`), and nginx answering every path with one body (the HTTP
 * benchmark, probe's tests: one process, no master, files under `dir`).
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

export interface NginxPeerConfig {
  port: number;
  /** directory for the pid, error log and temp paths */
  dir: string;
  /** what every path answers with status 200 (e.g. the seed's `hostname: <id>\n`) */
  body: string;
  /** @default 'text/plain; charset=utf-8' */
  contentType?: string;
  /** response headers added to every answer */
  headers?: Readonly<Record<string, string>>;
  /** listen with SO_REUSEPORT. @default false */
  reuseport?: boolean;
  /** requests per keep-alive connection. @default nginx's (1000) */
  keepaliveRequests?: number;
}

/** nginx.conf: one process (no master), `return 200` with the body, on 127.0.0.1 only. Run: `nginx -e <dir>/nginx-error.log -p <dir> -c <file>`. */
export function nginxConf(c: NginxPeerConfig): string {
  const headers = Object.entries(c.headers ?? {}).map(([k, v]) => `    add_header ${k} "${v}" always;\n`).join('');
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
${c.keepaliveRequests !== undefined ? `  keepalive_requests ${c.keepaliveRequests};\n` : ''}  server_tokens off;
  server {
    listen 127.0.0.1:${c.port}${c.reuseport ? ' reuseport' : ''};
    default_type "${c.contentType ?? 'text/plain; charset=utf-8'}";
${headers}    location / { return 200 "${c.body.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"; }
  }
}
`;
}
