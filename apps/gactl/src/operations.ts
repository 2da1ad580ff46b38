/**
 * The steering operations as a library (what `gactl status|dial|weight|wait` run, and what the
 * lab and the autopilot call): each validates its arguments from the same descriptions the
 * command's arguments come from, picks the groups, and hands the intents to the engine.
 */
import type { Connection } from './connect.js';
import { checkArguments } from './options.js';
import { groupsInRegion, groupsWithEndpoint, selectListeners } from './plan.js';
import type { Intent } from './plan.js';
import { readStatus } from './status.js';
import type { Status } from './status.js';
import { steer } from './steer.js';
import type { ChangeResult, WriteOptions } from './steer.js';
import { deadlineAfter, waitUntilDeployed } from './wait.js';
import type { WaitResult } from './wait.js';

/** Which listeners a write acts on: `['TCP:80']`; all that have the Region or endpoint when omitted. */
export interface ListenerFilter {
  listeners?: readonly string[];
}

/** The accelerator, its listeners, groups and endpoints (the `status --output json` contract). */
export function status(conn: Connection): Promise<Status> {
  return readStatus(conn, conn.acceleratorArn);
}

/** Set the traffic dial of the Region's endpoint groups (on every listener that has one, or the listeners given). */
export async function setDial(conn: Connection, args: { region: string; percent: number } & ListenerFilter, options: WriteOptions = {}): Promise<ChangeResult> {
  const { region, percent } = checkArguments('dial', { region: args.region, percent: args.percent });
  const first = await readStatus(conn, conn.acceleratorArn);
  const groups = groupsInRegion(selectListeners(first, args.listeners), region, !args.listeners?.length);
  const intents: Intent[] = groups.map(({ group }) => ({ field: 'trafficDial', endpointGroupArn: group.arn, value: percent }));
  return steer(conn, intents, { ...options, status: first });
}

/** Set an endpoint's weight in every group that holds it (or in those of the listeners given). */
export async function setWeight(conn: Connection, args: { endpointId: string; weight: number } & ListenerFilter, options: WriteOptions = {}): Promise<ChangeResult> {
  const { endpointId, weight } = checkArguments('weight', { endpointId: args.endpointId, weight: args.weight });
  const first = await readStatus(conn, conn.acceleratorArn);
  const groups = groupsWithEndpoint(selectListeners(first, args.listeners), endpointId, !args.listeners?.length);
  const intents: Intent[] = groups.map(({ group }) => ({ field: 'weight', endpointGroupArn: group.arn, endpointId, value: weight }));
  return steer(conn, intents, { ...options, status: first });
}

/** Wait until the accelerator is DEPLOYED (DeployTimeoutError after `timeout` seconds). */
export function waitDeployed(conn: Connection, options: { timeout?: number } = {}): Promise<WaitResult> {
  return waitUntilDeployed(conn, conn.acceleratorArn, deadlineAfter(conn.clock.now(), options.timeout ?? conn.options.timeout));
}
