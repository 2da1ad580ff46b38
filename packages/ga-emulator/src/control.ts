/**
 * The control plane: accelerators, listeners, endpoint groups, attributes and tags, and the
 * operations of the Global Accelerator API over them, with AWS's rules (quotas, one group per
 * Region per listener, port-range and port-override rules, transactions in progress, ARNs,
 * ids, IpSets and DNS names shaped like AWS's). Transport-free: `call(operation, input)` takes
 * a parsed request body and returns the response body or throws ApiError; src/api/server.ts
 * speaks HTTP around it. What it does not own: when a change is deployed (the emulator's
 * timers), endpoint health (src/health.ts) and where endpoints live (the registry): those
 * come in through ControlHooks.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ApiError } from './errors.js';
import { MODEL } from './api/model.js';
import { validateInput } from './api/validate.js';
import { ENDPOINT_ID } from './options.js';
import type { RegisteredEndpoint, ResolvedOptions } from './options.js';
import { isRegion } from './routing.js';

export type HealthState = 'INITIAL' | 'HEALTHY' | 'UNHEALTHY';
export type Protocol = 'TCP' | 'UDP';
export type HealthCheckProtocol = 'TCP' | 'HTTP' | 'HTTPS';

export interface EndpointRecord {
  id: string;
  weight: number;
  preserve: boolean;
}

export interface GroupRecord {
  arn: string;
  region: string;
  dial: number;
  /** Unset: the listener's first port, computed when read. */
  healthCheckPort: number | undefined;
  healthCheckProtocol: HealthCheckProtocol;
  healthCheckPath: string;
  healthCheckIntervalSeconds: number;
  thresholdCount: number;
  portOverrides: { ListenerPort: number; EndpointPort: number }[];
  endpoints: EndpointRecord[];
}

export interface ListenerRecord {
  arn: string;
  protocol: Protocol;
  portRanges: { FromPort: number; ToPort: number }[];
  clientAffinity: 'NONE' | 'SOURCE_IP';
  groups: Map<string, GroupRecord>;
}

export interface AcceleratorRecord {
  arn: string;
  id: string;
  name: string;
  enabled: boolean;
  addresses: [string, string];
  dnsName: string;
  status: 'IN_PROGRESS' | 'DEPLOYED';
  createdTime: number;
  lastModifiedTime: number;
  flowLogs: { enabled: boolean; bucket: string | undefined; prefix: string | undefined };
  tags: Map<string, string>;
  listeners: Map<string, ListenerRecord>;
}

export interface ControlHooks {
  /** An accelerator was created, changed or deleted: schedule (or cancel) its deployment. */
  changed(acc: AcceleratorRecord, kind: 'create' | 'update' | 'delete'): void;
  /** Current health of an endpoint in a group, from the health checker. */
  health(groupArn: string, endpointId: string): { state: HealthState; reason: string | undefined };
  /** The registry entry of an endpoint id, if registered. */
  endpoint(id: string): RegisteredEndpoint | undefined;
}

/** Operations that change an accelerator's configuration (and so deploy). */
const MUTATING = new Set([
  'UpdateAccelerator', 'DeleteAccelerator', 'UpdateAcceleratorAttributes', 'CreateListener', 'UpdateListener', 'DeleteListener',
  'CreateEndpointGroup', 'UpdateEndpointGroup', 'DeleteEndpointGroup', 'AddEndpoints', 'RemoveEndpoints',
]);
/** The operations AWS's model lists TransactionInProgressException for. */
const MODELED_TRANSACTION = new Set(['AddEndpoints', 'RemoveEndpoints']);

const ARN_ACC = /^arn:aws:globalaccelerator::(\d{12}):accelerator\/([0-9a-f-]{36})$/;
const ARN_LISTENER = /^(arn:aws:globalaccelerator::\d{12}:accelerator\/[0-9a-f-]{36})\/listener\/([0-9a-f]{8})$/;
const ARN_GROUP = /^((arn:aws:globalaccelerator::\d{12}:accelerator\/[0-9a-f-]{36})\/listener\/[0-9a-f]{8})\/endpoint-group\/([0-9a-f]{12})$/;
const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,62}[A-Za-z0-9])?$/;
const MAX_TAGS = 50;

type Body = Record<string, unknown>;
type Handler = (input: Body) => unknown;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const seconds = (ms: number) => Math.round(ms) / 1000;

function ipToInt(ip: string): number {
  return ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}
function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function invalid(message: string): ApiError {
  return new ApiError('InvalidArgumentException', message);
}

export class ControlPlane {
  readonly #o: ResolvedOptions;
  readonly #hooks: ControlHooks;
  readonly #accelerators = new Map<string, AcceleratorRecord>();
  /** IdempotencyToken -> ARN created with it, per operation. */
  readonly #tokens = new Map<string, string>();
  readonly #handlers: Record<string, Handler>;
  readonly #poolBase: number;
  readonly #poolSize: number;

  constructor(options: ResolvedOptions, hooks: ControlHooks) {
    this.#o = options;
    this.#hooks = hooks;
    const [base, bits] = options.addressPool.split('/') as [string, string];
    const size = 2 ** (32 - Number(bits));
    this.#poolBase = ipToInt(base) - (ipToInt(base) % size);
    this.#poolSize = size;
    this.#handlers = {
      CreateAccelerator: (i) => this.#createAccelerator(i),
      DescribeAccelerator: (i) => ({ Accelerator: this.#acceleratorOut(this.#accelerator(i.AcceleratorArn)) }),
      ListAccelerators: (i) => this.#page(i, 'Accelerators', '', [...this.#accelerators.values()].map((a) => this.#acceleratorOut(a))),
      UpdateAccelerator: (i) => this.#updateAccelerator(i),
      DeleteAccelerator: (i) => this.#deleteAccelerator(i),
      DescribeAcceleratorAttributes: (i) => ({ AcceleratorAttributes: this.#attributesOut(this.#accelerator(i.AcceleratorArn)) }),
      UpdateAcceleratorAttributes: (i) => this.#updateAttributes(i),
      CreateListener: (i) => this.#createListener(i),
      DescribeListener: (i) => ({ Listener: this.#listenerOut(this.#listener(i.ListenerArn).listener) }),
      ListListeners: (i) => {
        const acc = this.#accelerator(i.AcceleratorArn);
        return this.#page(i, 'Listeners', acc.arn, [...acc.listeners.values()].map((l) => this.#listenerOut(l)));
      },
      UpdateListener: (i) => this.#updateListener(i),
      DeleteListener: (i) => this.#deleteListener(i),
      CreateEndpointGroup: (i) => this.#createGroup(i),
      DescribeEndpointGroup: (i) => {
        const { group, listener } = this.#group(i.EndpointGroupArn);
        return { EndpointGroup: this.#groupOut(group, listener) };
      },
      ListEndpointGroups: (i) => {
        const { listener } = this.#listener(i.ListenerArn);
        return this.#page(i, 'EndpointGroups', listener.arn, [...listener.groups.values()].map((g) => this.#groupOut(g, listener)));
      },
      UpdateEndpointGroup: (i) => this.#updateGroup(i),
      DeleteEndpointGroup: (i) => this.#deleteGroup(i),
      AddEndpoints: (i) => this.#addEndpoints(i),
      RemoveEndpoints: (i) => this.#removeEndpoints(i),
      ListTagsForResource: (i) => ({ Tags: [...this.#taggable(i.ResourceArn).tags].map(([Key, Value]) => ({ Key, Value })) }),
      TagResource: (i) => this.#tag(i),
      UntagResource: (i) => this.#untag(i),
    };
  }

  /** Every operation name in the official model (served or not). */
  static isModelOperation(op: string): boolean {
    return MODEL.allOperations.includes(op);
  }

  /** True when the emulator implements `op`. */
  static isServed(op: string): boolean {
    return Object.hasOwn(MODEL.operations, op);
  }

  /** Run one operation on a parsed request body. Throws ApiError as AWS would answer. */
  call(operation: string, input: unknown): unknown {
    const op = MODEL.operations[operation];
    const handler = this.#handlers[operation];
    if (!op || !handler) {
      if (ControlPlane.isModelOperation(operation)) throw new ApiError('UnsupportedOperationException', `The emulator does not implement ${operation}`);
      throw new ApiError('UnknownOperationException', `Unknown operation ${operation}`);
    }
    const body = input ?? {};
    if (op.input) validateInput(body, op.input, { relaxed: this.#o.healthCheck.minIntervalSeconds < 10 ? new Set(['HealthCheckIntervalSeconds']) : undefined });
    if (MUTATING.has(operation)) this.#checkTransaction(operation, body as Body);
    return handler(body as Body);
  }

  accelerators(): AcceleratorRecord[] {
    return [...this.#accelerators.values()];
  }

  get(arn: string): AcceleratorRecord | undefined {
    return this.#accelerators.get(arn);
  }

  /** The emulator's deploy timer fired: the accelerator is DEPLOYED. */
  markDeployed(arn: string): void {
    const acc = this.#accelerators.get(arn);
    if (acc) acc.status = 'DEPLOYED';
  }

  /** The health-check port of a group: its own, else the listener's first port. */
  static healthCheckPort(group: GroupRecord, listener: ListenerRecord): number {
    return group.healthCheckPort ?? Math.min(...listener.portRanges.map((r) => r.FromPort));
  }

  // ---- look-ups -------------------------------------------------------------------------

  #accelerator(arn: unknown): AcceleratorRecord {
    if (typeof arn !== 'string' || !ARN_ACC.test(arn)) throw invalid(`${String(arn)} is not a valid accelerator ARN`);
    const acc = this.#accelerators.get(arn);
    if (!acc) throw new ApiError('AcceleratorNotFoundException', `Accelerator not found: ${arn}`);
    return acc;
  }

  #listener(arn: unknown): { acc: AcceleratorRecord; listener: ListenerRecord } {
    const m = typeof arn === 'string' ? ARN_LISTENER.exec(arn) : null;
    if (!m) throw invalid(`${String(arn)} is not a valid listener ARN`);
    const acc = this.#accelerators.get(m[1] as string);
    const listener = acc?.listeners.get(arn as string);
    if (!acc || !listener) throw new ApiError('ListenerNotFoundException', `Listener not found: ${String(arn)}`);
    return { acc, listener };
  }

  #group(arn: unknown): { acc: AcceleratorRecord; listener: ListenerRecord; group: GroupRecord } {
    const m = typeof arn === 'string' ? ARN_GROUP.exec(arn) : null;
    if (!m) throw invalid(`${String(arn)} is not a valid endpoint group ARN`);
    const acc = this.#accelerators.get(m[2] as string);
    const listener = acc?.listeners.get(m[1] as string);
    const group = listener?.groups.get(arn as string);
    if (!acc || !listener || !group) throw new ApiError('EndpointGroupNotFoundException', `Endpoint group not found: ${String(arn)}`);
    return { acc, listener, group };
  }

  #taggable(arn: unknown): AcceleratorRecord {
    if (typeof arn === 'string' && (ARN_LISTENER.test(arn) || ARN_GROUP.test(arn))) throw invalid(`Only accelerators can be tagged: ${arn}`);
    return this.#accelerator(arn);
  }

  /** The accelerator a mutating call changes, for the transaction check. */
  #owner(input: Body): AcceleratorRecord | undefined {
    const arn = (input.AcceleratorArn ?? input.ListenerArn ?? input.EndpointGroupArn) as unknown;
    if (typeof arn !== 'string') return undefined;
    const m = ARN_GROUP.exec(arn) ?? ARN_LISTENER.exec(arn);
    const accArn = m ? (ARN_GROUP.test(arn) ? (m[2] as string) : (m[1] as string)) : arn;
    return this.#accelerators.get(accArn);
  }

  #checkTransaction(operation: string, input: Body): void {
    const mode = this.#o.transactionInProgress;
    if (mode === 'off' || (mode === 'modeled' && !MODELED_TRANSACTION.has(operation))) return;
    const acc = this.#owner(input);
    if (acc?.status === 'IN_PROGRESS') {
      throw new ApiError('TransactionInProgressException', `There's already a transaction in progress for accelerator ${acc.arn}. Another transaction can't be processed.`);
    }
  }

  #changed(acc: AcceleratorRecord, kind: 'create' | 'update' | 'delete' = 'update'): void {
    acc.status = 'IN_PROGRESS';
    acc.lastModifiedTime = Date.now();
    this.#hooks.changed(acc, kind);
  }

  /** A repeated IdempotencyToken returns what the first call created (while it exists). */
  #idempotent<T>(operation: string, input: Body, existing: (arn: string) => T | undefined): T | undefined {
    const key = `${operation}|${String(input.IdempotencyToken)}`;
    const arn = this.#tokens.get(key);
    return arn === undefined ? undefined : existing(arn);
  }

  #remember(operation: string, input: Body, arn: string): void {
    this.#tokens.set(`${operation}|${String(input.IdempotencyToken)}`, arn);
  }

  // ---- pagination -----------------------------------------------------------------------

  #page(input: Body, key: string, scope: string, items: unknown[]): Body {
    const max = (input.MaxResults as number | undefined) ?? 10;
    let start = 0;
    if (input.NextToken !== undefined) {
      const token = String(input.NextToken);
      const [k, s, off] = Buffer.from(token, 'base64url').toString('utf8').split('|');
      const n = Number(off);
      if (k !== key || s !== scope || !Number.isInteger(n) || n < 0 || n > items.length) throw new ApiError('InvalidNextTokenException', 'The NextToken value is not valid.');
      start = n;
    }
    const out: Body = { [key]: items.slice(start, start + max) };
    if (start + max < items.length) out.NextToken = Buffer.from(`${key}|${scope}|${start + max}`, 'utf8').toString('base64url');
    return out;
  }

  // ---- accelerators ---------------------------------------------------------------------

  #allocateAddresses(given: string[] | undefined): [string, string] {
    const used = new Set([...this.#accelerators.values()].flatMap((a) => a.addresses));
    const wanted = (given ?? []).map((ip, i) => {
      if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip) || ip.split('.').some((o) => Number(o) > 255)) {
        throw invalid(`IpAddresses[${i}] ${ip}: the emulator's static addresses must be IPv4 loopback addresses (127.0.0.0/8)`);
      }
      if (used.has(ip)) throw invalid(`IpAddresses[${i}] ${ip} is already used by another accelerator`);
      return ip;
    });
    if (wanted.length === 2 && wanted[0] === wanted[1]) throw invalid('IpAddresses must be two different addresses');
    const out = [...wanted];
    for (let n = 1; out.length < 2 && n < this.#poolSize - 1; n++) {
      const c = intToIp(this.#poolBase + n);
      if (!used.has(c) && !out.includes(c)) out.push(c);
    }
    if (out.length < 2) throw new ApiError('LimitExceededException', `No free static IP addresses left in the emulator's address pool ${this.#o.addressPool}`);
    return out as [string, string];
  }

  #createAccelerator(i: Body): Body {
    const again = this.#idempotent('CreateAccelerator', i, (arn) => this.#accelerators.get(arn));
    if (again) return { Accelerator: this.#acceleratorOut(again) };
    const name = i.Name as string;
    if (!NAME.test(name)) throw invalid(`Name ${name}: at most 64 characters, letters, digits, periods or hyphens, not beginning or ending with a hyphen or period`);
    if (i.IpAddressType === 'DUAL_STACK') throw invalid('IpAddressType DUAL_STACK is not supported by the emulator (IPv4 only)');
    if (this.#accelerators.size >= this.#o.quotas.accelerators) throw new ApiError('LimitExceededException', `Quota reached: ${this.#o.quotas.accelerators} accelerators per account`);
    const tags = this.#tags(i.Tags as { Key: string; Value: string }[] | undefined, new Map());
    const addresses = this.#allocateAddresses(i.IpAddresses as string[] | undefined);
    const id = randomUUID();
    const now = Date.now();
    const acc: AcceleratorRecord = {
      arn: `arn:aws:globalaccelerator::${this.#o.accountId}:accelerator/${id}`,
      id,
      name,
      enabled: (i.Enabled as boolean | undefined) ?? true,
      addresses,
      dnsName: `a${hex(8)}.awsglobalaccelerator.com`,
      status: 'IN_PROGRESS',
      createdTime: now,
      lastModifiedTime: now,
      flowLogs: { enabled: false, bucket: undefined, prefix: undefined },
      tags,
      listeners: new Map(),
    };
    this.#accelerators.set(acc.arn, acc);
    this.#remember('CreateAccelerator', i, acc.arn);
    this.#changed(acc, 'create');
    return { Accelerator: this.#acceleratorOut(acc) };
  }

  #updateAccelerator(i: Body): Body {
    const acc = this.#accelerator(i.AcceleratorArn);
    if (i.Name !== undefined && !NAME.test(i.Name as string)) throw invalid(`Name ${String(i.Name)}: at most 64 characters, letters, digits, periods or hyphens, not beginning or ending with a hyphen or period`);
    if (i.IpAddressType === 'DUAL_STACK') throw invalid('IpAddressType DUAL_STACK is not supported by the emulator (IPv4 only)');
    if (i.Name !== undefined) acc.name = i.Name as string;
    if (i.Enabled !== undefined) acc.enabled = i.Enabled as boolean;
    this.#changed(acc);
    return { Accelerator: this.#acceleratorOut(acc) };
  }

  #deleteAccelerator(i: Body): Body {
    const acc = this.#accelerator(i.AcceleratorArn);
    if (acc.enabled) throw new ApiError('AcceleratorNotDisabledException', 'The accelerator must be disabled (Enabled false) before it can be deleted.');
    if (acc.listeners.size > 0) throw new ApiError('AssociatedListenerFoundException', 'The accelerator has listeners: delete them first.');
    this.#accelerators.delete(acc.arn);
    this.#hooks.changed(acc, 'delete');
    return {};
  }

  #updateAttributes(i: Body): Body {
    const acc = this.#accelerator(i.AcceleratorArn);
    const enabled = (i.FlowLogsEnabled as boolean | undefined) ?? acc.flowLogs.enabled;
    const bucket = (i.FlowLogsS3Bucket as string | undefined) ?? acc.flowLogs.bucket;
    if (enabled && !bucket) throw invalid('FlowLogsS3Bucket is required when FlowLogsEnabled is true');
    if (bucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw invalid(`FlowLogsS3Bucket ${bucket} is not a valid bucket name`);
    acc.flowLogs = { enabled, bucket, prefix: (i.FlowLogsS3Prefix as string | undefined) ?? acc.flowLogs.prefix };
    this.#changed(acc);
    return { AcceleratorAttributes: this.#attributesOut(acc) };
  }

  #acceleratorOut(a: AcceleratorRecord): Body {
    return {
      AcceleratorArn: a.arn,
      Name: a.name,
      IpAddressType: 'IPV4',
      Enabled: a.enabled,
      IpSets: [{ IpFamily: 'IPv4', IpAddresses: [...a.addresses], IpAddressFamily: 'IPv4' }],
      DnsName: a.dnsName,
      Status: a.status,
      CreatedTime: seconds(a.createdTime),
      LastModifiedTime: seconds(a.lastModifiedTime),
    };
  }

  #attributesOut(a: AcceleratorRecord): Body {
    const out: Body = { FlowLogsEnabled: a.flowLogs.enabled };
    if (a.flowLogs.bucket !== undefined) out.FlowLogsS3Bucket = a.flowLogs.bucket;
    if (a.flowLogs.prefix !== undefined) out.FlowLogsS3Prefix = a.flowLogs.prefix;
    return out;
  }

  // ---- tags -----------------------------------------------------------------------------

  #tags(list: { Key: string; Value: string }[] | undefined, into: Map<string, string>): Map<string, string> {
    const out = new Map(into);
    for (const t of list ?? []) out.set(t.Key, t.Value);
    if (out.size > MAX_TAGS) throw new ApiError('LimitExceededException', `At most ${MAX_TAGS} tags per resource`);
    return out;
  }

  #tag(i: Body): Body {
    const acc = this.#taggable(i.ResourceArn);
    acc.tags = this.#tags(i.Tags as { Key: string; Value: string }[], acc.tags);
    return {};
  }

  #untag(i: Body): Body {
    const acc = this.#taggable(i.ResourceArn);
    for (const k of i.TagKeys as string[]) acc.tags.delete(k);
    return {};
  }

  // ---- listeners ------------------------------------------------------------------------

  #checkPortRanges(acc: AcceleratorRecord, ranges: { FromPort: number; ToPort: number }[], protocol: Protocol, self?: string): void {
    for (const r of ranges) {
      if (r.FromPort === undefined || r.ToPort === undefined) throw invalid('Each PortRange needs FromPort and ToPort');
      if (r.FromPort > r.ToPort) throw new ApiError('InvalidPortRangeException', `Port range ${r.FromPort}-${r.ToPort}: FromPort must not be greater than ToPort`);
    }
    const sorted = [...ranges].sort((a, b) => a.FromPort - b.FromPort);
    for (let k = 1; k < sorted.length; k++) {
      if ((sorted[k] as { FromPort: number }).FromPort <= (sorted[k - 1] as { ToPort: number }).ToPort) throw new ApiError('InvalidPortRangeException', 'The port ranges of a listener must not overlap');
    }
    for (const l of acc.listeners.values()) {
      if (l.arn === self || l.protocol !== protocol) continue;
      for (const a of l.portRanges) {
        for (const b of ranges) {
          if (a.FromPort <= b.ToPort && b.FromPort <= a.ToPort) throw new ApiError('InvalidPortRangeException', `Port range ${b.FromPort}-${b.ToPort} overlaps listener ${l.arn} (${protocol} ${a.FromPort}-${a.ToPort})`);
        }
      }
    }
  }

  #createListener(i: Body): Body {
    const acc = this.#accelerator(i.AcceleratorArn);
    const again = this.#idempotent('CreateListener', i, (arn) => acc.listeners.get(arn));
    if (again) return { Listener: this.#listenerOut(again) };
    if (acc.listeners.size >= this.#o.quotas.listenersPerAccelerator) throw new ApiError('LimitExceededException', `Quota reached: ${this.#o.quotas.listenersPerAccelerator} listeners per accelerator`);
    const ranges = (i.PortRanges as { FromPort: number; ToPort: number }[]).map((r) => ({ FromPort: r.FromPort, ToPort: r.ToPort }));
    const protocol = i.Protocol as Protocol;
    this.#checkPortRanges(acc, ranges, protocol);
    const listener: ListenerRecord = {
      arn: `${acc.arn}/listener/${hex(4)}`,
      protocol,
      portRanges: ranges,
      clientAffinity: (i.ClientAffinity as 'NONE' | 'SOURCE_IP' | undefined) ?? 'NONE',
      groups: new Map(),
    };
    acc.listeners.set(listener.arn, listener);
    this.#remember('CreateListener', i, listener.arn);
    this.#changed(acc);
    return { Listener: this.#listenerOut(listener) };
  }

  #updateListener(i: Body): Body {
    const { acc, listener } = this.#listener(i.ListenerArn);
    const protocol = (i.Protocol as Protocol | undefined) ?? listener.protocol;
    const ranges = i.PortRanges ? (i.PortRanges as { FromPort: number; ToPort: number }[]).map((r) => ({ FromPort: r.FromPort, ToPort: r.ToPort })) : listener.portRanges;
    this.#checkPortRanges(acc, ranges, protocol, listener.arn);
    for (const g of listener.groups.values()) {
      for (const o of g.portOverrides) {
        if (!ranges.some((r) => o.ListenerPort >= r.FromPort && o.ListenerPort <= r.ToPort)) {
          throw invalid(`Endpoint group ${g.arn} overrides listener port ${o.ListenerPort}, which the new port ranges do not include`);
        }
      }
    }
    listener.protocol = protocol;
    listener.portRanges = ranges;
    if (i.ClientAffinity !== undefined) listener.clientAffinity = i.ClientAffinity as 'NONE' | 'SOURCE_IP';
    this.#changed(acc);
    return { Listener: this.#listenerOut(listener) };
  }

  #deleteListener(i: Body): Body {
    const { acc, listener } = this.#listener(i.ListenerArn);
    if (listener.groups.size > 0) throw new ApiError('AssociatedEndpointGroupFoundException', 'The listener has endpoint groups: delete them first.');
    acc.listeners.delete(listener.arn);
    this.#changed(acc);
    return {};
  }

  #listenerOut(l: ListenerRecord): Body {
    return { ListenerArn: l.arn, PortRanges: l.portRanges.map((r) => ({ ...r })), Protocol: l.protocol, ClientAffinity: l.clientAffinity };
  }

  // ---- endpoint groups ------------------------------------------------------------------

  #interval(v: unknown): number {
    const min = this.#o.healthCheck.minIntervalSeconds;
    const n = v as number;
    if (min >= 10 ? n !== 10 && n !== 30 : !(n >= min && n <= 30)) {
      throw invalid(min >= 10
        ? `HealthCheckIntervalSeconds must be 10 or 30, got ${n}`
        : `HealthCheckIntervalSeconds must be a number of seconds ${min}..30 (the emulator's healthCheck.minIntervalSeconds), got ${n}`);
    }
    return n;
  }

  /** Endpoint ids from a request, checked against the registry, the group's Region and each other. */
  #endpoints(list: Body[], region: string): EndpointRecord[] {
    const seen = new Set<string>();
    return list.map((e, k) => {
      const id = e.EndpointId as string | undefined;
      if (id === undefined) throw invalid(`EndpointConfigurations[${k}]: EndpointId is required`);
      if (!ENDPOINT_ID.test(id)) throw invalid(`EndpointId ${id} is not an EC2 instance id, an Elastic IP allocation id or a load balancer ARN`);
      if (seen.has(id)) throw invalid(`EndpointId ${id} appears twice`);
      seen.add(id);
      const reg = this.#hooks.endpoint(id);
      if (!reg) throw invalid(`The endpoint ${id} does not exist (the emulator's endpoint registry has no ${id})`);
      if (reg.region !== undefined && reg.region !== region) throw invalid(`The endpoint ${id} is in ${reg.region}, not in the endpoint group's Region ${region}`);
      const preservable = id.startsWith('i-') || id.includes('loadbalancer/app/');
      const preserve = (e.ClientIPPreservationEnabled as boolean | undefined) ?? preservable;
      if (preserve && !preservable) throw invalid(`Client IP preservation is not supported for endpoint ${id} (EC2 instances and Application Load Balancers only)`);
      return { id, weight: (e.Weight as number | undefined) ?? 128, preserve };
    });
  }

  #checkOverrides(acc: AcceleratorRecord, listener: ListenerRecord, overrides: { ListenerPort: number; EndpointPort: number }[], self?: string): void {
    const listenerPorts = new Set<number>();
    for (const o of overrides) {
      if (o.ListenerPort === undefined || o.EndpointPort === undefined) throw invalid('Each PortOverride needs ListenerPort and EndpointPort');
      if (!listener.portRanges.some((r) => o.ListenerPort >= r.FromPort && o.ListenerPort <= r.ToPort)) throw invalid(`PortOverride ListenerPort ${o.ListenerPort} is not a port of the listener`);
      if (listenerPorts.has(o.ListenerPort)) throw invalid(`PortOverride ListenerPort ${o.ListenerPort} appears twice`);
      listenerPorts.add(o.ListenerPort);
      for (const l of acc.listeners.values()) {
        if (l.portRanges.some((r) => o.EndpointPort >= r.FromPort && o.EndpointPort <= r.ToPort)) throw invalid(`PortOverride EndpointPort ${o.EndpointPort} is inside a listener port range of the accelerator`);
        for (const g of l.groups.values()) {
          if (g.arn === self) continue;
          if (g.portOverrides.some((x) => x.EndpointPort === o.EndpointPort && x.ListenerPort !== o.ListenerPort)) {
            throw invalid(`PortOverride EndpointPort ${o.EndpointPort} is already the endpoint port of another listener port`);
          }
        }
      }
    }
    const ports = overrides.map((o) => o.EndpointPort);
    if (new Set(ports).size !== ports.length) throw invalid('PortOverrides must not map two listener ports to one endpoint port');
  }

  #groupCount(acc: AcceleratorRecord): number {
    let n = 0;
    for (const l of acc.listeners.values()) n += l.groups.size;
    return n;
  }

  #createGroup(i: Body): Body {
    const { acc, listener } = this.#listener(i.ListenerArn);
    const again = this.#idempotent('CreateEndpointGroup', i, (arn) => listener.groups.get(arn));
    if (again) return { EndpointGroup: this.#groupOut(again, listener) };
    const region = i.EndpointGroupRegion as string;
    if (!isRegion(region)) throw invalid(`EndpointGroupRegion ${region} is not a Region Global Accelerator supports`);
    for (const g of listener.groups.values()) {
      if (g.region === region) throw new ApiError('EndpointGroupAlreadyExistsException', `The listener already has an endpoint group in ${region}`);
    }
    if (this.#groupCount(acc) >= this.#o.quotas.endpointGroupsPerAccelerator) throw new ApiError('LimitExceededException', `Quota reached: ${this.#o.quotas.endpointGroupsPerAccelerator} endpoint groups per accelerator`);
    const endpoints = this.#endpoints((i.EndpointConfigurations as Body[] | undefined) ?? [], region);
    if (endpoints.length > this.#o.quotas.endpointsPerGroup) throw new ApiError('LimitExceededException', `Quota reached: ${this.#o.quotas.endpointsPerGroup} endpoints per endpoint group`);
    const overrides = ((i.PortOverrides as { ListenerPort: number; EndpointPort: number }[] | undefined) ?? []).map((o) => ({ ListenerPort: o.ListenerPort, EndpointPort: o.EndpointPort }));
    this.#checkOverrides(acc, listener, overrides);
    const group: GroupRecord = {
      arn: `${listener.arn}/endpoint-group/${hex(6)}`,
      region,
      dial: (i.TrafficDialPercentage as number | undefined) ?? 100,
      healthCheckPort: i.HealthCheckPort as number | undefined,
      healthCheckProtocol: (i.HealthCheckProtocol as HealthCheckProtocol | undefined) ?? 'TCP',
      healthCheckPath: (i.HealthCheckPath as string | undefined) ?? '/',
      healthCheckIntervalSeconds: i.HealthCheckIntervalSeconds === undefined ? 30 : this.#interval(i.HealthCheckIntervalSeconds),
      thresholdCount: (i.ThresholdCount as number | undefined) ?? 3,
      portOverrides: overrides,
      endpoints,
    };
    listener.groups.set(group.arn, group);
    this.#remember('CreateEndpointGroup', i, group.arn);
    this.#changed(acc);
    return { EndpointGroup: this.#groupOut(group, listener) };
  }

  #updateGroup(i: Body): Body {
    const { acc, listener, group } = this.#group(i.EndpointGroupArn);
    const endpoints = i.EndpointConfigurations === undefined ? group.endpoints : this.#endpoints(i.EndpointConfigurations as Body[], group.region);
    if (endpoints.length > this.#o.quotas.endpointsPerGroup) throw new ApiError('LimitExceededException', `Quota reached: ${this.#o.quotas.endpointsPerGroup} endpoints per endpoint group`);
    const interval = i.HealthCheckIntervalSeconds === undefined ? group.healthCheckIntervalSeconds : this.#interval(i.HealthCheckIntervalSeconds);
    let overrides = group.portOverrides;
    if (i.PortOverrides !== undefined) {
      overrides = (i.PortOverrides as { ListenerPort: number; EndpointPort: number }[]).map((o) => ({ ListenerPort: o.ListenerPort, EndpointPort: o.EndpointPort }));
      this.#checkOverrides(acc, listener, overrides, group.arn);
    }
    group.endpoints = endpoints;
    group.healthCheckIntervalSeconds = interval;
    group.portOverrides = overrides;
    if (i.TrafficDialPercentage !== undefined) group.dial = i.TrafficDialPercentage as number;
    if (i.HealthCheckPort !== undefined) group.healthCheckPort = i.HealthCheckPort as number;
    if (i.HealthCheckProtocol !== undefined) group.healthCheckProtocol = i.HealthCheckProtocol as HealthCheckProtocol;
    if (i.HealthCheckPath !== undefined) group.healthCheckPath = i.HealthCheckPath as string;
    if (i.ThresholdCount !== undefined) group.thresholdCount = i.ThresholdCount as number;
    this.#changed(acc);
    return { EndpointGroup: this.#groupOut(group, listener) };
  }

  #deleteGroup(i: Body): Body {
    const { acc, listener, group } = this.#group(i.EndpointGroupArn);
    listener.groups.delete(group.arn);
    this.#changed(acc);
    return {};
  }

  #addEndpoints(i: Body): Body {
    const { acc, group } = this.#group(i.EndpointGroupArn);
    const added = this.#endpoints(i.EndpointConfigurations as Body[], group.region);
    const merged = [...group.endpoints];
    for (const e of added) {
      const at = merged.findIndex((x) => x.id === e.id);
      if (at >= 0) merged[at] = e;
      else merged.push(e);
    }
    if (merged.length > this.#o.quotas.endpointsPerGroup) throw new ApiError('LimitExceededException', `Quota reached: ${this.#o.quotas.endpointsPerGroup} endpoints per endpoint group`);
    group.endpoints = merged;
    this.#changed(acc);
    return { EndpointDescriptions: added.map((e) => this.#endpointOut(group, e)), EndpointGroupArn: group.arn };
  }

  #removeEndpoints(i: Body): Body {
    const { acc, group } = this.#group(i.EndpointGroupArn);
    const ids = new Set((i.EndpointIdentifiers as Body[]).map((e) => e.EndpointId as string));
    group.endpoints = group.endpoints.filter((e) => !ids.has(e.id));
    this.#changed(acc);
    return {};
  }

  #endpointOut(g: GroupRecord, e: EndpointRecord): Body {
    const h = this.#hooks.health(g.arn, e.id);
    const out: Body = { EndpointId: e.id, Weight: e.weight, HealthState: h.state, ClientIPPreservationEnabled: e.preserve };
    if (h.reason !== undefined) out.HealthReason = h.reason;
    return out;
  }

  #groupOut(g: GroupRecord, l: ListenerRecord): Body {
    const out: Body = {
      EndpointGroupArn: g.arn,
      EndpointGroupRegion: g.region,
      EndpointDescriptions: g.endpoints.map((e) => this.#endpointOut(g, e)),
      TrafficDialPercentage: g.dial,
      HealthCheckPort: ControlPlane.healthCheckPort(g, l),
      HealthCheckProtocol: g.healthCheckProtocol,
      HealthCheckIntervalSeconds: g.healthCheckIntervalSeconds,
      ThresholdCount: g.thresholdCount,
      PortOverrides: g.portOverrides.map((o) => ({ ...o })),
    };
    if (g.healthCheckProtocol !== 'TCP') out.HealthCheckPath = g.healthCheckPath;
    return out;
  }
}
