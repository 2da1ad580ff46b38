/**
 * Start and stop the origins a host runs, from validated Settings: resolve the identity once,
 * create both origins (every option validated before anything binds), listen, and serve
 * metrics where the settings say. No process handling here (that is main.ts): this module is
 * what a test or another program can drive.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createDnsOrigin } from '@anycast-origin/dns-origin';
import type { DnsOrigin, UdpBackend } from '@anycast-origin/dns-origin';
import { createHttpOrigin } from '@anycast-origin/http-origin';
import type { HttpOrigin } from '@anycast-origin/http-origin';
import { resolveIdentity } from '@anycast-origin/identity';
import type { Identity } from '@anycast-origin/identity';
import { formatHostPort, parseHostPort } from '@anycast-origin/net';
import { labelFor, usageFromLibrary } from '@anycast-origin/options';
import type { Layer } from '@anycast-origin/options';
import { StartError, UsageError } from './errors.js';
import { FLAGS } from './options.js';
import type { Settings } from './options.js';

export interface RunningOrigins {
  identity: Identity;
  http?: { origin: HttpOrigin; address: string; port: number };
  dns?: { origin: DnsOrigin; address: string; udpPort: number; tcpPort: number; udpBackend: UdpBackend };
  /** The metrics listener (`--metrics ADDR:PORT`), when there is one. */
  metrics?: { address: string; port: number };
  /** Health to 503 and TCP health checks refused at once; keep serving drainSeconds; close. */
  drain(): Promise<void>;
  /** Close everything now. */
  close(): Promise<void>;
}

const EMPTY_LAYER: Layer = { values: {}, labels: {} };

/** Resolve who this host is; a bad value the user gave is a usage error naming it. */
export async function resolveSettingsIdentity(settings: Settings, env: NodeJS.ProcessEnv = process.env, layer: Layer = EMPTY_LAYER): Promise<Identity> {
  try {
    return await resolveIdentity({ ...settings.identity, env });
  } catch (e) {
    const err = e as Error & { code?: string; field?: string; option?: string };
    if (err.code === 'IDENTITY_ERR_INVALID_FIELD' || err.code === 'IDENTITY_ERR_INVALID_OPTION') {
      const name = err.field ?? err.option ?? '';
      // An option the user gave (a flag or file key), or a variable the library read (ORIGIN_ID).
      const label = /^[A-Z_]+$/.test(name) ? name : labelFor(`identity.${name}`, layer.labels, FLAGS);
      throw new UsageError(`${label}${err.message.slice(name.length)}`, { cause: e });
    }
    throw new StartError(`identity: ${err.message}`, 'ORIGIN_ERR_IDENTITY', { cause: e });
  }
}

/** A library's refusal of an option is the user's value: exit 2, named as the user wrote it. */
function createError(mount: 'http' | 'dns', e: unknown, layer: Layer): Error {
  const err = e as Error & { code?: string; option?: string };
  if (err.code?.endsWith('_ERR_INVALID_OPTION') && err.option !== undefined) return usageFromLibrary({ option: err.option, message: err.message }, [mount], layer, FLAGS);
  return new StartError(`${mount}: ${err.message}`, 'ORIGIN_ERR_START', { cause: e });
}

function listenError(kind: string, host: string, port: number, e: unknown): Error {
  const code = (e as { code?: string }).code ?? '';
  if (code.endsWith('_ERR_INVALID_OPTION')) return new UsageError(`${kind}: ${(e as Error).message}`, { cause: e });
  if (/ADDRESS_IN_USE|EADDRINUSE/.test(code)) return new StartError(`${kind} ${formatHostPort(host, port)}: address already in use`, 'ORIGIN_ERR_ADDRESS_IN_USE', { cause: e });
  return new StartError(`${kind}: ${(e as Error).message}`, 'ORIGIN_ERR_START', { cause: e });
}

/** The metrics listener: GET /metrics is the text of both origins; anything else 404. */
function metricsServer(render: () => Promise<string>): Server {
  return createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    if (req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: /metrics\n');
      return;
    }
    render().then(
      (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : text),
      () => res.writeHead(500).end(),
    );
  });
}

/** Resolve the identity, then start HTTP and DNS as configured. On any failure, nothing is left running. */
export async function startOrigins(settings: Settings, version: string, env: NodeJS.ProcessEnv = process.env, layer: Layer = EMPTY_LAYER): Promise<RunningOrigins> {
  const identity = await resolveSettingsIdentity(settings, env, layer);
  const { http, dns, drainSeconds } = settings;
  const metricsListener = settings.metrics !== undefined && settings.metrics !== 'off' ? parseHostPort(settings.metrics, { label: '--metrics' }) : undefined;

  // Create both before either listens: every option is checked first.
  let dnsOrigin: DnsOrigin | undefined;
  let httpOrigin: HttpOrigin | undefined;
  try {
    if (dns) dnsOrigin = createDnsOrigin({ ...dns, identity, version, drainSeconds });
  } catch (e) {
    throw createError('dns', e, layer);
  }
  const dnsText = (): Promise<string> => dnsOrigin?.metrics() ?? Promise.resolve('');
  try {
    if (http) {
      // With a metrics listener of its own, /metrics leaves the public port unless asked for.
      const metricsRoute = layer.labels['http.metricsRoute'] !== undefined ? http.metricsRoute : metricsListener === undefined;
      httpOrigin = createHttpOrigin({ ...http, metricsRoute, identity, version, drainSeconds, ...(dnsOrigin ? { metricsExtra: dnsText } : {}) });
    }
  } catch (e) {
    throw createError('http', e, layer);
  }

  let admin: Server | undefined;
  const running: RunningOrigins = {
    identity,
    async drain() {
      await Promise.all([httpOrigin?.drain(), dnsOrigin?.drain()]);
      await running.close();
    },
    async close() {
      await Promise.all([httpOrigin?.close(), dnsOrigin?.close(), admin && new Promise((r) => admin?.close(r))]);
    },
  };
  try {
    if (http && httpOrigin) {
      try {
        const a = await httpOrigin.listen();
        running.http = { origin: httpOrigin, address: a.address, port: a.port };
      } catch (e) {
        throw listenError('http', http.host, http.port, e);
      }
    }
    if (dns && dnsOrigin) {
      try {
        const a = await dnsOrigin.listen();
        running.dns = { origin: dnsOrigin, address: a.address, udpPort: a.udpPort, tcpPort: a.tcpPort, udpBackend: a.udpBackend };
      } catch (e) {
        throw listenError('dns', dns.host, dns.port, e);
      }
    }
    if (metricsListener) {
      const render = async () => `${httpOrigin?.metrics() ?? ''}${await dnsText()}`;
      const server = metricsServer(render);
      admin = server;
      const port = await new Promise<number>((resolve, reject) => {
        server.once('error', (e) => reject(listenError('metrics', metricsListener.host, metricsListener.port, e)));
        server.listen(metricsListener.port, metricsListener.host, () => resolve((server.address() as { port: number }).port));
      });
      running.metrics = { address: metricsListener.host, port };
    }
  } catch (e) {
    await running.close().catch(() => {});
    throw e;
  }
  return running;
}

/** The commands a person can paste to try the running origins. */
export function tryCommands(r: RunningOrigins): string[] {
  const cmds: string[] = [];
  const hostOf = (a: string) => (a === '0.0.0.0' ? '127.0.0.1' : a === '::' ? '::1' : a);
  if (r.http) {
    const base = `http://${formatHostPort(hostOf(r.http.address), r.http.port)}`;
    cmds.push(`curl -s ${base}/`, `curl -s ${base}/json`);
  }
  if (r.dns) {
    const h = hostOf(r.dns.address);
    cmds.push(`dig @${h} -p ${r.dns.udpPort} id.server txt ch +short`, `dig @${h} -p ${r.dns.udpPort} +nsid +norec id.server txt ch`);
  }
  if (r.metrics) cmds.push(`curl -s http://${formatHostPort(hostOf(r.metrics.address), r.metrics.port)}/metrics`);
  return cmds;
}
