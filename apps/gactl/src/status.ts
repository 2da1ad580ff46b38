/**
 * Reading an accelerator: which one (by name, ARN, or the account's only one), and its
 * listeners, endpoint groups and endpoints as gactl's `status` shows them. The shape is the
 * `status --output json` contract scripts rely on (README): every key always present, `null`
 * where the API left a member out. Lists are paged by gactl itself, defensively: an empty
 * page with a NextToken goes on, an empty NextToken ends, a NextToken seen twice is an error
 * instead of an endless loop. A listener, group or endpoint without its ARN or id cannot be
 * steered and is an error; a missing weight or client-IP-preservation flag is shown as null
 * and stops a write to that group (steer.ts), since rewriting the list would change it.
 */
import {
  DescribeAcceleratorCommand, ListAcceleratorsCommand, ListEndpointGroupsCommand, ListListenersCommand,
} from '@aws-sdk/client-global-accelerator';
import type { Accelerator, EndpointGroup, GlobalAcceleratorClient, Listener } from '@aws-sdk/client-global-accelerator';
import { withRetries } from './api.js';
import type { Caller } from './api.js';
import { AmbiguousError, IncompleteResponseError, NotFoundError } from './errors.js';

export interface PortRange {
  fromPort: number | null;
  toPort: number | null;
}
export interface EndpointStatus {
  id: string;
  weight: number | null;
  healthState: 'INITIAL' | 'HEALTHY' | 'UNHEALTHY' | null;
  healthReason: string | null;
  clientIpPreservation: boolean | null;
}
export interface HealthCheckStatus {
  protocol: 'TCP' | 'HTTP' | 'HTTPS' | null;
  port: number | null;
  path: string | null;
  intervalSeconds: number | null;
  thresholdCount: number | null;
}
export interface EndpointGroupStatus {
  arn: string;
  region: string | null;
  trafficDial: number | null;
  healthCheck: HealthCheckStatus;
  endpoints: EndpointStatus[];
}
export interface ListenerStatus {
  arn: string;
  protocol: 'TCP' | 'UDP' | null;
  ports: PortRange[];
  clientAffinity: 'NONE' | 'SOURCE_IP' | null;
  endpointGroups: EndpointGroupStatus[];
}
export interface AcceleratorStatus {
  name: string | null;
  arn: string;
  status: 'DEPLOYED' | 'IN_PROGRESS' | null;
  enabled: boolean | null;
  ipAddresses: string[];
  dnsName: string | null;
}
/** What `gactl status --output json` prints. */
export interface Status {
  accelerator: AcceleratorStatus;
  listeners: ListenerStatus[];
}

/** What reads need: the client and the retry policy. */
export interface Reader extends Caller {
  readonly client: GlobalAcceleratorClient;
}

/** Most pages gactl follows in one listing (a listing AWS pages by 10 to 100 items never needs more). */
export const MAX_PAGES = 1000;

/** Every item of a paged listing. */
export async function listAll<T>(r: Reader, operation: string, page: (token: string | undefined) => Promise<{ items: T[] | undefined; next: string | undefined }>): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (let n = 0; n < MAX_PAGES; n++) {
    const p = await withRetries(r, operation, () => page(token));
    items.push(...(p.items ?? []));
    if (p.next === undefined || p.next === '') return items;
    if (seen.has(p.next)) throw new IncompleteResponseError(`${operation} returned the same NextToken twice: the listing does not end`);
    seen.add(p.next);
    token = p.next;
  }
  throw new IncompleteResponseError(`${operation} returned more than ${MAX_PAGES} pages`);
}

const isArn = (s: string) => s.startsWith('arn:');

/**
 * The ARN of the accelerator `ref` names (an ARN is taken as it is; DescribeAccelerator checks
 * it), or of the account's only accelerator when `ref` is undefined.
 */
export async function resolveAccelerator(r: Reader, ref: string | undefined): Promise<string> {
  if (ref !== undefined && isArn(ref)) return ref;
  const all = await listAll(r, 'ListAccelerators', async (NextToken) => {
    const out = await r.client.send(new ListAcceleratorsCommand({ NextToken }));
    return { items: out.Accelerators, next: out.NextToken };
  });
  const named = all.map((a) => ({ name: a.Name ?? '(no name)', arn: a.AcceleratorArn }));
  const list = (xs: typeof named) => xs.map((a) => `${a.name} ${a.arn ?? '(no ARN)'}`).join(', ');
  const hits = ref === undefined ? named : named.filter((a) => a.name === ref);
  if (hits.length === 0) {
    throw new NotFoundError(ref === undefined ? 'the account has no accelerator' : `no accelerator named ${ref}${named.length ? ` (there are: ${named.map((a) => a.name).join(', ')})` : ' (the account has none)'}`);
  }
  if (hits.length > 1) {
    throw new AmbiguousError(ref === undefined
      ? `the account has ${hits.length} accelerators: pass --accelerator NAME|ARN (${list(hits)})`
      : `${hits.length} accelerators are named ${ref}: pass --accelerator with the ARN (${list(hits)})`);
  }
  const arn = (hits[0] as (typeof hits)[number]).arn;
  if (arn === undefined) throw new IncompleteResponseError('ListAccelerators returned an accelerator without AcceleratorArn');
  return arn;
}

const orNull = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

export function acceleratorStatus(arn: string, a: Accelerator | undefined): AcceleratorStatus {
  if (a === undefined) throw new IncompleteResponseError(`DescribeAccelerator returned no Accelerator for ${arn}`);
  return {
    name: orNull(a.Name),
    arn: a.AcceleratorArn ?? arn,
    status: orNull(a.Status),
    enabled: orNull(a.Enabled),
    ipAddresses: (a.IpSets ?? []).flatMap((s) => s.IpAddresses ?? []),
    dnsName: orNull(a.DnsName),
  };
}

export function groupStatus(g: EndpointGroup, operation: string): EndpointGroupStatus {
  if (g.EndpointGroupArn === undefined) throw new IncompleteResponseError(`${operation} returned an endpoint group without EndpointGroupArn`);
  return {
    arn: g.EndpointGroupArn,
    region: orNull(g.EndpointGroupRegion),
    trafficDial: orNull(g.TrafficDialPercentage),
    healthCheck: {
      protocol: orNull(g.HealthCheckProtocol),
      port: orNull(g.HealthCheckPort),
      path: orNull(g.HealthCheckPath),
      intervalSeconds: orNull(g.HealthCheckIntervalSeconds),
      thresholdCount: orNull(g.ThresholdCount),
    },
    endpoints: (g.EndpointDescriptions ?? []).map((e) => {
      if (e.EndpointId === undefined) throw new IncompleteResponseError(`${operation} returned an endpoint without EndpointId in ${g.EndpointGroupArn}`);
      return {
        id: e.EndpointId,
        weight: orNull(e.Weight),
        healthState: orNull(e.HealthState),
        healthReason: orNull(e.HealthReason),
        clientIpPreservation: orNull(e.ClientIPPreservationEnabled),
      };
    }),
  };
}

function listenerStatus(l: Listener): ListenerStatus {
  if (l.ListenerArn === undefined) throw new IncompleteResponseError('ListListeners returned a listener without ListenerArn');
  return {
    arn: l.ListenerArn,
    protocol: orNull(l.Protocol),
    ports: (l.PortRanges ?? []).map((p) => ({ fromPort: orNull(p.FromPort), toPort: orNull(p.ToPort) })),
    clientAffinity: orNull(l.ClientAffinity),
    endpointGroups: [],
  };
}

export async function describeAccelerator(r: Reader, arn: string): Promise<AcceleratorStatus> {
  const out = await withRetries(r, 'DescribeAccelerator', () => r.client.send(new DescribeAcceleratorCommand({ AcceleratorArn: arn })));
  return acceleratorStatus(arn, out.Accelerator);
}

/** The endpoint groups of one listener, as they are now. */
export async function readGroups(r: Reader, listenerArn: string): Promise<EndpointGroupStatus[]> {
  const groups = await listAll(r, 'ListEndpointGroups', async (NextToken) => {
    const out = await r.client.send(new ListEndpointGroupsCommand({ ListenerArn: listenerArn, NextToken }));
    return { items: out.EndpointGroups, next: out.NextToken };
  });
  return groups.map((g) => groupStatus(g, 'ListEndpointGroups'));
}

/** The accelerator, its listeners, groups and endpoints. */
export async function readStatus(r: Reader, arn: string): Promise<Status> {
  const accelerator = await describeAccelerator(r, arn);
  const listeners = (await listAll(r, 'ListListeners', async (NextToken) => {
    const out = await r.client.send(new ListListenersCommand({ AcceleratorArn: arn, NextToken }));
    return { items: out.Listeners, next: out.NextToken };
  })).map(listenerStatus);
  for (const l of listeners) l.endpointGroups = await readGroups(r, l.arn);
  return { accelerator, listeners };
}

/** `TCP:80`, `UDP:53`, `TCP:80-81,443`: how gactl names a listener (and --listener matches it). */
export function listenerLabel(l: Pick<ListenerStatus, 'protocol' | 'ports'>): string {
  const ports = l.ports.map((p) => (p.fromPort === p.toPort ? String(p.fromPort) : `${p.fromPort}-${p.toPort}`)).join(',');
  return `${l.protocol ?? '?'}:${ports || '?'}`;
}
