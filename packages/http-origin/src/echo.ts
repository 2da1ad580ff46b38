/** The `/json` document: who answered (the identity) and who asked (peer, request line, headers). */
import { canonicalIp } from '@anycast-origin/net';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import type { Context } from './context.js';

/** The JSON document /json answers with. */
export interface RequestEcho {
  id: string;
  hostname: string;
  instanceId: string | null;
  availabilityZone: string | null;
  region: string | null;
  clientAddress: string | null;
  /** Always null: uWebSockets.js 20.30 does not expose the peer's port. */
  clientPort: number | null;
  serverAddress: string;
  serverPort: number;
  method: string;
  path: string;
  query: string;
  httpVersion: string;
  headers: Record<string, string>;
  time: string;
  version: string;
  /** The worker thread that answered. */
  worker: number;
}

/** The peer's address in canonical form (uWS gives IPv6 peers fully expanded); null on the fallback. */
function clientAddress(res: HttpResponse): string | null {
  try {
    return canonicalIp(Buffer.from(res.getRemoteAddressAsText()).toString('latin1'));
  } catch {
    return null; // the fallback does not implement it
  }
}

export function requestEcho(ctx: Context, res: HttpResponse, req: HttpRequest): Buffer {
  const headers: Record<string, string> = {};
  req.forEach((k, v) => {
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  });
  const { identity: id, host, version, worker } = ctx.init;
  const doc: RequestEcho = {
    id: id.id,
    hostname: id.hostname,
    instanceId: id.instanceId ?? null,
    availabilityZone: id.availabilityZone ?? null,
    region: id.region ?? null,
    clientAddress: clientAddress(res),
    clientPort: null,
    serverAddress: host,
    serverPort: ctx.port,
    method: req.getCaseSensitiveMethod(),
    path: req.getUrl(),
    query: req.getQuery() ?? '',
    httpVersion: 'HTTP/1.1',
    headers,
    time: new Date().toISOString(),
    version,
    worker,
  };
  return Buffer.from(JSON.stringify(doc) + '\n', 'utf8');
}
