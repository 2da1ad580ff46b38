/**
 * Rolling a new artifact (or image) onto the origins without an outage: one instance at a time
 * per region, never leaving a region without a healthy endpoint. For each instance:
 *
 *   1. guard: every endpoint group of the region that holds it has another HEALTHY endpoint of
 *      weight > 0 (else stop before touching anything: the region would fail over, or fail open);
 *   2. drain: weight 0 in every group that holds it (gactl: read-modify-write, DEPLOYED, verified;
 *      the weight before is kept in a tag on the accelerator, where `gactl undrain` finds it);
 *   3. settle: wait while the flows it still has end (the health window by default);
 *   4. update: the updater installs the new version in place (SSM Run Command) or replaces the
 *      instance (terraform apply -replace), and says which endpoint id it now has;
 *   5. healthy: wait until that endpoint is HEALTHY in every group of the region;
 *   6. restore: undrain (the weight before the drain; a replacement comes with its own).
 *
 * An update that fails or an instance that does not come back healthy stops the rollout with
 * that instance still drained: nothing is worse than before it, and the error says what to
 * look at. The traffic logic is this module only, driving the accelerator through gactl's
 * library: the same code on AWS and on the lab (the emulator's API); only the updater differs.
 * Progress is published on the `anycast-origin:infra:rollout` diagnostics channel.
 */
import { channel } from 'node:diagnostics_channel';
import { drain, listenerLabel, status, undrain } from '@anycast-origin/gactl';
import type { Connection, Status } from '@anycast-origin/gactl';
import { RolloutError } from './errors.js';

export const ROLLOUT_CHANNEL = 'anycast-origin:infra:rollout';
const progress = channel(ROLLOUT_CHANNEL);

export interface RolloutTarget {
  readonly region: string;
  /** The endpoint id (EC2 instance id) before the update. */
  readonly endpointId: string;
  /** Terraform address of the instance (`aws_instance.fleet_us_east_1_origin_1`). */
  readonly address: string;
}

/** Puts the new version on one drained instance. */
export interface InstanceUpdater {
  /** Resolves with the instance's endpoint id afterwards (a replacement has a new one). */
  update(target: RolloutTarget): Promise<{ endpointId: string }>;
}

export interface RolloutOptions {
  /** Seconds between the drain (DEPLOYED) and the update, for the flows the instance still has. */
  readonly settleSeconds: number;
  /** Longest wait for the updated instance to be HEALTHY in every group of its region. */
  readonly healthyTimeoutSeconds: number;
  /** Seconds between two reads while waiting. */
  readonly pollSeconds: number;
  /** Regions rolled at the same time (each one instance at a time). @default 1 */
  readonly regionsAtOnce?: number;
}

export type RolloutPhase = 'drain' | 'settle' | 'update' | 'healthy' | 'restore' | 'done';

/** One message on the channel. */
export interface RolloutEvent {
  readonly phase: RolloutPhase;
  readonly region: string;
  readonly endpointId: string;
  /** After `update`: the endpoint id the instance has now. */
  readonly newEndpointId?: string;
}

export interface InstanceRollout {
  readonly region: string;
  readonly before: string;
  readonly after: string;
  /** Seconds from the drain to the restored weight. */
  readonly seconds: number;
  readonly warnings: readonly string[];
}

export interface RolloutReport {
  readonly instances: readonly InstanceRollout[];
  readonly seconds: number;
}

/** Groups of `region` (one per listener) that hold `endpointId`, with their listener's label. */
function groupsHolding(s: Status, region: string, endpointId: string) {
  return s.listeners.flatMap((l) => l.endpointGroups
    .filter((g) => g.region === region && g.endpoints.some((e) => e.id === endpointId))
    .map((g) => ({ listener: listenerLabel(l), group: g })));
}

/**
 * Why draining `endpointId` would leave its region without a healthy endpoint in some group
 * (one line per group), or [] when it would not.
 */
export function drainBlockers(s: Status, region: string, endpointId: string): string[] {
  const held = groupsHolding(s, region, endpointId);
  if (held.length === 0) return [`${endpointId} is in no endpoint group of ${region}`];
  return held.flatMap(({ listener, group }) => {
    const others = group.endpoints.filter((e) => e.id !== endpointId);
    if (others.some((e) => e.healthState === 'HEALTHY' && (e.weight ?? 0) > 0)) return [];
    const seen = others.map((e) => `${e.id} ${e.healthState ?? '?'} weight ${e.weight ?? '?'}`).join(', ') || 'no other endpoint';
    return [`${listener} in ${region} has no other healthy endpoint with weight > 0 (${seen})`];
  });
}

/** Roll every instance of `plan` (by region, in order) onto the new version. */
export async function rollout(conn: Connection, plan: ReadonlyMap<string, readonly RolloutTarget[]>, updater: InstanceUpdater, options: RolloutOptions): Promise<RolloutReport> {
  const started = conn.clock.now();
  const done: InstanceRollout[] = [];
  const queue = [...plan.entries()];
  let failure: unknown;
  const worker = async () => {
    for (let next = queue.shift(); next && failure === undefined; next = queue.shift()) {
      for (const target of next[1]) {
        if (failure !== undefined) return;
        try {
          done.push(await rollOne(conn, target, updater, options));
        } catch (e) {
          failure ??= e;
          return;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.regionsAtOnce ?? 1, queue.length)) }, worker));
  if (failure !== undefined) throw failure;
  return { instances: done, seconds: (conn.clock.now() - started) / 1000 };
}

async function rollOne(conn: Connection, target: RolloutTarget, updater: InstanceUpdater, options: RolloutOptions): Promise<InstanceRollout> {
  const { region, endpointId } = target;
  const publish = (phase: RolloutPhase, extra: Partial<RolloutEvent> = {}) => {
    if (progress.hasSubscribers) progress.publish({ phase, region, endpointId, ...extra } satisfies RolloutEvent);
  };
  const started = conn.clock.now();

  const blockers = drainBlockers(await status(conn), region, endpointId);
  if (blockers.length > 0) {
    throw new RolloutError(endpointId, `not draining ${endpointId} in ${region}: ${blockers.join('; ')}. A region needs at least two healthy instances to roll without failing over (instanceCount >= 2); nothing was changed`);
  }
  publish('drain');
  await drain(conn, { endpointId }, { wait: true });

  publish('settle');
  await conn.clock.sleep(options.settleSeconds * 1000);

  publish('update');
  let after: string;
  try {
    ({ endpointId: after } = await updater.update(target));
  } catch (e) {
    throw new RolloutError(endpointId, `updating ${endpointId} in ${region} failed, so it stays drained (weight 0; \`gactl undrain ${endpointId}\` restores it): ${(e as Error).message}`, { cause: e });
  }

  publish('healthy', { newEndpointId: after });
  const deadline = conn.clock.now() + options.healthyTimeoutSeconds * 1000;
  for (;;) {
    const held = groupsHolding(await status(conn), region, after);
    const sick = held.flatMap(({ listener, group }) => group.endpoints.filter((e) => e.id === after && e.healthState !== 'HEALTHY').map((e) => `${listener}: ${e.healthState ?? '?'}${e.healthReason ? ` (${e.healthReason})` : ''}`));
    if (held.length > 0 && sick.length === 0) break;
    if (conn.clock.now() >= deadline) {
      throw new RolloutError(endpointId, `${after} in ${region} is not healthy ${options.healthyTimeoutSeconds} s after its update (${held.length === 0 ? 'in no endpoint group' : sick.join('; ')}); it stays drained${after === endpointId ? ` (\`gactl undrain ${endpointId}\` restores it)` : ''} and the rollout stops here`);
    }
    await conn.clock.sleep(Math.min(options.pollSeconds * 1000, Math.max(0, deadline - conn.clock.now())));
  }

  publish('restore', { newEndpointId: after });
  const restored = await undrain(conn, { endpointId }, { wait: true });
  publish('done', { newEndpointId: after });
  return { region, before: endpointId, after, seconds: (conn.clock.now() - started) / 1000, warnings: restored.warnings };
}
