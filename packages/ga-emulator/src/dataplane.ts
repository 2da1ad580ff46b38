/**
 * The data plane: anycast entries on loopback and the relay behind them.
 *
 * Each deployed listener of an enabled accelerator is bound on both of the accelerator's
 * static addresses, TCP or UDP as the listener says, each listener port at the port the port
 * map gives (80 -> 18080 by default: no root). A new flow is routed with the routing model
 * (src/routing.ts) from where its source address is (the vantage table), the listener's
 * groups with their dials and the endpoints' current health; the flow then keeps its endpoint
 * (TCP until closed, UDP until idle) whatever changes later: only new flows move.
 *
 * The upstream socket to the endpoint is opened from the client's own address when the
 * endpoint preserves client IPs (any 127/8 address binds without root), else from the entry
 * address, as the seed's endpoints saw it. UDP flows get one upstream socket each, so replies
 * find their client. TCP entries are relayed by the backend the `tcpBackend` option chose
 * (src/tcp.ts: bytes moved in C by @anycast-origin/tcp-relay, or node:net); this module routes
 * each new connection and accounts for what the backend reports. Counters per endpoint and
 * listener, flow log records per flow and capture window, and a diagnostics_channel message per
 * new flow (only when someone listens).
 */
import { channel } from 'node:diagnostics_channel';
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket as UdpSocket } from 'node:dgram';
import { BindError } from './errors.js';
import type { FlowLogWriter, FlowRecord } from './flowlog.js';
import type { HealthChecker } from './health.js';
import { ControlPlane } from './control.js';
import type { AcceleratorRecord, HealthCheckProtocol, Protocol } from './control.js';
import type { ResolvedOptions } from './options.js';
import { EndpointRegistry } from './registry.js';
import type { VantageTable } from './registry.js';
import { compileRoute, fiveTupleHash, orderByProximity, pickFlow, sourceIpHash } from './routing.js';
import type { CompiledRoute, PickVia, RouteGroup } from './routing.js';
import type { RelayedFlow, TcpBackend, TcpBackendChoice, TcpEntry } from './tcp.js';

/** diagnostics_channel of every new flow: `{ protocol, client, clientPort, entry, listenerPort, region, endpointId, via, preserved }`. */
export const FLOW_CHANNEL = 'anycast-origin:ga-emulator:flow';
/** diagnostics_channel of data-plane failures that do not stop it (a port that cannot be bound, a flow log write): `{ error }`. */
export const ERROR_CHANNEL = 'anycast-origin:ga-emulator:error';
const flowChannel = channel(FLOW_CHANNEL);
const errorChannel = channel(ERROR_CHANNEL);

/** What the data plane uses of a deployed accelerator: a frozen copy taken when it deployed. */
export interface DeployedGroup {
  readonly arn: string;
  readonly region: string;
  readonly dial: number;
  readonly healthCheck: {
    readonly protocol: HealthCheckProtocol;
    /** As AWS sees it (the registry maps it to the real port). */
    readonly port: number;
    readonly path: string;
    readonly intervalSeconds: number;
    readonly threshold: number;
  };
  readonly portOverrides: ReadonlyMap<number, number>;
  readonly endpoints: readonly { readonly id: string; readonly weight: number; readonly preserve: boolean }[];
}
export interface DeployedListener {
  readonly arn: string;
  readonly protocol: Protocol;
  readonly affinity: 'NONE' | 'SOURCE_IP';
  readonly ports: readonly number[];
  /** Listener ports beyond maxBoundPorts, not bound. */
  readonly unbound: readonly number[];
  readonly groups: readonly DeployedGroup[];
}
export interface DeployedAccelerator {
  readonly arn: string;
  readonly id: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly addresses: readonly [string, string];
  readonly flowLogs: { readonly enabled: boolean; readonly bucket: string | undefined; readonly prefix: string | undefined };
  readonly listeners: readonly DeployedListener[];
  readonly deployedAt: number;
}

/** Freeze what the data plane needs of an accelerator's configuration at deploy time. */
export function deployedView(acc: AcceleratorRecord, maxBoundPorts: number): DeployedAccelerator {
  let budget = { TCP: maxBoundPorts, UDP: maxBoundPorts };
  const listeners = [...acc.listeners.values()].map((l): DeployedListener => {
    const ports: number[] = [];
    const unbound: number[] = [];
    for (const r of [...l.portRanges].sort((a, b) => a.FromPort - b.FromPort)) {
      for (let p = r.FromPort; p <= r.ToPort; p++) {
        if (budget[l.protocol] > 0) {
          ports.push(p);
          budget = { ...budget, [l.protocol]: budget[l.protocol] - 1 };
        } else if (unbound.length < 16) unbound.push(p);
      }
    }
    return Object.freeze({
      arn: l.arn,
      protocol: l.protocol,
      affinity: l.clientAffinity,
      ports: Object.freeze(ports),
      unbound: Object.freeze(unbound),
      groups: Object.freeze([...l.groups.values()].map((g) => Object.freeze({
        arn: g.arn,
        region: g.region,
        dial: g.dial,
        healthCheck: Object.freeze({
          protocol: g.healthCheckProtocol, port: ControlPlane.healthCheckPort(g, l), path: g.healthCheckPath,
          intervalSeconds: g.healthCheckIntervalSeconds, threshold: g.thresholdCount,
        }),
        portOverrides: new Map(g.portOverrides.map((o) => [o.ListenerPort, o.EndpointPort])),
        endpoints: Object.freeze(g.endpoints.map((e) => Object.freeze({ ...e }))),
      }))),
    });
  });
  return Object.freeze({
    arn: acc.arn, id: acc.id, name: acc.name, enabled: acc.enabled, addresses: acc.addresses,
    flowLogs: Object.freeze({ ...acc.flowLogs }), listeners: Object.freeze(listeners), deployedAt: Date.now(),
  });
}

/** Counters of one endpoint of one group (what the state snapshot and /metrics show). */
export interface EndpointCounters {
  flows: number;
  active: number;
  packetsIn: number;
  bytesIn: number;
  packetsOut: number;
  bytesOut: number;
  byVia: Record<PickVia, number>;
}
const newCounters = (): EndpointCounters => ({ flows: 0, active: 0, packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0, byVia: { dial: 0, failover: 0, 'fail-open': 0 } });

/** Why a flow or a datagram was not relayed. */
export type DropReason = 'no_route' | 'endpoint_unregistered' | 'oversized' | 'upstream_error' | 'evicted';
export const DROP_REASONS: readonly DropReason[] = Object.freeze(['no_route', 'endpoint_unregistered', 'oversized', 'upstream_error', 'evicted']);

export interface EntryInfo {
  readonly acceleratorArn: string;
  readonly listenerArn: string;
  readonly address: string;
  readonly protocol: Protocol;
  readonly listenerPort: number;
  /** The port actually bound (null while binding or when it failed). */
  readonly port: number | null;
  readonly error: string | undefined;
}

interface Binding {
  readonly key: string;
  readonly address: string;
  readonly protocol: Protocol;
  readonly listenerPort: number;
  acc: DeployedAccelerator;
  listener: DeployedListener;
  port: number | null;
  error: string | undefined;
  tcp: TcpEntry | undefined;
  socket: UdpSocket | undefined;
  /** UDP flows of this entry by `address:port` of the client. */
  flows: Map<string, UdpFlow> | undefined;
}

/** What a new flow was routed to. */
interface Route {
  readonly group: DeployedGroup;
  readonly endpointId: string;
  readonly address: string;
  readonly port: number;
  readonly preserve: boolean;
  readonly via: PickVia;
  readonly counters: EndpointCounters;
}

interface FlowBase {
  readonly binding: Binding;
  readonly route: Route;
  readonly clientAddress: string;
  readonly clientPort: number;
  readonly edge: string | undefined;
  readonly started: number;
  /** Start of the current capture window (ms). */
  windowStart: number;
  lastActive: number;
  packetsIn: number;
  bytesIn: number;
  packetsOut: number;
  bytesOut: number;
  sourcePort: number | undefined;
  sourceAddress: string | undefined;
}
interface UdpFlow extends FlowBase {
  readonly key: string;
  readonly socket: UdpSocket;
  ready: boolean;
  queue: Buffer[] | undefined;
  closed: boolean;
}
/** A TCP flow is also what the backend relays: the endpoint's address and port, and where to connect from. */
interface TcpFlow extends FlowBase, RelayedFlow {}

interface CachedRoute {
  readonly generation: number;
  readonly route: CompiledRoute;
  /** The listener's groups this was built from (a new deploy replaces the array). */
  readonly listenerGroups: readonly DeployedGroup[];
  /** The groups in the route's (proximity) order. */
  readonly ordered: readonly DeployedGroup[];
}

const bindingKey = (address: string, protocol: Protocol, port: number) => `${address}|${protocol}|${port}`;
/** A UDP flow active this recently is not evicted while older ones can be (ms). */
const RECENT_MS = 2000;

export class DataPlane {
  readonly #o: ResolvedOptions;
  readonly #registry: EndpointRegistry;
  readonly #vantages: VantageTable;
  readonly #health: HealthChecker;
  readonly #flowLogs: FlowLogWriter;
  readonly #deployed = new Map<string, DeployedAccelerator>();
  readonly #bindings = new Map<string, Binding>();
  readonly #routes = new Map<string, CachedRoute>();
  readonly #counters = new Map<string, EndpointCounters>();
  readonly #tcp = new Set<TcpFlow>();
  readonly #tcpBackend: TcpBackend<TcpFlow>;
  readonly #udpCount = { value: 0 };
  readonly drops: Record<DropReason, number> = { no_route: 0, endpoint_unregistered: 0, oversized: 0, upstream_error: 0, evicted: 0 };
  #generation = 0;
  #sweeper: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: ResolvedOptions, registry: EndpointRegistry, vantages: VantageTable, health: HealthChecker, flowLogs: FlowLogWriter, tcp: TcpBackendChoice) {
    this.#o = options;
    this.#registry = registry;
    this.#vantages = vantages;
    this.#health = health;
    this.#flowLogs = flowLogs;
    this.#tcpBackend = tcp.create<TcpFlow>(options.tcp, {
      moved: (f, packetsIn, bytesIn, packetsOut, bytesOut) => {
        f.packetsIn += packetsIn;
        f.bytesIn += bytesIn;
        f.packetsOut += packetsOut;
        f.bytesOut += bytesOut;
        const c = f.route.counters;
        c.packetsIn += packetsIn;
        c.bytesIn += bytesIn;
        c.packetsOut += packetsOut;
        c.bytesOut += bytesOut;
      },
      ended: (f, drop) => {
        if (!this.#tcp.delete(f)) return;
        if (drop) this.drops[drop]++;
        f.route.counters.active--;
        this.#account(f, true);
      },
    });
    const every = Math.max(50, Math.min(1000, (Math.min(this.#o.udp.idleTimeoutSeconds, this.#o.flowLogs.captureWindowSeconds) * 1000) / 4));
    this.#sweeper = setInterval(() => this.#sweep(), every);
    this.#sweeper.unref();
  }

  /** Health, registry or vantages changed: routes are rebuilt for the next new flow. */
  invalidate(): void {
    this.#generation++;
  }

  deployed(arn: string): DeployedAccelerator | undefined {
    return this.#deployed.get(arn);
  }

  deployedAll(): DeployedAccelerator[] {
    return [...this.#deployed.values()];
  }

  /** Apply a deployed configuration (or the removal of an accelerator): bind and unbind entries to match. */
  async apply(arn: string, view: DeployedAccelerator | undefined): Promise<void> {
    if (this.#closed) return;
    if (view) this.#deployed.set(arn, view);
    else this.#deployed.delete(arn);
    this.invalidate();
    const wanted = new Map<string, { acc: DeployedAccelerator; listener: DeployedListener; address: string; port: number }>();
    for (const acc of this.#deployed.values()) {
      if (!acc.enabled) continue;
      for (const l of acc.listeners) {
        for (const address of acc.addresses) for (const port of l.ports) wanted.set(bindingKey(address, l.protocol, port), { acc, listener: l, address, port });
      }
    }
    const closing: Promise<void>[] = [];
    for (const [k, b] of this.#bindings) {
      if (!wanted.has(k)) {
        this.#bindings.delete(k);
        closing.push(this.#unbind(b));
      }
    }
    const opening: Promise<void>[] = [];
    for (const [k, w] of wanted) {
      const b = this.#bindings.get(k);
      if (b) {
        b.acc = w.acc;
        b.listener = w.listener;
      } else {
        const created: Binding = {
          key: k, address: w.address, protocol: w.listener.protocol, listenerPort: w.port, acc: w.acc, listener: w.listener,
          port: null, error: undefined, tcp: undefined, socket: undefined, flows: undefined,
        };
        this.#bindings.set(k, created);
        opening.push(this.#bind(created));
      }
    }
    await Promise.all([...closing, ...opening]);
  }

  /** The port a listener port is bound at on the entry addresses (0: ephemeral). */
  boundPortFor(listenerPort: number): number {
    const mapped = this.#o.portMap.get(listenerPort);
    if (mapped !== undefined) return mapped;
    switch (this.#o.unmappedPorts) {
      case 'ephemeral':
        return 0;
      case 'same':
        return listenerPort;
      default:
        return listenerPort < 1024 ? listenerPort + this.#o.privilegedPortOffset : listenerPort;
    }
  }

  entries(): EntryInfo[] {
    return [...this.#bindings.values()].map((b) => ({
      acceleratorArn: b.acc.arn, listenerArn: b.listener.arn, address: b.address, protocol: b.protocol, listenerPort: b.listenerPort, port: b.port, error: b.error,
    }));
  }

  /** Which TCP relay carries the TCP entries. */
  get tcpBackend(): 'native' | 'node' {
    return this.#tcpBackend.kind;
  }

  /** Bring the counters up to date with bytes the TCP relay moved but did not report yet (native). */
  sync(): void {
    if (this.#tcp.size > 0) this.#tcpBackend.sync();
  }

  /** Counters of one endpoint in one group (zeros when it never had a flow); call sync() first for the latest TCP bytes. */
  counters(groupArn: string, endpointId: string): EndpointCounters {
    return this.#counters.get(`${groupArn}|${endpointId}`) ?? newCounters();
  }

  allCounters(): Map<string, EndpointCounters> {
    this.sync();
    return this.#counters;
  }

  get activeFlows(): { tcp: number; udp: number } {
    return { tcp: this.#tcp.size, udp: this.#udpCount.value };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    const all = [...this.#bindings.values()];
    this.#bindings.clear();
    await Promise.all(all.map((b) => this.#unbind(b)));
    await this.#tcpBackend.close();
  }

  // ---- binding ---------------------------------------------------------------------------

  #bind(b: Binding): Promise<void> {
    const wantPort = this.boundPortFor(b.listenerPort);
    return new Promise((resolve) => {
      const failed = (err: NodeJS.ErrnoException) => {
        const e = new BindError(b.protocol, b.address, wantPort, { cause: err });
        b.error = e.message;
        if (errorChannel.hasSubscribers) errorChannel.publish({ error: e, entry: { address: b.address, protocol: b.protocol, listenerPort: b.listenerPort } });
        resolve();
      };
      if (b.protocol === 'TCP') {
        this.#tcpBackend.listen(b.address, wantPort, (clientAddress, clientPort) => this.#onTcp(b, clientAddress, clientPort)).then((entry) => {
          b.tcp = entry;
          b.port = entry.port;
          if (!this.#bindings.has(b.key) || this.#closed) {
            b.tcp = undefined;
            return entry.close();
          }
          return undefined;
        }, failed).finally(resolve);
      } else {
        const socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024, sendBufferSize: 4 * 1024 * 1024 });
        socket.once('error', failed);
        socket.bind({ address: b.address, port: wantPort, exclusive: true }, () => {
          socket.removeListener('error', failed);
          socket.on('error', (err) => errorChannel.hasSubscribers && errorChannel.publish({ error: err }));
          b.socket = socket;
          b.flows = new Map();
          b.port = socket.address().port;
          socket.on('message', (msg, rinfo) => this.#onDatagram(b, msg, rinfo));
          if (!this.#bindings.has(b.key) || this.#closed) {
            socket.close();
            b.socket = undefined;
          }
          resolve();
        });
      }
    });
  }

  #unbind(b: Binding): Promise<void> {
    return new Promise((resolve) => {
      if (b.flows) for (const f of [...b.flows.values()]) this.#endUdp(f);
      if (b.tcp) {
        const entry = b.tcp;
        b.tcp = undefined;
        void entry.close().then(resolve);
      } else if (b.socket) {
        const s = b.socket;
        b.socket = undefined;
        s.close(() => resolve());
      } else resolve();
    });
  }

  // ---- routing ---------------------------------------------------------------------------

  #compiled(b: Binding, vantageKey: string, lat: number, lon: number, override: readonly string[]): CachedRoute {
    const key = `${b.listener.arn}|${vantageKey}`;
    const cached = this.#routes.get(key);
    if (cached && cached.generation === this.#generation && cached.listenerGroups === b.listener.groups) return cached;
    const byRegion = new Map(b.listener.groups.map((g) => [g.region, g]));
    const ordered = orderByProximity({ lat, lon }, [...byRegion.keys()], override).map((r) => byRegion.get(r) as DeployedGroup);
    const route = compileRoute(ordered.map((g): RouteGroup => ({
      region: g.region,
      dial: g.dial,
      endpoints: g.endpoints.map((e) => ({ id: e.id, weight: e.weight, healthy: this.#health.healthy(g.arn, e.id) && this.#registry.get(e.id) !== undefined })),
    })));
    const entry: CachedRoute = { generation: this.#generation, route, listenerGroups: b.listener.groups, ordered };
    this.#routes.set(key, entry);
    return entry;
  }

  /** Route a new flow; undefined (and a counted drop) when it has nowhere to go. */
  #route(b: Binding, protocol: Protocol, clientAddress: string, clientPort: number): { route: Route; edge: string | undefined } | undefined {
    const where = this.#vantages.locate(clientAddress);
    const cached = this.#compiled(b, where.key, where.lat, where.lon, where.override);
    const hash = b.listener.affinity === 'SOURCE_IP' ? sourceIpHash(clientAddress, b.address) : fiveTupleHash(protocol, clientAddress, clientPort, b.address, b.listenerPort);
    const pick = pickFlow(cached.route, hash);
    if (!pick) {
      this.drops.no_route++;
      return undefined;
    }
    const group = cached.ordered[pick.group] as DeployedGroup;
    const ep = group.endpoints[pick.endpoint] as { id: string; weight: number; preserve: boolean };
    const reg = this.#registry.get(ep.id);
    if (!reg) {
      this.drops.endpoint_unregistered++;
      return undefined;
    }
    const endpointPort = group.portOverrides.get(b.listenerPort) ?? b.listenerPort;
    const ckey = `${group.arn}|${ep.id}`;
    let counters = this.#counters.get(ckey);
    if (!counters) {
      counters = newCounters();
      this.#counters.set(ckey, counters);
    }
    counters.flows++;
    counters.active++;
    counters.byVia[pick.via]++;
    const route: Route = { group, endpointId: ep.id, address: reg.address, port: EndpointRegistry.realPort(reg, endpointPort), preserve: ep.preserve, via: pick.via, counters };
    if (flowChannel.hasSubscribers) {
      flowChannel.publish({
        protocol, client: clientAddress, clientPort, entry: b.address, listenerPort: b.listenerPort, region: group.region, endpointId: ep.id, via: pick.via,
        preserved: ep.preserve, endpoint: `${reg.address}:${route.port}`,
      });
    }
    return { route, edge: where.edge };
  }

  // ---- TCP -------------------------------------------------------------------------------

  /** A new connection on a TCP entry: route it (undefined: the backend resets it), the backend relays it. */
  #onTcp(b: Binding, clientAddress: string, clientPort: number): TcpFlow | undefined {
    if (this.#closed) return undefined;
    const routed = this.#route(b, 'TCP', clientAddress, clientPort);
    if (!routed) return undefined;
    const { route, edge } = routed;
    const now = Date.now();
    const f: TcpFlow = {
      binding: b, route, clientAddress, clientPort, edge, started: now, windowStart: now, lastActive: now,
      packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0, sourcePort: undefined, sourceAddress: undefined,
      address: route.address, port: route.port, localAddress: route.preserve ? clientAddress : b.address,
      wantsLocalPort: b.acc.flowLogs.enabled && this.#flowLogs.enabled,
    };
    this.#tcp.add(f);
    return f;
  }

  // ---- UDP -------------------------------------------------------------------------------

  #onDatagram(b: Binding, msg: Buffer, rinfo: RemoteInfo): void {
    const flows = b.flows as Map<string, UdpFlow>;
    if (msg.length > this.#o.udp.maxDatagramBytes) {
      this.drops.oversized++;
      return;
    }
    const key = `${rinfo.address}:${rinfo.port}`;
    let f = flows.get(key);
    if (f === undefined) {
      const created = this.#newUdpFlow(b, key, rinfo.address, rinfo.port);
      if (!created) return;
      f = created;
    }
    f.lastActive = Date.now();
    f.packetsIn++;
    f.bytesIn += msg.length;
    const c = f.route.counters;
    c.packetsIn++;
    c.bytesIn += msg.length;
    if (f.ready) f.socket.send(msg);
    else (f.queue ??= []).push(Buffer.from(msg));
  }

  #newUdpFlow(b: Binding, key: string, clientAddress: string, clientPort: number): UdpFlow | undefined {
    if (this.#udpCount.value >= this.#o.udp.maxFlows) {
      const oldest = this.#evictableUdp();
      if (oldest) {
        this.drops.evicted++;
        this.#endUdp(oldest);
      }
    }
    const routed = this.#route(b, 'UDP', clientAddress, clientPort);
    if (!routed) return undefined;
    const { route, edge } = routed;
    const socket = createSocket('udp4');
    const now = Date.now();
    const f: UdpFlow = {
      binding: b, route, clientAddress, clientPort, edge, started: now, windowStart: now, lastActive: now, packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0,
      sourcePort: undefined, sourceAddress: undefined, key, socket, ready: false, queue: undefined, closed: false,
    };
    (b.flows as Map<string, UdpFlow>).set(key, f);
    this.#udpCount.value++;
    socket.on('error', () => {
      this.drops.upstream_error++;
      this.#endUdp(f);
    });
    const c = route.counters;
    socket.on('message', (m) => {
      f.lastActive = Date.now();
      f.packetsOut++;
      f.bytesOut += m.length;
      c.packetsOut++;
      c.bytesOut += m.length;
      b.socket?.send(m, f.clientPort, f.clientAddress);
    });
    socket.bind({ address: route.preserve ? clientAddress : b.address, port: 0 }, () => {
      if (f.closed) return;
      socket.connect(route.port, route.address, () => {
        if (f.closed) return;
        const a = socket.address();
        f.sourceAddress = a.address;
        f.sourcePort = a.port;
        f.ready = true;
        if (f.queue) for (const m of f.queue) socket.send(m);
        f.queue = undefined;
      });
    });
    return f;
  }

  /**
   * The flow to end for a new one at udp.maxFlows: the oldest by creation (Map order) that saw
   * no datagram in the last RECENT_MS. A recently active flow met on the way moves to the back,
   * so a reused 5-tuple is not evicted with its answer in flight (at most 64 moves per call).
   */
  #evictableUdp(): UdpFlow | undefined {
    const now = Date.now();
    let oldest: UdpFlow | undefined;
    for (const b of this.#bindings.values()) {
      const flows = b.flows;
      if (!flows) continue;
      for (let moved = 0; moved < 64; moved++) {
        const first = flows.values().next().value as UdpFlow | undefined;
        if (!first) break;
        if (now - first.lastActive >= RECENT_MS || flows.size === 1) {
          if (!oldest || first.lastActive < oldest.lastActive) oldest = first;
          break;
        }
        flows.delete(first.key);
        flows.set(first.key, first);
      }
      const head = flows.values().next().value as UdpFlow | undefined;
      if (!oldest && head) oldest = head;
    }
    return oldest;
  }

  #endUdp(f: UdpFlow): void {
    if (f.closed) return;
    f.closed = true;
    f.binding.flows?.delete(f.key);
    this.#udpCount.value--;
    f.route.counters.active--;
    try {
      f.socket.close();
    } catch {
      // already closed by an error
    }
    this.#account(f, true);
  }

  // ---- accounting ------------------------------------------------------------------------

  /** Close a flow's capture window: its flow log records (when the accelerator logs flows). */
  #account(f: FlowBase, final: boolean): void {
    const acc = f.binding.acc;
    const now = Date.now();
    if (acc.flowLogs.enabled && this.#flowLogs.enabled && (final || f.packetsIn + f.packetsOut > 0)) {
      const base = {
        accountId: this.#o.accountId, acceleratorId: acc.id, clientIp: f.clientAddress, clientPort: f.clientPort, acceleratorIp: f.binding.address,
        acceleratorPort: f.binding.listenerPort, endpointIp: f.route.address, endpointPort: f.route.port, protocol: f.binding.protocol,
        startTime: f.windowStart / 1000, endTime: now / 1000, action: 'ACCEPT' as const, gaSourceIp: f.sourceAddress, gaSourcePort: f.sourcePort,
        endpointRegion: f.route.group.region, edge: f.edge, preserved: f.route.preserve, vpcId: undefined,
      };
      const records: FlowRecord[] = [
        { ...base, direction: 'INGRESS', packets: f.packetsIn, bytes: f.bytesIn },
        { ...base, direction: 'EGRESS', packets: f.packetsOut, bytes: f.bytesOut },
      ];
      for (const r of records) this.#flowLogs.write(r, acc.flowLogs.bucket, acc.flowLogs.prefix);
    }
    f.packetsIn = f.bytesIn = f.packetsOut = f.bytesOut = 0;
    f.windowStart = now;
  }

  /** End idle UDP flows; close the capture window of long flows. */
  #sweep(): void {
    const now = Date.now();
    const idle = this.#o.udp.idleTimeoutSeconds * 1000;
    const window = this.#o.flowLogs.captureWindowSeconds * 1000;
    for (const b of this.#bindings.values()) {
      if (!b.flows) continue;
      for (const f of b.flows.values()) {
        if (now - f.lastActive >= idle) this.#endUdp(f);
        else if (now - f.windowStart >= window) this.#account(f, false);
      }
    }
    if (this.#tcp.size === 0) return;
    this.#tcpBackend.sync();
    for (const f of this.#tcp) if (now - f.windowStart >= window) this.#account(f, false);
  }
}
