/**
 * apply: set each endpoint group's traffic dial and each endpoint's weight to what the
 * service config says, so that steering by hand ends where the infra's next deploy would put
 * things (the two read the same file and never fight). The diff comes first; a dry run stops
 * there (and fails as the write would if a guard refuses). apply sets values only: a listener,
 * group or endpoint in the config but not on the accelerator is an error, since membership
 * is the infra's job (cdktf deploy), not a steering tool's.
 */
import type { Connection } from './connect.js';
import { ConfigError, GuardError, NotFoundError } from './errors.js';
import { assess, changesOf } from './plan.js';
import type { Change, Intent } from './plan.js';
import { listenerLabel, readStatus } from './status.js';
import type { Status } from './status.js';
import { steer } from './steer.js';
import type { ChangeResult, WriteOptions } from './steer.js';

/** The dials and weights wanted on one listener (`port`: any port the listener serves). */
export interface DesiredListener {
  protocol: 'TCP' | 'UDP';
  port: number;
  groups: { region: string; trafficDial?: number; endpoints?: { id: string; weight: number }[] }[];
}

/** The values apply sets. */
export interface Desired {
  listeners: DesiredListener[];
}

export interface ApplyResult extends Omit<ChangeResult, 'verified'> {
  dryRun: boolean;
  /** False for a dry run (nothing written). */
  verified: boolean;
}

export interface ApplyHooks {
  /** Called with the changes before anything is written. */
  diff?(changes: readonly Change[]): void;
}

/** The intents that make `status` what `desired` says. NotFoundError for what the accelerator lacks. */
export function intentsFor(status: Status, desired: Desired): Intent[] {
  const intents: Intent[] = [];
  for (const want of desired.listeners) {
    const label = `${want.protocol}:${want.port}`;
    const listener = status.listeners.find((l) => l.protocol === want.protocol && l.ports.some((p) => p.fromPort !== null && p.toPort !== null && want.port >= p.fromPort && want.port <= p.toPort));
    if (!listener) throw new NotFoundError(`the config's listener ${label} is not on the accelerator (listeners: ${status.listeners.map(listenerLabel).join(', ') || 'none'}): deploy the infra first`);
    for (const g of want.groups) {
      const group = listener.endpointGroups.find((x) => x.region === g.region);
      if (!group) throw new NotFoundError(`the config's endpoint group in ${g.region} on ${label} is not on the accelerator: deploy the infra first`);
      if (g.trafficDial !== undefined) intents.push({ field: 'trafficDial', endpointGroupArn: group.arn, value: g.trafficDial });
      for (const e of g.endpoints ?? []) {
        if (!group.endpoints.some((x) => x.id === e.id)) throw new NotFoundError(`the config's endpoint ${e.id} is not in the endpoint group in ${g.region} on ${label}: deploy the infra first`);
        intents.push({ field: 'weight', endpointGroupArn: group.arn, endpointId: e.id, value: e.weight });
      }
    }
  }
  return intents;
}

/** Apply desired values: the diff (hooks.diff), then, unless a dry run, the writes. */
export async function applyDesired(conn: Connection, desired: Desired, options: WriteOptions & { dryRun?: boolean } = {}, hooks: ApplyHooks = {}): Promise<ApplyResult> {
  const first = await readStatus(conn, conn.acceleratorArn);
  const intents = intentsFor(first, desired);
  const changes = changesOf(first, intents);
  hooks.diff?.(changes);
  if (options.dryRun) {
    const { reasons, warnings } = assess(first, intents);
    if (reasons.length > 0 && !options.force) throw new GuardError(reasons);
    return {
      accelerator: { arn: conn.acceleratorArn, name: first.accelerator.name }, changes, warnings: [...warnings, ...reasons.map((r) => `forced: ${r}`)],
      status: first.accelerator.status, verified: false, redone: 0, dryRun: true,
    };
  }
  return { ...(await steer(conn, intents, { ...options, status: first })), dryRun: false };
}

/** apply --config FILE: read and validate the service config, then applyDesired. */
export async function applyConfig(conn: Connection, options: WriteOptions & { config: string; dryRun?: boolean }, hooks: ApplyHooks = {}): Promise<ApplyResult> {
  const desired = await desiredFromConfigFile(options.config);
  return applyDesired(conn, desired, options, hooks);
}

/** The desired values of a service config file (@anycast-origin/config). */
export async function desiredFromConfigFile(file: string): Promise<Desired> {
  throw new ConfigError(`${file}: reading the service config needs @anycast-origin/config, which is not there yet`);
}
