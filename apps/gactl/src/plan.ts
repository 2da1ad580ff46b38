/**
 * What a steering command means, before anything is written: which groups it touches (by
 * Region or endpoint, narrowed by --listener), the intents (this group's dial is 50, that
 * endpoint's weight is 0), the changes they make to what was read, and the guards.
 *
 * Guards (refused unless forced), per listener, comparing the listener before and after:
 *   - traffic: some group's dial was above 0 and every dial would be 0 (no Region takes traffic);
 *   - health: some group had a HEALTHY endpoint with weight > 0 and none would (the change takes
 *     the weight off the only healthy group's endpoints: Global Accelerator would fail over to
 *     unhealthy groups, then fail open).
 * Warning: Global Accelerator ignores a dial of 0 when the other groups are unhealthy
 * (failover), so a dial of 0 does not guarantee that a Region gets no traffic.
 * Pure functions over `Status` values; no I/O.
 */
import { NotFoundError } from './errors.js';
import { LISTENER_SPEC } from './options.js';
import { listenerLabel } from './status.js';
import type { EndpointGroupStatus, ListenerStatus, Status } from './status.js';

export type Field = 'trafficDial' | 'weight';

/** One value a command wants: a group's traffic dial, or an endpoint's weight in a group. */
export type Intent =
  | { readonly field: 'trafficDial'; readonly endpointGroupArn: string; readonly value: number }
  | { readonly field: 'weight'; readonly endpointGroupArn: string; readonly endpointId: string; readonly value: number };

/** One value changed (or to be changed): what it was, what it is now. */
export interface Change {
  /** `TCP:80`. */
  listener: string;
  listenerArn: string;
  region: string | null;
  endpointGroupArn: string;
  /** null for a traffic dial. */
  endpointId: string | null;
  field: Field;
  before: number | null;
  after: number;
}

/** A group with the listener it belongs to. */
export interface Located {
  listener: ListenerStatus;
  group: EndpointGroupStatus;
}

/** The listeners --listener names (all when none is given); NotFoundError for a spec no listener has. */
export function selectListeners(status: Status, specs: readonly string[] | undefined): ListenerStatus[] {
  if (!specs || specs.length === 0) return status.listeners;
  const out = new Set<ListenerStatus>();
  for (const spec of specs) {
    const m = LISTENER_SPEC.exec(spec);
    const protocol = m?.[1]?.toUpperCase();
    const port = Number(m?.[2]);
    const hits = status.listeners.filter((l) => l.protocol === protocol && l.ports.some((p) => p.fromPort !== null && p.toPort !== null && port >= p.fromPort && port <= p.toPort));
    if (hits.length === 0) throw new NotFoundError(`no listener ${spec} on the accelerator (listeners: ${status.listeners.map(listenerLabel).join(', ') || 'none'})`);
    for (const l of hits) out.add(l);
  }
  return status.listeners.filter((l) => out.has(l));
}

const scope = (listeners: readonly ListenerStatus[], all: boolean) => (all ? '' : ` on ${listeners.map(listenerLabel).join(', ')}`);

/** The groups in `region` (one per listener at most). */
export function groupsInRegion(listeners: readonly ListenerStatus[], region: string, allListeners = true): Located[] {
  const out = listeners.flatMap((listener) => listener.endpointGroups.filter((g) => g.region === region).map((group) => ({ listener, group })));
  if (out.length === 0) {
    const regions = [...new Set(listeners.flatMap((l) => l.endpointGroups.map((g) => g.region ?? '?')))];
    throw new NotFoundError(`no endpoint group in ${region}${scope(listeners, allListeners)} (Regions: ${regions.join(', ') || 'none'})`);
  }
  return out;
}

/** The groups that hold `endpointId`. */
export function groupsWithEndpoint(listeners: readonly ListenerStatus[], endpointId: string, allListeners = true): Located[] {
  const out = listeners.flatMap((listener) => listener.endpointGroups.filter((g) => g.endpoints.some((e) => e.id === endpointId)).map((group) => ({ listener, group })));
  if (out.length === 0) throw new NotFoundError(`no endpoint ${endpointId} in any endpoint group${scope(listeners, allListeners)}`);
  return out;
}

/** The value an intent's field has in `group` now (undefined: the endpoint is not in the group). */
export function currentValue(group: EndpointGroupStatus, intent: Intent): number | null | undefined {
  if (intent.field === 'trafficDial') return group.trafficDial;
  const e = group.endpoints.find((x) => x.id === intent.endpointId);
  return e === undefined ? undefined : e.weight;
}

/** A group as it would be with the intents (those for other groups are ignored). */
export function project(group: EndpointGroupStatus, intents: readonly Intent[]): EndpointGroupStatus {
  const mine = intents.filter((i) => i.endpointGroupArn === group.arn);
  if (mine.length === 0) return group;
  const dial = mine.find((i) => i.field === 'trafficDial');
  const weights = new Map(mine.flatMap((i) => (i.field === 'weight' ? [[i.endpointId, i.value] as const] : [])));
  return {
    ...group,
    trafficDial: dial ? dial.value : group.trafficDial,
    endpoints: group.endpoints.map((e) => (weights.has(e.id) ? { ...e, weight: weights.get(e.id) as number } : e)),
  };
}

/** The change an intent makes to `group` (undefined when it already holds). */
export function changeOf(listener: ListenerStatus, group: EndpointGroupStatus, intent: Intent): Change | undefined {
  const before = currentValue(group, intent);
  if (before === intent.value) return undefined;
  return {
    listener: listenerLabel(listener),
    listenerArn: listener.arn,
    region: group.region,
    endpointGroupArn: group.arn,
    endpointId: intent.field === 'weight' ? intent.endpointId : null,
    field: intent.field,
    before: before ?? null,
    after: intent.value,
  };
}

/** Where every group of the status is. */
export function locate(status: Status): Map<string, Located> {
  const m = new Map<string, Located>();
  for (const listener of status.listeners) for (const group of listener.endpointGroups) m.set(group.arn, { listener, group });
  return m;
}

/** The changes the intents make to what `status` shows. */
export function changesOf(status: Status, intents: readonly Intent[]): Change[] {
  const where = locate(status);
  return intents.flatMap((i) => {
    const at = where.get(i.endpointGroupArn);
    const c = at && changeOf(at.listener, at.group, i);
    return c ? [c] : [];
  });
}

/** A group that takes traffic by its dial (an unknown dial counts as AWS's default, 100). */
const dialed = (g: EndpointGroupStatus) => (g.trafficDial ?? 100) > 0;
/** A group that can serve: a HEALTHY endpoint with weight > 0. */
const serving = (g: EndpointGroupStatus) => g.endpoints.some((e) => e.healthState === 'HEALTHY' && (e.weight ?? 0) > 0);
const regionsOf = (gs: readonly EndpointGroupStatus[]) => gs.map((g) => g.region ?? '?').join(', ');

/** Why the listener's change from `before` to `after` groups is refused (empty: allowed). */
export function guardListener(label: string, before: readonly EndpointGroupStatus[], after: readonly EndpointGroupStatus[]): string[] {
  const reasons: string[] = [];
  if (before.some(dialed) && after.length > 0 && !after.some(dialed)) {
    reasons.push(`listener ${label} would have no Region taking traffic (every traffic dial 0)`);
  }
  const healthy = before.filter(serving);
  if (healthy.length > 0 && !after.some(serving)) {
    const one = healthy.length === 1;
    reasons.push(`listener ${label} would have no healthy endpoint with weight > 0 (${regionsOf(healthy)} ${one ? 'is its only healthy group' : 'are its only healthy groups'})`);
  }
  return reasons;
}

/** Guards and warnings of the intents over the whole status. */
export function assess(status: Status, intents: readonly Intent[]): { reasons: string[]; warnings: string[] } {
  const reasons: string[] = [];
  const zeroed = new Map<string, { listeners: string[]; unhealthy: Set<string> }>();
  for (const l of status.listeners) {
    const mine = intents.filter((i) => l.endpointGroups.some((g) => g.arn === i.endpointGroupArn));
    if (mine.length === 0) continue;
    const label = listenerLabel(l);
    reasons.push(...guardListener(label, l.endpointGroups, l.endpointGroups.map((g) => project(g, mine))));
    for (const i of mine) {
      if (i.field !== 'trafficDial' || i.value !== 0) continue;
      const g = l.endpointGroups.find((x) => x.arn === i.endpointGroupArn) as EndpointGroupStatus;
      const region = g.region ?? '?';
      const z = zeroed.get(region) ?? { listeners: [], unhealthy: new Set<string>() };
      z.listeners.push(label);
      for (const other of l.endpointGroups) if (other !== g && !serving(other)) z.unhealthy.add(other.region ?? '?');
      zeroed.set(region, z);
    }
  }
  const warnings = [...zeroed].map(([region, z]) => {
    const now = z.unhealthy.size ? `; now ${[...z.unhealthy].join(', ')} ${z.unhealthy.size === 1 ? 'has' : 'have'} no healthy endpoint with weight > 0` : '';
    return `Global Accelerator ignores a traffic dial of 0 when the other groups are unhealthy (failover): ${region} may still get traffic on ${z.listeners.join(', ')}${now}`;
  });
  return { reasons, warnings };
}

/**
 * The order groups are written in: those whose changes only add traffic first, then mixed,
 * then those that only take traffic away, so that no state in between has less capacity than
 * the end state (moving all traffic from one Region to another never passes through "none").
 */
export function writeOrder(status: Status, intents: readonly Intent[]): string[] {
  const where = locate(status);
  const moves = new Map<string, { up: number; down: number }>();
  for (const i of intents) {
    const m = moves.get(i.endpointGroupArn) ?? { up: 0, down: 0 };
    const at = where.get(i.endpointGroupArn);
    const before = at ? currentValue(at.group, i) : undefined;
    if (typeof before === 'number' && i.value > before) m.up++;
    if (typeof before === 'number' && i.value < before) m.down++;
    moves.set(i.endpointGroupArn, m);
  }
  const rank = ({ up, down }: { up: number; down: number }) => (down === 0 ? 0 : up === 0 ? 2 : 1);
  return [...moves].sort(([, a], [, b]) => rank(a) - rank(b)).map(([arn]) => arn);
}
