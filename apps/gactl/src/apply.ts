/**
 * apply: set each endpoint group's traffic dial and each endpoint's weight to what the
 * service config says (infra/anycast.config.json, read and validated by
 * @anycast-origin/config, the same file `cdktf deploy` reads), so that steering by hand ends
 * where the infra's next deploy would put things and the two never fight. The diff comes
 * first; a dry run stops there (and fails as the write would if a guard refuses).
 *
 * apply sets values only. Membership is the infra's job (cdktf deploy): a listener or group
 * of the config that is not on the accelerator, or a group whose endpoint count is not the
 * config's instance count, is an error ("deploy the infra first"); a group on the
 * accelerator that the config does not have is left alone, with a warning.
 *
 * Weights: the config has one per instance, but the Global Accelerator API does not say which
 * endpoint is which instance (and Terraform keeps endpoint configurations as a set, in no
 * order). A region whose instances all have one weight is applied to every endpoint of its
 * groups; different weights per instance cannot be placed and are refused (ConfigError), never
 * guessed. Library callers that know their endpoint ids (the lab) pass them by id instead.
 */
import { loadConfig } from '@anycast-origin/config';
import type { AnycastConfig } from '@anycast-origin/config';
import type { Connection } from './connect.js';
import { ConfigError, GuardError, NotFoundError } from './errors.js';
import { assess, changesOf } from './plan.js';
import type { Change, Intent } from './plan.js';
import { listenerLabel, readStatus } from './status.js';
import type { Status } from './status.js';
import { steer } from './steer.js';
import type { ChangeResult, WriteOptions } from './steer.js';

/** The values wanted in one Region of one listener. */
export interface DesiredGroup {
  region: string;
  trafficDial?: number;
  /** One weight for every endpoint of the group; `instanceCount`, when given, must be their number. */
  weight?: number;
  instanceCount?: number;
  /** Weights by endpoint id. */
  endpoints?: { id: string; weight: number }[];
}

/** The values wanted on one listener (`port`: any port the listener serves). */
export interface DesiredListener {
  protocol: 'TCP' | 'UDP';
  port: number;
  groups: DesiredGroup[];
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

/** What apply sets for a service config: every region's dial and weight on every listener. */
export function desiredFromConfig(config: AnycastConfig): Desired {
  const groups = config.regions.map((r): DesiredGroup => {
    const [first, ...rest] = r.weights;
    if (first === undefined || rest.some((w) => w !== first)) {
      throw new ConfigError(`the config gives ${r.region}'s instances different weights (${r.weights.join(', ')}): the Global Accelerator API does not say which endpoint is which instance, so gactl cannot place them; give the region one weight, or steer with \`gactl weight\``);
    }
    return { region: r.region, trafficDial: r.trafficDial, weight: first, instanceCount: r.instanceCount };
  });
  return { listeners: config.listeners.map((l) => ({ protocol: l.protocol, port: l.port, groups })) };
}

/** Read and validate a service config file (ConfigError naming the file and field). */
export function readConfig(file: string): AnycastConfig {
  try {
    return loadConfig(file);
  } catch (e) {
    const message = (e as Error).message;
    throw new ConfigError(message.startsWith('config file ') ? message : `config file ${file}: ${message}`, { cause: e });
  }
}

/** The intents that make `status` what `desired` says, and warnings about what it leaves alone. */
export function intentsFor(status: Status, desired: Desired): { intents: Intent[]; warnings: string[] } {
  const intents: Intent[] = [];
  const covered = new Set<string>();
  for (const want of desired.listeners) {
    const label = `${want.protocol}:${want.port}`;
    const listener = status.listeners.find((l) => l.protocol === want.protocol && l.ports.some((p) => p.fromPort !== null && p.toPort !== null && want.port >= p.fromPort && want.port <= p.toPort));
    if (!listener) throw new NotFoundError(`the config's listener ${label} is not on the accelerator (listeners: ${status.listeners.map(listenerLabel).join(', ') || 'none'}): deploy the infra first`);
    for (const g of want.groups) {
      const group = listener.endpointGroups.find((x) => x.region === g.region);
      if (!group) throw new NotFoundError(`the config's endpoint group in ${g.region} on ${label} is not on the accelerator: deploy the infra first`);
      covered.add(group.arn);
      if (g.trafficDial !== undefined) intents.push({ field: 'trafficDial', endpointGroupArn: group.arn, value: g.trafficDial });
      if (g.weight !== undefined) {
        if (g.instanceCount !== undefined && group.endpoints.length !== g.instanceCount) {
          throw new NotFoundError(`the endpoint group in ${g.region} on ${label} has ${group.endpoints.length} endpoint(s), the config ${g.instanceCount} instance(s): deploy the infra first`);
        }
        for (const e of group.endpoints) intents.push({ field: 'weight', endpointGroupArn: group.arn, endpointId: e.id, value: g.weight });
      }
      for (const e of g.endpoints ?? []) {
        if (!group.endpoints.some((x) => x.id === e.id)) throw new NotFoundError(`endpoint ${e.id} is not in the endpoint group in ${g.region} on ${label}: deploy the infra first`);
        intents.push({ field: 'weight', endpointGroupArn: group.arn, endpointId: e.id, value: e.weight });
      }
    }
  }
  const warnings = status.listeners.flatMap((l) => l.endpointGroups.filter((g) => !covered.has(g.arn))
    .map((g) => `the endpoint group in ${g.region ?? '?'} on ${listenerLabel(l)} is not in the config (a deploy would remove it): left as it is`));
  return { intents, warnings };
}

/** Apply desired values: the diff (hooks.diff), then, unless a dry run, the writes. */
export async function applyDesired(conn: Connection, desired: Desired, options: WriteOptions & { dryRun?: boolean } = {}, hooks: ApplyHooks = {}): Promise<ApplyResult> {
  const first = await readStatus(conn, conn.acceleratorArn);
  const { intents, warnings: left } = intentsFor(first, desired);
  hooks.diff?.(changesOf(first, intents));
  if (options.dryRun) {
    const { reasons, warnings } = assess(first, intents);
    if (reasons.length > 0 && !options.force) throw new GuardError(reasons);
    return {
      accelerator: { arn: conn.acceleratorArn, name: first.accelerator.name }, changes: changesOf(first, intents),
      warnings: [...left, ...warnings, ...reasons.map((r) => `forced: ${r}`)], status: first.accelerator.status, verified: false, redone: 0, dryRun: true,
    };
  }
  const result = await steer(conn, intents, { ...options, status: first });
  return { ...result, warnings: [...left, ...result.warnings], dryRun: false };
}

/** apply --config FILE: the config's dials and weights (see the header). */
export async function applyConfig(conn: Connection, options: WriteOptions & { config: string | AnycastConfig; dryRun?: boolean }, hooks: ApplyHooks = {}): Promise<ApplyResult> {
  const config = typeof options.config === 'string' ? readConfig(options.config) : options.config;
  return applyDesired(conn, desiredFromConfig(config), options, hooks);
}
