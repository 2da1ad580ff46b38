/**
 * The emulator as one object: createEmulator(options) -> start() binds the API server;
 * accelerators created through the API deploy after `deploySeconds` and the data plane binds
 * their entries; close() stops everything and leaves nothing bound. It wires the parts
 * together and owns the deploy timers: control plane (src/control.ts), API front
 * (src/api/server.ts), registry and vantages (src/registry.ts), health checks (src/health.ts),
 * data plane (src/dataplane.ts), flow logs and metrics.
 */
import { channel } from 'node:diagnostics_channel';
import type { Server } from 'node:http';
import { ApiError, BindError, InvalidStateError } from './errors.js';
import { API_CHANNEL, applyFault, createApiServer } from './api/server.js';
import { ControlPlane } from './control.js';
import type { AcceleratorRecord, HealthState } from './control.js';
import { DataPlane, ERROR_CHANNEL, FLOW_CHANNEL, deployedView } from './dataplane.js';
import type { DropReason, EndpointCounters, EntryInfo } from './dataplane.js';
import { Faults } from './faults.js';
import { FlowLogWriter } from './flowlog.js';
import { HEALTH_CHANNEL, HealthChecker } from './health.js';
import type { HealthTarget } from './health.js';
import { renderMetrics } from './metrics.js';
import { resolveOptions } from './options.js';
import type { EmulatorOptions, ResolvedOptions, Vantage } from './options.js';
import { EndpointRegistry, VantageTable } from './registry.js';
import { chooseTcpBackend } from './tcp.js';
import type { LatLon } from './routing.js';

/** diagnostics_channel of accelerator status changes: `{ acceleratorArn, status: 'IN_PROGRESS' | 'DEPLOYED' | 'DELETED' }`. */
export const DEPLOY_CHANNEL = 'anycast-origin:ga-emulator:deploy';
const deployChannel = channel(DEPLOY_CHANNEL);

/** Every diagnostics_channel the emulator publishes on. */
export const CHANNELS = Object.freeze({ api: API_CHANNEL, deploy: DEPLOY_CHANNEL, health: HEALTH_CHANNEL, flow: FLOW_CHANNEL, error: ERROR_CHANNEL });

export interface EndpointState {
  readonly id: string;
  readonly weight: number;
  readonly clientIpPreservation: boolean;
  readonly health: HealthState;
  readonly healthReason: string | undefined;
  /** From the registry (undefined when the id is no longer registered). */
  readonly address: string | undefined;
  readonly counters: Readonly<EndpointCounters>;
}

export interface EmulatorState {
  readonly apiUrl: string | undefined;
  readonly accelerators: readonly {
    readonly arn: string;
    readonly id: string;
    readonly name: string;
    readonly enabled: boolean;
    readonly status: 'IN_PROGRESS' | 'DEPLOYED';
    readonly addresses: readonly string[];
    readonly dnsName: string;
    readonly flowLogs: { readonly enabled: boolean; readonly bucket: string | undefined; readonly prefix: string | undefined };
    /** When the configuration below was deployed (ms since the epoch), undefined before the first deploy. */
    readonly deployedAt: number | undefined;
    /** The deployed configuration (what the data plane applies), with its entries and counters. */
    readonly listeners: readonly {
      readonly arn: string;
      readonly id: string;
      readonly protocol: 'TCP' | 'UDP';
      readonly clientAffinity: 'NONE' | 'SOURCE_IP';
      readonly ports: readonly number[];
      readonly unboundPorts: readonly number[];
      readonly entries: readonly EntryInfo[];
      readonly endpointGroups: readonly {
        readonly arn: string;
        readonly region: string;
        readonly trafficDial: number;
        readonly healthCheck: { readonly protocol: string; readonly port: number; readonly path: string; readonly intervalSeconds: number; readonly threshold: number };
        readonly portOverrides: Readonly<Record<number, number>>;
        readonly endpoints: readonly EndpointState[];
      }[];
    }[];
  }[];
  readonly endpoints: readonly { readonly id: string; readonly address: string; readonly region: string | undefined; readonly ports: Readonly<Record<number, number>> }[];
  readonly vantages: readonly Vantage[];
  readonly defaultLocation: LatLon;
  readonly activeFlows: { readonly tcp: number; readonly udp: number };
  /** What relays TCP entries (the `tcpBackend` option), and why 'auto' did not get native (undefined when it did or was not asked to). */
  readonly tcpBackend: { readonly kind: 'native' | 'node' | undefined; readonly fallback: string | undefined };
  readonly drops: Readonly<Record<DropReason, number>>;
  readonly healthChecks: { readonly checks: number; readonly passed: number; readonly failed: number };
  readonly api: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly flowLogRecords: number;
}

export interface Emulator {
  /** Load the TCP relay (tcpBackend) and bind the API server. Resolves with its URL; rejects with BindError, or InvalidOptionError for tcpBackend native where @anycast-origin/tcp-relay does not load. */
  start(): Promise<{ apiUrl: string }>;
  /** Stop health checks, close every entry, flow and the API server; flush flow logs. Idempotent. */
  close(): Promise<void>;
  /** `http://host:port` of the API (after start()). */
  readonly apiUrl: string;
  /** Run an API operation in-process, as over HTTP (faults included). Rejects with ApiError. */
  call(operation: string, input?: unknown): Promise<unknown>;
  /** Resolves once the accelerator (or every accelerator) is DEPLOYED and its entries are bound. */
  deployed(acceleratorArn?: string): Promise<void>;
  /** The bound entries (all, or one accelerator's). */
  entries(acceleratorArn?: string): EntryInfo[];
  state(): EmulatorState;
  /** Prometheus text (also served at GET /metrics). */
  metrics(): string;
  readonly endpoints: EndpointRegistry;
  readonly vantages: VantageTable;
  readonly faults: Faults;
  readonly options: ResolvedOptions;
}

const lastPart = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

/** Create an emulator (nothing bound until start()). Throws InvalidOptionError. */
export function createEmulator(options: EmulatorOptions = {}): Emulator {
  const o = resolveOptions(options);
  let dataPlane: DataPlane | undefined;
  let tcpFallback: string | undefined;
  const invalidate = () => dataPlane?.invalidate();
  const registry = new EndpointRegistry(o.endpoints, invalidate);
  const vantages = new VantageTable(o.vantages, o.defaultLocation, invalidate);
  const health = new HealthChecker(registry, o.healthCheck.timeoutMs, invalidate);
  const flowLogs = new FlowLogWriter(o.flowLogs.stream, o.flowLogs.directory, (error) => {
    const ch = channel(ERROR_CHANNEL);
    if (ch.hasSubscribers) ch.publish({ error });
  });
  const faults = new Faults(o.faults, o.faultSeed);
  const timers = new Map<string, NodeJS.Timeout>();
  const waiters = new Map<string, (() => void)[]>();
  const apiCounts = new Map<string, Map<string, number>>();
  let server: Server | undefined;
  let apiUrl: string | undefined;
  let phase: 'idle' | 'starting' | 'running' | 'closing' | 'closed' = 'idle';
  let applying: Promise<void> = Promise.resolve();

  const healthTargets = (): HealthTarget[] => (dataPlane?.deployedAll() ?? []).filter((a) => a.enabled).flatMap((a) => a.listeners.flatMap((l) => l.groups.flatMap((g) => g.endpoints.map((e) => ({
    acceleratorArn: a.arn, groupArn: g.arn, region: g.region, endpointId: e.id, protocol: g.healthCheck.protocol, port: g.healthCheck.port,
    path: g.healthCheck.path, intervalSeconds: g.healthCheck.intervalSeconds, threshold: g.healthCheck.threshold,
  })))));

  const settle = (arn: string) => {
    const list = waiters.get(arn) ?? [];
    waiters.delete(arn);
    for (const w of list) w();
  };

  const deploy = (acc: AcceleratorRecord) => {
    timers.delete(acc.arn);
    if (phase !== 'running' || control.get(acc.arn) !== acc) return;
    control.markDeployed(acc.arn);
    const view = deployedView(acc, o.maxBoundPorts);
    applying = applying.then(async () => {
      await dataPlane?.apply(acc.arn, view);
      health.sync(healthTargets());
      if (deployChannel.hasSubscribers) deployChannel.publish({ acceleratorArn: acc.arn, status: 'DEPLOYED' });
      settle(acc.arn);
    });
  };

  const control = new ControlPlane(o, {
    changed(acc, kind) {
      clearTimeout(timers.get(acc.arn));
      timers.delete(acc.arn);
      if (kind === 'delete') {
        applying = applying.then(async () => {
          await dataPlane?.apply(acc.arn, undefined);
          health.sync(healthTargets());
          if (deployChannel.hasSubscribers) deployChannel.publish({ acceleratorArn: acc.arn, status: 'DELETED' });
          settle(acc.arn);
        });
        return;
      }
      if (deployChannel.hasSubscribers) deployChannel.publish({ acceleratorArn: acc.arn, status: 'IN_PROGRESS' });
      const t = setTimeout(() => deploy(acc), o.deploySeconds * 1000);
      t.unref();
      timers.set(acc.arn, t);
    },
    health: (groupArn, endpointId) => health.get(groupArn, endpointId),
    endpoint: (id) => registry.get(id),
  });

  const running = (what: string) => {
    if (phase !== 'running') throw new InvalidStateError(`${what}: the emulator is ${phase === 'idle' ? 'not started' : phase} (call start() first)`);
  };

  const count = (operation: string, outcome: string) => {
    let m = apiCounts.get(operation);
    if (!m) apiCounts.set(operation, (m = new Map()));
    m.set(outcome, (m.get(outcome) ?? 0) + 1);
  };

  const call = async (operation: string, input: unknown = {}): Promise<unknown> => {
    running(`call(${operation})`);
    await applyFault(faults.draw(operation));
    return control.call(operation, input);
  };

  const state = (): EmulatorState => {
    dataPlane?.sync();
    const entries = dataPlane?.entries() ?? [];
    return {
      apiUrl,
      accelerators: control.accelerators().map((acc) => {
        const view = dataPlane?.deployed(acc.arn);
        return {
          arn: acc.arn, id: acc.id, name: acc.name, enabled: acc.enabled, status: acc.status, addresses: [...acc.addresses], dnsName: acc.dnsName,
          flowLogs: { ...acc.flowLogs }, deployedAt: view?.deployedAt,
          listeners: (view?.listeners ?? []).map((l) => ({
            arn: l.arn, id: lastPart(l.arn), protocol: l.protocol, clientAffinity: l.affinity, ports: l.ports, unboundPorts: l.unbound,
            entries: entries.filter((e) => e.listenerArn === l.arn),
            endpointGroups: l.groups.map((g) => ({
              arn: g.arn, region: g.region, trafficDial: g.dial, healthCheck: { ...g.healthCheck }, portOverrides: Object.fromEntries(g.portOverrides),
              endpoints: g.endpoints.map((e): EndpointState => {
                const h = health.get(g.arn, e.id);
                const c = dataPlane?.counters(g.arn, e.id);
                return {
                  id: e.id, weight: e.weight, clientIpPreservation: e.preserve, health: h.state, healthReason: h.reason, address: registry.get(e.id)?.address,
                  counters: c ? { ...c, byVia: { ...c.byVia } } : { flows: 0, active: 0, packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0, byVia: { dial: 0, failover: 0, 'fail-open': 0 } },
                };
              }),
            })),
          })),
        };
      }),
      endpoints: registry.list().map((e) => ({ id: e.id, address: e.address, region: e.region, ports: Object.fromEntries(e.ports) })),
      vantages: vantages.list(),
      defaultLocation: vantages.defaultLocation,
      activeFlows: dataPlane?.activeFlows ?? { tcp: 0, udp: 0 },
      tcpBackend: { kind: dataPlane?.tcpBackend, fallback: tcpFallback },
      drops: { ...(dataPlane?.drops ?? { no_route: 0, endpoint_unregistered: 0, oversized: 0, upstream_error: 0, evicted: 0 }) },
      healthChecks: { ...health.counts },
      api: Object.fromEntries([...apiCounts].map(([op, m]) => [op, Object.fromEntries(m)])),
      flowLogRecords: flowLogs.records,
    };
  };

  const emulator: Emulator = {
    options: o,
    endpoints: registry,
    vantages,
    faults,
    get apiUrl(): string {
      if (apiUrl === undefined) throw new InvalidStateError('apiUrl: the emulator is not started (call start() first)');
      return apiUrl;
    },
    async start() {
      if (phase !== 'idle') throw new InvalidStateError(`start(): the emulator is ${phase}; start() can be called once`);
      phase = 'starting';
      let tcp;
      try {
        tcp = await chooseTcpBackend(o.tcpBackend);
      } catch (e) {
        phase = 'closed';
        throw e;
      }
      tcpFallback = tcp.fallback;
      dataPlane = new DataPlane(o, registry, vantages, health, flowLogs, tcp);
      const s = createApiServer({ call, metrics: () => renderMetrics(state()), state, count });
      try {
        await new Promise<void>((resolve, reject) => {
          s.once('error', reject);
          s.listen({ host: o.host, port: o.port, exclusive: true }, () => {
            s.removeListener('error', reject);
            resolve();
          });
        });
      } catch (e) {
        phase = 'closed';
        await dataPlane.close();
        throw new BindError('TCP', o.host, o.port, { cause: e });
      }
      server = s;
      apiUrl = `http://${o.host}:${(s.address() as { port: number }).port}`;
      phase = 'running';
      return { apiUrl };
    },
    async close() {
      if (phase === 'closed' || phase === 'closing') return;
      const wasRunning = phase === 'running';
      phase = 'closing';
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      health.close();
      await applying;
      if (wasRunning || dataPlane) await dataPlane?.close();
      if (server) {
        const s = server;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        });
      }
      await flowLogs.flush();
      phase = 'closed';
      for (const arn of [...waiters.keys()]) settle(arn);
    },
    call,
    deployed(acceleratorArn?: string): Promise<void> {
      running('deployed()');
      const pending = acceleratorArn === undefined ? control.accelerators().filter((a) => a.status === 'IN_PROGRESS').map((a) => a.arn) : [acceleratorArn];
      return Promise.all(pending.map((arn) => {
        const acc = control.get(arn);
        if (!acc) {
          if (acceleratorArn !== undefined) return Promise.reject(new ApiError('AcceleratorNotFoundException', `Accelerator not found: ${arn}`));
          return Promise.resolve();
        }
        if (acc.status === 'DEPLOYED' && !timers.has(arn)) return applying;
        return new Promise<void>((resolve) => {
          const list = waiters.get(arn) ?? [];
          list.push(resolve);
          waiters.set(arn, list);
        });
      })).then(() => undefined);
    },
    entries(acceleratorArn?: string) {
      const all = dataPlane?.entries() ?? [];
      return acceleratorArn === undefined ? all : all.filter((e) => e.acceleratorArn === acceleratorArn);
    },
    state,
    metrics: () => renderMetrics(state()),
  };
  return emulator;
}
