/**
 * The relay behind the TCP entries, two ways behind one interface (the `tcpBackend` option):
 *
 * - `native`: @anycast-origin/tcp-relay (an optional dependency, Linux): a Node-API addon
 *   that owns the sockets and moves the bytes in C; JavaScript routes each new connection
 *   (once) and hears of each flow's end in batches. About a third of Node's CPU per new
 *   connection (benchmarks/src/relay).
 * - `node`: node:net: a server per entry, a Socket pair per flow piped by hand.
 *
 * Both behave alike: a new connection is routed by the data plane (`open`) or reset; the
 * upstream socket connects from the flow's local address; FIN is passed on (half-close),
 * a full side holds the other back, a failed connect resets the client, an error on one side
 * resets the other; a flow with no byte either way for tcp.idleTimeoutSeconds is closed; at
 * tcp.maxConnections a new flow closes another first (native: the least recently active,
 * node: the oldest). Bytes are reported as they move (node) or when asked (`sync`, native),
 * and each flow's end once.
 */
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type * as TcpRelayModule from '@anycast-origin/tcp-relay';
import { InvalidOptionError } from './errors.js';

export type TcpBackendKind = 'native' | 'node';
/** The `tcpBackend` option: 'auto' is native where it loads, else node. */
export type TcpBackendOption = 'auto' | TcpBackendKind;

/** A relayed connection: where its upstream goes, and what the relay tells about it. */
export interface RelayedFlow {
  /** The endpoint's address and port, and the local address the upstream socket connects from. */
  readonly address: string;
  readonly port: number;
  readonly localAddress: string;
  /** Flow logs want the upstream's own address and port: only then are they read (a getsockname per connection; the native relay takes this flag as its target's). */
  readonly wantsLocalPort: boolean;
  sourceAddress: string | undefined;
  sourcePort: number | undefined;
}

/** Why a flow was not (fully) relayed: the data plane counts these as drops. */
export type TcpDrop = 'upstream_error' | 'evicted';

export interface TcpEvents<F extends RelayedFlow> {
  /** Bytes moved since the last report of this flow: reads that returned data, and bytes, each way. */
  moved(f: F, packetsIn: number, bytesIn: number, packetsOut: number, bytesOut: number): void;
  /** The flow ended (once), after its last `moved`. */
  ended(f: F, drop: TcpDrop | undefined): void;
}

export interface TcpEntry {
  readonly port: number;
  /** Stop accepting and close this entry's flows (each reported ended). */
  close(): Promise<void>;
}

export interface TcpBackend<F extends RelayedFlow> {
  readonly kind: TcpBackendKind;
  /** Listen on host:port; `open` routes each new connection (undefined: reset it). Rejects with the bind's system error. */
  listen(host: string, port: number, open: (clientAddress: string, clientPort: number) => F | undefined): Promise<TcpEntry>;
  /** Report the bytes moved so far (native keeps them until asked). */
  sync(): void;
  close(): Promise<void>;
}

export interface TcpLimits {
  readonly idleTimeoutSeconds: number;
  readonly maxConnections: number;
}

/** The backend chosen for the `tcpBackend` option, ready to make relays. */
export interface TcpBackendChoice {
  readonly kind: TcpBackendKind;
  /** Why 'auto' did not get native (undefined when it did, or 'node' was asked for). */
  readonly fallback: string | undefined;
  create<F extends RelayedFlow>(limits: TcpLimits, events: TcpEvents<F>): TcpBackend<F>;
}

/** Listen backlog of every entry: bursts of new flows queue rather than being refused. */
const BACKLOG = 4096;

type RelayModule = typeof TcpRelayModule;
let relayModule: Promise<{ module: RelayModule | null; reason?: string }> | undefined;

function loadRelay(): Promise<{ module: RelayModule | null; reason?: string }> {
  relayModule ??= import('@anycast-origin/tcp-relay').then(
    (m) => (m.available() ? { module: m } : { module: null, reason: m.unavailableReason() ?? 'not loaded' }),
    (err: Error) => ({ module: null, reason: `@anycast-origin/tcp-relay is not installed (${err.message})` }),
  );
  return relayModule;
}

/** Pick the backend: throws InvalidOptionError for 'native' where @anycast-origin/tcp-relay does not load. */
export async function chooseTcpBackend(option: TcpBackendOption): Promise<TcpBackendChoice> {
  if (option === 'node') return { kind: 'node', fallback: undefined, create: nodeBackend };
  const { module, reason } = await loadRelay();
  if (module) return { kind: 'native', fallback: undefined, create: (limits, events) => nativeBackend(module, limits, events) };
  if (option === 'native') throw new InvalidOptionError('tcpBackend', `must be a backend that loads here: 'native' needs @anycast-origin/tcp-relay (${reason ?? 'unknown reason'}), got 'native'`);
  return { kind: 'node', fallback: reason, create: nodeBackend };
}

// ---- native ----------------------------------------------------------------------------

function nativeBackend<F extends RelayedFlow>(m: RelayModule, limits: TcpLimits, events: TcpEvents<F>): TcpBackend<F> {
  /** What has been reported per open flow: [packetsIn, bytesIn, packetsOut, bytesOut]. */
  const seen = new Map<F, [number, number, number, number]>();
  const report = (r: TcpRelayModule.FlowReport<F>) => {
    const f = r.target;
    const s = seen.get(f);
    if (!s) return;
    if (f.sourcePort === undefined && r.localPort > 0) {
      f.sourceAddress = f.localAddress;
      f.sourcePort = r.localPort;
    }
    const d: [number, number, number, number] = [r.packetsIn - s[0], r.bytesIn - s[1], r.packetsOut - s[2], r.bytesOut - s[3]];
    if (d[0] || d[1] || d[2] || d[3]) events.moved(f, ...d);
    s[0] = r.packetsIn; s[1] = r.bytesIn; s[2] = r.packetsOut; s[3] = r.bytesOut;
    if (!r.final) return;
    seen.delete(f);
    const upstreamFailed = r.reason === 'connect-failed' || (r.reason === 'upstream-reset' && r.bytesOut === 0);
    events.ended(f, upstreamFailed ? 'upstream_error' : r.reason === 'evicted' ? 'evicted' : undefined);
  };
  const relay = m.createTcpRelay<F>({ maxFlows: limits.maxConnections, idleTimeoutSeconds: limits.idleTimeoutSeconds, onFlowEnd: report });
  return {
    kind: 'native',
    listen(host, port, open) {
      try {
        const l = relay.listen({
          host, port, backlog: BACKLOG,
          onConnection: (clientAddress, clientPort) => {
            const f = open(clientAddress, clientPort);
            if (!f) return null;
            seen.set(f, [0, 0, 0, 0]);
            return f;
          },
        });
        return Promise.resolve({ port: l.port, close: () => l.close() });
      } catch (err) {
        return Promise.reject(err as Error);
      }
    },
    sync() {
      for (const r of relay.collect()) report(r);
    },
    close: () => relay.close(),
  };
}

// ---- node ------------------------------------------------------------------------------

interface NodeFlow<F> {
  readonly f: F;
  readonly entry: Server;
  readonly client: Socket;
  readonly upstream: Socket;
  answered: boolean;
  closed: number;
}

function nodeBackend<F extends RelayedFlow>(limits: TcpLimits, events: TcpEvents<F>): TcpBackend<F> {
  /** Open flows, oldest first. */
  const flows = new Set<NodeFlow<F>>();
  /** Listening entries, each closed once (by its close() or the backend's). */
  const servers = new Map<Server, Promise<void> | undefined>();
  let closed = false;
  const closeServer = (server: Server): Promise<void> => {
    let closing = servers.get(server);
    if (!closing) {
      for (const n of [...flows]) if (n.entry === server) end(n, undefined, 'close');
      closing = new Promise<void>((done) => server.close(() => done()));
      servers.set(server, closing);
    }
    return closing;
  };

  /** End a flow once; `destroy` closes its sockets (reset: with RST). */
  const end = (n: NodeFlow<F>, drop: TcpDrop | undefined, destroy: 'close' | 'reset' | undefined) => {
    if (destroy === 'reset') {
      n.client.resetAndDestroy();
      n.upstream.resetAndDestroy();
    } else if (destroy === 'close') {
      n.client.destroy();
      n.upstream.destroy();
    }
    if (!flows.delete(n)) return;
    events.ended(n.f, drop);
  };

  const relay = (server: Server, client: Socket, open: (clientAddress: string, clientPort: number) => F | undefined) => {
    const clientAddress = client.remoteAddress;
    const clientPort = client.remotePort;
    if (clientAddress === undefined || clientPort === undefined || closed) {
      client.destroy();
      return;
    }
    if (flows.size >= limits.maxConnections) {
      const oldest = flows.values().next().value as NodeFlow<F> | undefined;
      if (oldest) end(oldest, 'evicted', 'close');
    }
    const f = open(clientAddress, clientPort);
    if (!f) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect({ host: f.address, port: f.port, localAddress: f.localAddress, noDelay: true, allowHalfOpen: true });
    const n: NodeFlow<F> = { f, entry: server, client, upstream, answered: false, closed: 0 };
    flows.add(n);
    client.setTimeout(limits.idleTimeoutSeconds * 1000, () => end(n, undefined, 'close'));
    // The upstream's own address only matters to flow logs (a getsockname per connection otherwise).
    if (f.wantsLocalPort) {
      upstream.once('connect', () => {
        f.sourceAddress = upstream.localAddress;
        f.sourcePort = upstream.localPort;
      });
    }
    client.on('data', (d: Buffer) => {
      events.moved(f, 1, d.length, 0, 0);
      if (!upstream.write(d)) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
    });
    upstream.on('data', (d: Buffer) => {
      n.answered = true;
      events.moved(f, 0, 0, 1, d.length);
      if (!client.write(d)) {
        upstream.pause();
        client.once('drain', () => upstream.resume());
      }
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => end(n, undefined, 'reset'));
    upstream.on('error', () => end(n, n.answered ? undefined : 'upstream_error', 'reset'));
    const onClose = () => {
      if (++n.closed === 2) end(n, undefined, undefined);
    };
    client.on('close', onClose);
    upstream.on('close', onClose);
  };

  return {
    kind: 'node',
    listen(host, port, open) {
      return new Promise((resolve, reject) => {
        const server: Server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => relay(server, client, open));
        server.once('error', reject);
        server.listen({ host, port, exclusive: true, backlog: BACKLOG }, () => {
          server.removeListener('error', reject);
          server.on('error', () => undefined); // accept errors (EMFILE) stop nothing
          servers.set(server, undefined);
          if (closed) void closeServer(server);
          resolve({ port: (server.address() as { port: number }).port, close: () => closeServer(server) });
        });
      });
    },
    sync() {
      // Bytes are reported as they move.
    },
    async close() {
      closed = true;
      await Promise.all([...servers.keys()].map(closeServer));
      for (const n of [...flows]) end(n, undefined, 'close');
    },
  };
}
