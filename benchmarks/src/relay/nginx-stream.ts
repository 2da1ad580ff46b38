/**
 * The relay benchmark's outside peer: nginx's stream proxy (`ngx_stream_proxy_module`), a TCP
 * relay in C that many run in production, configured as the bare relays are (one process, one
 * fixed upstream, the upstream socket bound to 127.0.0.1) so that its CPU per relayed
 * connection reads against ours on the same machine in the same run.
 *
 * Two modes, because they cost differently and only one matches our relays:
 * - `halfClose: true` (`proxy_half_close on`): a FIN is passed on and the other direction
 *   stays open until its own FIN, as @anycast-origin/tcp-relay and the emulator do;
 * - `halfClose: false` (nginx's default): the first FIN ends the session once what is pending
 *   is written, so a client that half-closes and waits for the answer gets none.
 *
 * Debian builds the module separately (package libnginx-mod-stream, loaded with load_module);
 * an nginx built with `--with-stream` has it inside.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MissingToolError, spawnLogged, untilListening } from '../lib/harness.js';
import type { Logged } from '../lib/harness.js';

/** Where Debian's libnginx-mod-stream puts the module. */
export const STREAM_MODULE_PATHS = ['/usr/lib/nginx/modules/ngx_stream_module.so', '/usr/share/nginx/modules/ngx_stream_module.so'] as const;
export const STREAM_APT_PACKAGE = 'libnginx-mod-stream';

/**
 * How this nginx gets its stream module: `{ module: path }` to load, `{ module: null }` when it
 * is built in. Throws MissingToolError naming the Debian packages when there is none.
 */
export function nginxStreamModule(): { module: string | null } {
  const version = spawnSync('nginx', ['-V'], { encoding: 'utf8' });
  if (version.error) throw new MissingToolError([{ command: 'nginx', aptPackage: `nginx-light ${STREAM_APT_PACKAGE}` }]);
  const flags = `${version.stdout}${version.stderr}`;
  if (/--with-stream(\s|$)/.test(flags)) return { module: null };
  const found = STREAM_MODULE_PATHS.find((p) => existsSync(p));
  if (found === undefined) throw new MissingToolError([{ command: 'nginx stream module (ngx_stream_module.so)', aptPackage: STREAM_APT_PACKAGE }]);
  return { module: found };
}

export interface NginxStreamConfig {
  /** Directory for the pid file, the error log and the configuration. */
  dir: string;
  port: number;
  upstream: { address: string; port: number };
  /** Local address of the upstream sockets (`proxy_bind`): port 0, chosen at connect. */
  bindAddress: string;
  halfClose: boolean;
  /** The module to load, or null when nginx has it built in. */
  module: string | null;
}

/** nginx.conf for one process (no master) relaying one port to one upstream. */
export function nginxStreamConfig(c: NginxStreamConfig): string {
  return `${c.module ? `load_module ${c.module};\n` : ''}daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 200000;
pid ${join(c.dir, `nginx-stream-${c.port}.pid`)};
error_log ${join(c.dir, `nginx-stream-${c.port}-error.log`)} warn;
events { worker_connections 65536; multi_accept on; }
stream {
  server {
    listen 127.0.0.1:${c.port} backlog=4096;
    proxy_pass ${c.upstream.address}:${c.upstream.port};
    proxy_bind ${c.bindAddress};
    proxy_half_close ${c.halfClose ? 'on' : 'off'};
  }
}
`;
}

/** Start nginx's stream proxy pinned to a CPU; resolves once it accepts connections. */
export async function startNginxStream(cpu: number, c: NginxStreamConfig): Promise<Logged> {
  mkdirSync(c.dir, { recursive: true });
  const conf = join(c.dir, `nginx-stream-${c.port}.conf`);
  writeFileSync(conf, nginxStreamConfig(c));
  const p = spawnLogged(cpu, 'nginx', ['-e', join(c.dir, `nginx-stream-${c.port}-error.log`), '-p', c.dir, '-c', conf]);
  await untilListening(p, c.port, 'nginx (stream)');
  return p;
}
