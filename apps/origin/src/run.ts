/**
 * Start and stop the origins a host runs, from validated Settings. No process handling here
 * (that is cli.ts): this module is what a test or another program can drive.
 */
import { resolveIdentity } from '@anycast-origin/identity';
import type { Identity, ResolveIdentityOptions } from '@anycast-origin/identity';
import { createHttpOrigin } from '@anycast-origin/http-origin';
import type { HttpOrigin } from '@anycast-origin/http-origin';
import { createDnsOrigin } from '@anycast-origin/dns-origin';
import type { DnsOrigin, UdpBackend } from '@anycast-origin/dns-origin';
import type { ListenAddress, Settings } from './config.js';
import { StartError, UsageError } from './errors.js';

export interface RunningOrigins {
  identity: Identity;
  http?: { origin: HttpOrigin; address: string; port: number };
  dns?: { origin: DnsOrigin; address: string; udpPort: number; tcpPort: number; udpBackend: UdpBackend };
  /** Health to 503 and TCP health checks refused at once; keep serving drainSeconds; close. */
  drain(): Promise<void>;
  /** Close everything now. */
  close(): Promise<void>;
}

export async function resolveSettingsIdentity(settings: Settings, env: NodeJS.ProcessEnv = process.env): Promise<Identity> {
  const { source, imdsEndpoint, ...fields } = settings.identity;
  const options: ResolveIdentityOptions = { source, env, ...fields };
  if (imdsEndpoint) options.imds = { endpoint: imdsEndpoint };
  try {
    return await resolveIdentity(options);
  } catch (e) {
    const code = (e as { code?: string }).code;
    // A bad value given by the user (option, ORIGIN_* variable) is a usage error: exit 2.
    if (code === 'IDENTITY_ERR_INVALID_FIELD' || code === 'IDENTITY_ERR_INVALID_OPTION') throw new UsageError(`identity: ${(e as Error).message}`, { cause: e });
    throw new StartError(`identity: ${(e as Error).message}`, 'ORIGIN_ERR_IDENTITY', { cause: e });
  }
}

function startError(kind: string, host: string, port: number, e: unknown): StartError | UsageError {
  const code = (e as { code?: string }).code ?? '';
  // The libraries validate their options again; what they refuse is the user's value: exit 2.
  if (code.endsWith('_ERR_INVALID_OPTION')) return new UsageError(`${kind}: ${(e as Error).message}`, { cause: e });
  if (/ADDRESS_IN_USE|EADDRINUSE/.test(code)) {
    return new StartError(`${kind} ${host.includes(':') ? `[${host}]` : host}:${port}: address already in use`, 'ORIGIN_ERR_ADDRESS_IN_USE', { cause: e });
  }
  return new StartError(`${kind}: ${(e as Error).message}`, 'ORIGIN_ERR_START', { cause: e });
}

/** Create one origin and listen; any failure becomes a StartError/UsageError naming kind and address. */
async function startOne<O extends { listen(): Promise<unknown> }>(kind: string, { host, port }: ListenAddress, create: () => O): Promise<{ origin: O; addr: Awaited<ReturnType<O['listen']>> }> {
  try {
    const origin = create();
    return { origin, addr: (await origin.listen()) as Awaited<ReturnType<O['listen']>> };
  } catch (e) {
    throw startError(kind, host, port, e);
  }
}

/** Resolve the identity, then start HTTP and DNS as configured. On any failure, nothing is left running. */
export async function startOrigins(settings: Settings, version: string, env: NodeJS.ProcessEnv = process.env): Promise<RunningOrigins> {
  const identity = await resolveSettingsIdentity(settings, env);
  const running: RunningOrigins = {
    identity,
    async drain() {
      await Promise.all([running.http?.origin.drain(), running.dns?.origin.drain()]);
    },
    async close() {
      await Promise.all([running.http?.origin.close(), running.dns?.origin.close()]);
    },
  };
  try {
    const { http, dns } = settings;
    if (http) {
      const { origin, addr } = await startOne('http', http, () => createHttpOrigin({
        identity,
        host: http.host,
        port: http.port,
        threads: settings.threads,
        drainSeconds: settings.drainSeconds,
        allowFallback: settings.allowUwsFallback,
        version,
      }));
      running.http = { origin, address: addr.address, port: addr.port };
    }
    if (dns) {
      const { origin, addr } = await startOne('dns', dns, () => createDnsOrigin({
        identity,
        host: dns.host,
        port: dns.port,
        workers: settings.dnsWorkers,
        udpBackend: settings.dnsUdp,
        drainSeconds: settings.drainSeconds,
        hideIdentity: settings.hideIdentity,
        hideVersion: settings.hideVersion,
        version,
        rrl: settings.rrl,
        ...(settings.zone ? { zone: settings.zone } : {}),
      }));
      running.dns = { origin, address: addr.address, udpPort: addr.udpPort, tcpPort: addr.tcpPort, udpBackend: addr.udpBackend };
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
    const h = hostOf(r.http.address);
    const base = `http://${h.includes(':') ? `[${h}]` : h}:${r.http.port}`;
    cmds.push(`curl -s ${base}/`, `curl -s ${base}/json`);
  }
  if (r.dns) {
    const h = hostOf(r.dns.address);
    cmds.push(`dig @${h} -p ${r.dns.udpPort} id.server txt ch +short`, `dig @${h} -p ${r.dns.udpPort} +nsid +norec id.server txt ch`);
  }
  return cmds;
}
