/**
 * drain and undrain, with the values before a drain kept where they outlive the process and
 * the operator's machine: a tag on the accelerator itself (TagResource), one per drained
 * endpoint or Region, so that another operator's `gactl undrain` finds it.
 *
 *   key    gactl:drain:endpoint:<endpoint id>   (ids longer than the 128-character key allows:
 *                                               gactl:drain:endpoint:sha256:<first 32 hex of its SHA-256>)
 *          gactl:drain:region:<region>
 *   value  <endpoint group id>=<value>, space-separated, one per drained group, e.g.
 *          "0f1e2d3c4b5a=128 a1b2c3d4e5f6=64"; the group id is the last part of the group's ARN;
 *          the value is the weight (endpoint) or traffic dial (Region) before the drain.
 *
 * (AWS allows letters, digits, spaces and `+ - = . _ : / @` in tags, 128 characters per key,
 * 256 per value, 50 tags per resource.) Order: the tag is written after the guards pass and
 * before the first change, so a drain that fails half-way still knows what to restore; a
 * second drain of the same target keeps the values the first one saved (it never records the
 * 0 it set); undrain restores the saved values, verifies them and only then removes the tag.
 */
import { createHash } from 'node:crypto';
import { ListTagsForResourceCommand, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-global-accelerator';
import { withRetries } from './api.js';
import type { Connection } from './connect.js';
import { DrainRecordError, IncompleteResponseError, InvalidArgumentError } from './errors.js';
import { checkArguments, REGION_NAME } from './options.js';
import { currentValue, groupsInRegion, groupsWithEndpoint, locate, selectListeners } from './plan.js';
import type { Intent } from './plan.js';
import { listenerLabel, readStatus } from './status.js';
import { steer } from './steer.js';
import type { ChangeResult, WriteOptions } from './steer.js';

export const DRAIN_TAG_PREFIX = 'gactl:drain:';
const MAX_KEY = 128;
const MAX_VALUE = 256;

/** What to drain: one endpoint (weight 0 in its groups) or one Region (dial 0 of its groups). */
export type DrainTarget = { endpointId: string; region?: undefined } | { region: string; endpointId?: undefined };

/** The record of a drain, as the tag holds it. */
export interface DrainRecord {
  key: string;
  value: string;
  /** Endpoint group id -> value before the drain. */
  saved: Map<string, number>;
}

export interface DrainResult extends ChangeResult {
  /** The drain record: the tag's key and value; `removed` after an undrain. */
  record: { key: string; value: string; removed: boolean };
}

function checkTarget(target: DrainTarget, command: 'drain' | 'undrain'): DrainTarget {
  const hasEndpoint = target.endpointId !== undefined;
  const hasRegion = target.region !== undefined;
  if (hasEndpoint === hasRegion) throw new InvalidArgumentError('target', `must be one endpoint id or one Region, got ${hasEndpoint ? 'both' : 'neither'}`);
  if (hasEndpoint) return { endpointId: checkArguments(command, { endpointId: target.endpointId }).endpointId as string };
  if (!REGION_NAME.test(target.region as string)) throw new InvalidArgumentError('region', `must be an AWS Region name like eu-central-1, got ${JSON.stringify(target.region)}`);
  return { region: target.region as string };
}

/** The tag key of a drain target. */
export function drainTagKey(target: DrainTarget): string {
  if (target.region !== undefined) return `${DRAIN_TAG_PREFIX}region:${target.region}`;
  const key = `${DRAIN_TAG_PREFIX}endpoint:${target.endpointId}`;
  if (key.length <= MAX_KEY) return key;
  return `${DRAIN_TAG_PREFIX}endpoint:sha256:${createHash('sha256').update(target.endpointId).digest('hex').slice(0, 32)}`;
}

/** The last part of an endpoint group's ARN. */
export function groupId(endpointGroupArn: string): string {
  return endpointGroupArn.slice(endpointGroupArn.lastIndexOf('/') + 1);
}

export function formatDrainValue(saved: ReadonlyMap<string, number>): string {
  return [...saved].map(([id, v]) => `${id}=${v}`).join(' ');
}

/** Parse a drain tag's value; DrainRecordError when it is not one gactl wrote. */
export function parseDrainValue(key: string, value: string): Map<string, number> {
  const saved = new Map<string, number>();
  for (const part of value.split(' ').filter((p) => p !== '')) {
    const m = /^([A-Za-z0-9-]+)=(\d+(?:\.\d+)?)$/.exec(part);
    if (!m) throw new DrainRecordError(`tag ${key} on the accelerator is not a gactl drain record: ${JSON.stringify(value)}`);
    saved.set(m[1] as string, Number(m[2]));
  }
  if (saved.size === 0) throw new DrainRecordError(`tag ${key} on the accelerator records no endpoint group: ${JSON.stringify(value)}`);
  return saved;
}

/** The accelerator's tags. */
export async function readTags(conn: Connection): Promise<Map<string, string>> {
  const out = await withRetries(conn, 'ListTagsForResource', () => conn.client.send(new ListTagsForResourceCommand({ ResourceArn: conn.acceleratorArn })));
  return new Map((out.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

/** The drain record of a target, if there is one. */
export async function readDrainRecord(conn: Connection, target: DrainTarget): Promise<DrainRecord | undefined> {
  const key = drainTagKey(target);
  const value = (await readTags(conn)).get(key);
  return value === undefined ? undefined : { key, value, saved: parseDrainValue(key, value) };
}

const describe = (t: DrainTarget) => (t.region !== undefined ? `Region ${t.region}` : `endpoint ${t.endpointId}`);

/**
 * Drain an endpoint (weight 0 in each of its groups) or a Region (dial 0 of each of its groups),
 * on every listener or those given; the values before are saved in a tag first.
 */
export async function drain(conn: Connection, target: DrainTarget, options: WriteOptions & { listeners?: readonly string[] } = {}): Promise<DrainResult> {
  const t = checkTarget(target, 'drain');
  const first = await readStatus(conn, conn.acceleratorArn);
  const listeners = selectListeners(first, options.listeners);
  const all = !options.listeners?.length;
  const located = t.region !== undefined ? groupsInRegion(listeners, t.region, all) : groupsWithEndpoint(listeners, t.endpointId as string, all);
  const intents: Intent[] = located.map(({ group }) => (t.region !== undefined
    ? { field: 'trafficDial', endpointGroupArn: group.arn, value: 0 }
    : { field: 'weight', endpointGroupArn: group.arn, endpointId: t.endpointId as string, value: 0 }));

  const earlier = await readDrainRecord(conn, t);
  const key = drainTagKey(t);
  const saved = new Map(earlier?.saved ?? []);
  for (const [n, { listener, group }] of located.entries()) {
    const id = groupId(group.arn);
    if (saved.has(id)) continue;
    const v = currentValue(group, intents[n] as Intent);
    if (v === null || v === undefined) throw new IncompleteResponseError(`the API gave no ${t.region !== undefined ? 'TrafficDialPercentage' : 'Weight'} for the group in ${group.region ?? '?'} of ${listenerLabel(listener)}: nothing to restore later, so gactl does not drain it`);
    saved.set(id, v);
  }
  const value = formatDrainValue(saved);
  if (value.length > MAX_VALUE) throw new DrainRecordError(`cannot record the drain of ${describe(t)}: the tag value would be ${value.length} characters, AWS allows ${MAX_VALUE}`);
  const prepare = async () => {
    if (earlier?.value === value) return;
    await withRetries(conn, 'TagResource', () => conn.client.send(new TagResourceCommand({ ResourceArn: conn.acceleratorArn, Tags: [{ Key: key, Value: value }] })));
  };
  const result = await steer(conn, intents, { ...options, status: first, prepare });
  return { ...result, record: { key, value, removed: false } };
}

/**
 * Undrain: restore the values saved by drain (DrainRecordError when there is no record), verify
 * them, then remove the record. Groups recorded but gone, or no longer holding the endpoint,
 * are skipped with a warning.
 */
export async function undrain(conn: Connection, target: DrainTarget, options: WriteOptions = {}): Promise<DrainResult> {
  const t = checkTarget(target, 'undrain');
  const first = await readStatus(conn, conn.acceleratorArn);
  const record = await readDrainRecord(conn, t);
  if (!record) throw new DrainRecordError(`no drain of ${describe(t)} is recorded (no tag ${drainTagKey(t)} on the accelerator): set the value with \`gactl ${t.region !== undefined ? 'dial' : 'weight'}\``);
  const byId = new Map([...locate(first)].map(([arn, at]) => [groupId(arn), at]));
  const intents: Intent[] = [];
  const warnings: string[] = [];
  for (const [id, value] of record.saved) {
    const at = byId.get(id);
    if (!at) {
      warnings.push(`endpoint group ${id} recorded by the drain is gone: skipped`);
      continue;
    }
    if (t.region !== undefined) {
      intents.push({ field: 'trafficDial', endpointGroupArn: at.group.arn, value });
    } else if (at.group.endpoints.some((e) => e.id === t.endpointId)) {
      intents.push({ field: 'weight', endpointGroupArn: at.group.arn, endpointId: t.endpointId as string, value });
    } else {
      warnings.push(`${t.endpointId} is no longer in the endpoint group in ${at.group.region ?? '?'} of ${listenerLabel(at.listener)}: skipped`);
    }
  }
  const result = await steer(conn, intents, { ...options, status: first });
  await withRetries(conn, 'UntagResource', () => conn.client.send(new UntagResourceCommand({ ResourceArn: conn.acceleratorArn, TagKeys: [record.key] })));
  return { ...result, warnings: [...warnings, ...result.warnings], record: { key: record.key, value: record.value, removed: true } };
}
