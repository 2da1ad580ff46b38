/**
 * The lab: the service of one config on this machine. `startLab()` starts an origin process
 * per instance (src/origin-process.ts), the Global Accelerator emulator with the instances in
 * its endpoint registry and the vantage points in its vantage table, builds the accelerator
 * through the emulator's own API as infra would through AWS's (accelerator, a listener per
 * config listener, an endpoint group per region and listener with the config's dial, weights,
 * health check and client IP preservation), and resolves once every endpoint is HEALTHY. The
 * returned Lab drives the drills (kill, terminate, restart an instance) and stops everything.
 *
 * Shortened timings: AWS checks health every 10 or 30 s and deploys a change in about a minute;
 * the lab takes any interval from 0.1 s and any deploy time, so a failover takes seconds.
 * The accelerator is built in one burst (one deploy, not one per resource): the emulator runs
 * with `transactionInProgress: 'modeled'`, the rule AWS's API model states (only AddEndpoints
 * and RemoveEndpoints refuse to run while a change deploys).
 */
import { createSocket } from 'node:dgram';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { drainSecondsFor } from '@anycast-origin/config';
import type { AnycastConfig } from '@anycast-origin/config';
import { createEmulator } from '@anycast-origin/ga-emulator';
import type { Emulator } from '@anycast-origin/ga-emulator';
import { parseHostPort } from '@anycast-origin/net';
import { InvalidStateError, StartError } from './errors.js';
import { OriginProcess } from './origin-process.js';
import type { Exit } from './origin-process.js';
import { planInstances, planVantagePoints, portMapFor } from './plan.js';
import type { InstancePlan, VantagePoint, VantageSpec } from './plan.js';

export interface LabSpec {
  readonly config: AnycastConfig;
  /** The file the config came from (named in errors). */
  readonly configFile: string;
  /** `127.0.0.1:4599`; port 0 is ephemeral. */
  readonly api: string;
  /** Every endpoint group's health-check interval. */
  readonly healthIntervalSeconds: number;
  readonly deploySeconds: number;
  readonly originAddresses: string;
  readonly vantageAddresses: string;
  readonly entryAddresses: string;
  readonly originHttpPort: number;
  readonly originDnsPort: number;
  readonly entryPorts: 'offset-privileged' | 'same' | 'ephemeral';
  readonly vantagePoints: readonly VantageSpec[];
  /** Each origin's output goes to `<logs>/<instance id>.log`. */
  readonly logs?: string | undefined;
  readonly startTimeoutSeconds: number;
}

/** The state file's JSON (the contract scripts rely on). */
export interface LabState {
  api: string;
  accelerator: { arn: string; ipAddresses: string[] };
  listeners: { protocol: 'TCP' | 'UDP'; port: number; entries: string[] }[];
  endpoints: { id: string; region: string; availabilityZone: string; address: string; http: number; dns: number }[];
  vantagePoints: { id: number; name: string; address: string; latitude: number; longitude: number }[];
}

export interface Instance extends InstancePlan {
  /** The running process (undefined while stopped). */
  readonly process: OriginProcess | undefined;
  readonly httpPort: number;
  readonly dnsPort: number;
}

export interface Lab {
  readonly emulator: Emulator;
  readonly apiUrl: string;
  readonly acceleratorArn: string;
  readonly config: AnycastConfig;
  readonly instances: readonly Instance[];
  readonly vantagePoints: readonly VantagePoint[];
  /** Seconds an origin keeps serving after SIGTERM (labDrainSeconds): also the drills' health window. */
  readonly drainSeconds: number;
  /** Seconds from startLab() to every endpoint HEALTHY. */
  readonly startupSeconds: number;
  /** Seconds from startLab() to each phase: every origin serving, the accelerator DEPLOYED, every endpoint HEALTHY. */
  readonly startup: { readonly originsServing: number; readonly deployed: number; readonly healthy: number };
  state(): LabState;
  /** The entry `addr:port` of a listener (first static address, or the second with which = 1). */
  entry(protocol: 'TCP' | 'UDP', port: number, which?: 0 | 1): string;
  instance(idOrIdentity: string): Instance;
  vantage(name: string): VantagePoint;
  /** SIGKILL: the instance dies as a host does. Resolves once the process is gone. */
  kill(instanceId: string): Promise<Exit>;
  /** SIGTERM: the origin drains (health check fails, serving goes on) and exits. Resolves at exit. */
  terminate(instanceId: string): Promise<Exit>;
  /** Start a stopped instance again, on its address and ports. */
  restart(instanceId: string): Promise<void>;
  /** Stop everything: origins drain (`drain: true`) or close at once, then the emulator. Idempotent. */
  stop(options?: { drain?: boolean }): Promise<void>;
  /** Resolves when stop() has finished. */
  readonly stopped: Promise<void>;
}

export interface LabHooks {
  /** An origin process exited on its own (not through kill/terminate/stop). */
  onOriginExit?: (instance: Instance, exit: Exit) => void;
  /** Aborting while the lab starts stops what has started and rejects (StartError `interrupted`). */
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How long a lab origin drains, and the health window of the drills: what infra gives a host
 * (`drainSecondsFor`: interval x threshold until the accelerator marks it unhealthy, plus one
 * interval for the change to reach every edge), with that last interval at least 1 s: with
 * sub-second intervals on a shared machine, a health check can run a little late.
 */
export function labDrainSeconds(intervalSeconds: number, thresholdCount: number): number {
  const infra = drainSecondsFor({ intervalSeconds: intervalSeconds as 10, thresholdCount });
  return infra + Math.max(0, 1 - intervalSeconds);
}

type Rec = Record<string, unknown>;

/** Start the lab; resolves once every endpoint is HEALTHY. On failure everything started is stopped. */
export async function startLab(spec: LabSpec, hooks: LabHooks = {}): Promise<Lab> {
  const t0 = performance.now();
  const { config } = spec;
  const plans = planInstances(config, spec.originAddresses);
  const vantagePoints = planVantagePoints(spec.vantagePoints, spec.vantageAddresses);
  const threshold = Math.max(...config.listeners.map((l) => l.healthCheck.thresholdCount));
  const drainSeconds = labDrainSeconds(spec.healthIntervalSeconds, threshold);
  const api = parseHostPort(spec.api, { label: 'api' });
  if (spec.logs) mkdirSync(spec.logs, { recursive: true });

  interface Slot { plan: InstancePlan; process: OriginProcess | undefined; httpPort: number; dnsPort: number; expected: boolean }
  const slots: Slot[] = plans.map((plan) => ({ plan, process: undefined, httpPort: spec.originHttpPort, dnsPort: spec.originDnsPort, expected: false }));
  const view = (s: Slot): Instance => ({ ...s.plan, process: s.process, httpPort: s.httpPort, dnsPort: s.dnsPort });

  const launch = async (s: Slot): Promise<void> => {
    // "0" is the lab's to pick: an origin given an explicit port can be restarted on it (see freePort)
    if (s.httpPort === 0) s.httpPort = await freePort(s.plan.address, 'tcp');
    if (s.dnsPort === 0) s.dnsPort = await freePort(s.plan.address, 'tcp+udp', s.httpPort);
    const p = await OriginProcess.start({
      instanceId: s.plan.instanceId, availabilityZone: s.plan.availabilityZone, address: s.plan.address,
      httpPort: s.httpPort, dnsPort: s.dnsPort, drainSeconds,
      logFile: spec.logs ? join(spec.logs, `${s.plan.instanceId}.log`) : undefined,
      startTimeoutMs: spec.startTimeoutSeconds * 1000,
    });
    s.process = p;
    s.httpPort = p.httpPort;
    s.dnsPort = p.dnsPort;
    s.expected = false;
    void p.exited.then((exit) => {
      if (s.process === p) s.process = undefined;
      if (!s.expected && !stopping) hooks.onOriginExit?.(view(s), exit);
    });
  };

  const emulator = createEmulator({
    host: api.host, port: api.port, deploySeconds: spec.deploySeconds, transactionInProgress: 'modeled',
    addressPool: spec.entryAddresses, unmappedPorts: spec.entryPorts,
    healthCheck: { minIntervalSeconds: 0.1 },
    vantages: vantagePoints.map((v) => ({ address: v.address, lat: v.latitude, lon: v.longitude, name: v.name })),
  });
  let stopping = false;
  let stopPromise: Promise<void> | undefined;
  let resolveStopped: () => void = () => {};
  const stopped = new Promise<void>((r) => (resolveStopped = r));

  const stop = (options: { drain?: boolean } = {}): Promise<void> => {
    if (stopPromise && options.drain !== false) return stopPromise;
    const first = !stopping;
    stopping = true;
    const running = slots.filter((s) => s.process?.running);
    for (const s of running) {
      s.expected = true;
      // a second SIGTERM makes a draining origin close at once
      s.process?.signal('SIGTERM');
      if (options.drain === false && first) s.process?.signal('SIGTERM');
    }
    const all = (async () => {
      const graceMs = (options.drain === false ? 0 : drainSeconds * 1000) + 5000;
      await Promise.race([Promise.all(running.map((s) => s.process?.exited)), sleep(graceMs)]);
      for (const s of running) s.process?.signal('SIGKILL');
      await Promise.all(running.map((s) => s.process?.exited));
      await emulator.close();
      resolveStopped();
    })();
    stopPromise = all;
    return all;
  };

  const interrupted = () => new StartError('the lab did not start: interrupted');
  const onAbort = () => void stop({ drain: false });
  hooks.signal?.addEventListener('abort', onAbort);
  try {
    if (hooks.signal?.aborted) throw interrupted();
    // the API and every origin at once: the origins' start-up (Node, uWS, the DNS origin) is most of the lab's
    const started = await Promise.allSettled([emulator.start(), ...slots.map((s) => launch(s))]);
    if (stopping) throw interrupted();
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const since = () => (performance.now() - t0) / 1000;
    const originsServing = since();
    const portMap = (s: Slot) => portMapFor(config.listeners, { http: s.httpPort, dns: s.dnsPort }, spec.configFile);
    for (const s of slots) emulator.endpoints.register(s.plan.instanceId, { address: s.plan.address, region: s.plan.region as never, ports: portMap(s) });
    const arn = await build(emulator, config, plans, spec.healthIntervalSeconds);
    await emulator.deployed(arn);
    const deployed = since();
    await waitHealthy(emulator, arn, spec.startTimeoutSeconds * 1000, () => stopping);
    if (stopping) throw interrupted();
    const startupSeconds = since();

    const slotOf = (id: string): Slot => {
      const s = slots.find((x) => x.plan.instanceId === id || x.plan.identity === id);
      if (!s) throw new InvalidStateError(`no instance ${id} in the lab (instances: ${slots.map((x) => x.plan.instanceId).join(', ')})`);
      return s;
    };
    const runningSlot = (id: string, what: string): Slot & { process: OriginProcess } => {
      const s = slotOf(id);
      if (stopping) throw new InvalidStateError(`${what} ${id}: the lab is stopping`);
      if (!s.process?.running) throw new InvalidStateError(`${what} ${id}: the instance is not running`);
      return s as Slot & { process: OriginProcess };
    };
    const entry = (protocol: 'TCP' | 'UDP', port: number, which: 0 | 1 = 0): string => {
      const list = emulator.entries(arn).filter((e) => e.protocol === protocol && e.listenerPort === port && e.port !== null).sort((a, b) => a.address.localeCompare(b.address, 'en', { numeric: true }));
      const e = list[which] ?? list[0];
      if (!e) throw new InvalidStateError(`no bound ${protocol} ${port} entry (listeners: ${config.listeners.map((l) => `${l.protocol} ${l.port}`).join(', ')})`);
      return `${e.address}:${e.port}`;
    };

    const lab: Lab = {
      emulator,
      apiUrl: emulator.apiUrl,
      acceleratorArn: arn,
      config,
      get instances() {
        return slots.map(view);
      },
      vantagePoints,
      drainSeconds,
      startupSeconds,
      startup: { originsServing, deployed, healthy: startupSeconds },
      state: () => labState(emulator, arn, slots.map(view), vantagePoints),
      entry,
      instance: (id) => view(slotOf(id)),
      vantage(name) {
        const v = vantagePoints.find((x) => x.name === name);
        if (!v) throw new InvalidStateError(`no vantage point ${name}`);
        return v;
      },
      async kill(id) {
        const s = runningSlot(id, 'kill');
        s.expected = true;
        s.process.signal('SIGKILL');
        return s.process.exited;
      },
      async terminate(id) {
        const s = runningSlot(id, 'terminate');
        s.expected = true;
        s.process.signal('SIGTERM');
        return s.process.exited;
      },
      async restart(id) {
        const s = slotOf(id);
        if (stopping) throw new InvalidStateError(`restart ${id}: the lab is stopping`);
        if (s.process?.running) throw new InvalidStateError(`restart ${id}: the instance is running`);
        try {
          await launch(s);
        } catch (e) {
          // an ephemeral port taken by someone else since: take new ones (the registry follows)
          if (spec.originHttpPort !== 0 && spec.originDnsPort !== 0) throw e;
          if (spec.originHttpPort === 0) s.httpPort = 0;
          if (spec.originDnsPort === 0) s.dnsPort = 0;
          await launch(s);
        }
        if (stopping) s.process?.signal('SIGKILL');
        emulator.endpoints.register(s.plan.instanceId, { address: s.plan.address, region: s.plan.region as never, ports: portMap(s) });
      },
      stop,
      stopped,
    };
    hooks.signal?.removeEventListener('abort', onAbort);
    return lab;
  } catch (e) {
    await stop({ drain: false });
    if (hooks.signal?.aborted) throw interrupted();
    throw e instanceof StartError || (e as { exitCode?: number }).exitCode !== undefined ? e : new StartError(`the lab did not start: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * A port free on `address` right now (TCP, or TCP and UDP for the DNS origin). The lab picks
 * ephemeral ports itself rather than passing 0 to the origins: uWebSockets.js binds port 0
 * without SO_REUSEADDR, and then the server-side TIME_WAITs of the health checks (the origin
 * closes HTTP/1.1 `Connection: close` requests) keep anyone from binding that port again for a
 * minute, so a killed instance could not come back on its address and port.
 */
export async function freePort(address: string, kind: 'tcp' | 'tcp+udp', not?: number): Promise<number> {
  for (let tries = 0; ; tries++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen({ host: address, port: 0, exclusive: true }, () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    if (port === not) continue;
    if (kind === 'tcp') return port;
    const udpFree = await new Promise<boolean>((resolve) => {
      const u = createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind({ address, port, exclusive: true }, () => u.close(() => resolve(true)));
    });
    if (udpFree || tries >= 20) return port;
  }
}

/** Build the config's accelerator through the emulator's API, in one burst; resolves with its ARN. */
async function build(emulator: Emulator, config: AnycastConfig, plans: readonly InstancePlan[], intervalSeconds: number): Promise<string> {
  const token = (what: string) => `anycast-lab-${what}`;
  const acc = ((await emulator.call('CreateAccelerator', {
    Name: config.acceleratorName, IpAddressType: 'IPV4', Enabled: true, IdempotencyToken: token('accelerator'),
    Tags: Object.entries(config.tags).map(([Key, Value]) => ({ Key, Value })),
  })) as Rec).Accelerator as Rec;
  const arn = acc.AcceleratorArn as string;
  for (const l of config.listeners) {
    const listener = ((await emulator.call('CreateListener', {
      AcceleratorArn: arn, Protocol: l.protocol, PortRanges: [{ FromPort: l.port, ToPort: l.port }], ClientAffinity: l.clientAffinity, IdempotencyToken: token(l.name),
    })) as Rec).Listener as Rec;
    for (const r of config.regions) {
      const hc = l.healthCheck;
      await emulator.call('CreateEndpointGroup', {
        ListenerArn: listener.ListenerArn, EndpointGroupRegion: r.region, IdempotencyToken: token(`${l.name}-${r.region}`),
        TrafficDialPercentage: r.trafficDial,
        HealthCheckProtocol: hc.protocol, HealthCheckPort: hc.port, ...(hc.protocol === 'HTTP' ? { HealthCheckPath: hc.path } : {}),
        HealthCheckIntervalSeconds: intervalSeconds, ThresholdCount: hc.thresholdCount,
        EndpointConfigurations: plans.filter((p) => p.region === r.region).map((p) => ({ EndpointId: p.instanceId, Weight: p.weight, ClientIPPreservationEnabled: r.clientIpPreservation })),
      });
    }
  }
  return arn;
}

/** Every endpoint with weight > 0 HEALTHY (an all-zero group has nothing to wait for). */
async function waitHealthy(emulator: Emulator, arn: string, timeoutMs: number, cancelled: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cancelled()) {
    const acc = emulator.state().accelerators.find((a) => a.arn === arn);
    const eps = acc?.listeners.flatMap((l) => l.endpointGroups.flatMap((g) => g.endpoints.filter((e) => e.weight > 0).map((e) => ({ ...e, region: g.region, listener: `${l.protocol} ${l.ports.join(',')}` })))) ?? [];
    const waiting = eps.filter((e) => e.health !== 'HEALTHY');
    if (eps.length > 0 && waiting.length === 0) return;
    if (Date.now() > deadline) {
      const w = waiting[0];
      throw new StartError(`endpoints not HEALTHY after ${timeoutMs / 1000} s: ${waiting.length} waiting${w ? `, e.g. ${w.id} (${w.region}, ${w.listener}): ${w.health}${w.healthReason ? ` (${w.healthReason})` : ''}` : ''}`);
    }
    await sleep(20);
  }
}

/** The state file's JSON from the emulator's view and the instances. */
function labState(emulator: Emulator, arn: string, instances: readonly Instance[], vantagePoints: readonly VantagePoint[]): LabState {
  const s = emulator.state();
  const acc = s.accelerators.find((a) => a.arn === arn);
  const entries = emulator.entries(arn);
  return {
    api: emulator.apiUrl,
    accelerator: { arn, ipAddresses: [...(acc?.addresses ?? [])] },
    listeners: (acc?.listeners ?? []).flatMap((l) => l.ports.map((port) => ({
      protocol: l.protocol,
      port,
      entries: entries.filter((e) => e.listenerArn === l.arn && e.listenerPort === port && e.port !== null).map((e) => `${e.address}:${e.port}`).sort(),
    }))),
    endpoints: instances.map((i) => ({ id: i.instanceId, region: i.region, availabilityZone: i.availabilityZone, address: i.address, http: i.httpPort, dns: i.dnsPort })),
    vantagePoints: vantagePoints.map((v) => ({ id: v.id, name: v.name, address: v.address, latitude: v.latitude, longitude: v.longitude })),
  };
}
