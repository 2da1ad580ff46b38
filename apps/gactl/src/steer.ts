/**
 * The read-modify-write engine every steering command runs on. Global Accelerator has no
 * conditional write: UpdateEndpointGroup replaces the whole endpoint list with what it is
 * sent, so a list read a while ago silently undoes whatever changed since (a lost update).
 * For each endpoint group, in an order that never passes through less capacity than the end
 * state (plan.ts), gactl:
 *
 *   1. waits until the accelerator is DEPLOYED (no write into another transaction),
 *   2. re-reads the listener's groups right before the write, drops intents that already
 *      hold, runs the guards on what it just read,
 *   3. sends the dial, and/or every endpoint of the group with only the intended weights
 *      changed (each endpoint's weight and client IP preservation sent as read; a member the
 *      API left out stops the write instead of being reset to a default),
 *   4. on TransactionInProgressException, throttling or a 5xx: backs off and starts over at 1
 *      with a fresh read, never resending the old body; any other error fails at once.
 *
 * Then it waits for DEPLOYED (unless told not to) and re-reads every group it touched: each
 * intent must hold. A value found back at what it was before the write was undone by a
 * writer that sent a stale list: the group is written again (up to retry.lostUpdates times).
 * A value that is something else was set by someone on purpose after us: VerifyError.
 */
import { channel } from 'node:diagnostics_channel';
import { UpdateEndpointGroupCommand } from '@aws-sdk/client-global-accelerator';
import type { EndpointConfiguration, UpdateEndpointGroupCommandInput } from '@aws-sdk/client-global-accelerator';
import { backOff, backoffMs, CHANNELS, classify, toApiError } from './api.js';
import type { Connection } from './connect.js';
import { DeployTimeoutError, GuardError, IncompleteResponseError, NotFoundError, VerifyError } from './errors.js';
import { checkWriteOptions } from './options.js';
import { assess, changeOf, currentValue, guardListener, locate, project, writeOrder } from './plan.js';
import type { Change, Intent, Located } from './plan.js';
import { describeAccelerator, listenerLabel, readGroups, readStatus } from './status.js';
import type { EndpointGroupStatus, Status } from './status.js';
import { deadlineAfter, waitUntilDeployed } from './wait.js';
import type { Deadline } from './wait.js';

const writeChannel = channel(CHANNELS.write);
const redoChannel = channel(CHANNELS.redo);

/** Per-call settings (the connection's options otherwise). */
export interface WriteOptions {
  /** Do it even when a guard refuses. @default false */
  force?: boolean;
  /** Wait for DEPLOYED after the write(s) before verifying. @default the connection's `wait` */
  wait?: boolean;
  /** Seconds this call may wait for DEPLOYED in all. @default the connection's `timeout` */
  timeout?: number;
}

/** What a steering call did. */
export interface ChangeResult {
  accelerator: { arn: string; name: string | null };
  /** Every value changed, with what it was right before gactl wrote it. Empty: everything already held. */
  changes: Change[];
  warnings: string[];
  /** The accelerator's status at the end: DEPLOYED, or IN_PROGRESS without waiting. */
  status: 'DEPLOYED' | 'IN_PROGRESS' | null;
  /** Every intent holds on a re-read after the write (and the wait). Always true when the call returns. */
  verified: true;
  /** Read-modify-writes started over: transactions in progress, retried errors, changes found undone. */
  redone: number;
}

interface Run {
  readonly conn: Connection;
  readonly deadline: Deadline;
  readonly force: boolean;
  redone: number;
  /** Groups written so far (for messages when a later one fails). */
  written: number;
}

function redo(run: Run, endpointGroupArn: string, reason: string, attempt: number): void {
  run.redone++;
  if (redoChannel.hasSubscribers) redoChannel.publish({ acceleratorArn: run.conn.acceleratorArn, endpointGroupArn, reason, attempt });
}

function pastDeadline(run: Run, why: string): void {
  if (run.conn.clock.now() > run.deadline.at) throw new DeployTimeoutError(run.deadline.timeoutSeconds, `timed out after ${run.deadline.timeoutSeconds} s: ${why}`);
}

/** The request for one group's intents over the group as just read. */
export function updateInput(group: EndpointGroupStatus, intents: readonly Intent[]): UpdateEndpointGroupCommandInput {
  const input: UpdateEndpointGroupCommandInput = { EndpointGroupArn: group.arn };
  const weights = new Map<string, number>();
  for (const i of intents) {
    if (i.field === 'trafficDial') input.TrafficDialPercentage = i.value;
    else weights.set(i.endpointId, i.value);
  }
  if (weights.size > 0) {
    input.EndpointConfigurations = group.endpoints.map((e): EndpointConfiguration => {
      const weight = weights.get(e.id) ?? e.weight;
      if (weight === null) throw new IncompleteResponseError(`the API gave no Weight for ${e.id} in ${group.region ?? group.arn}: rewriting the group's endpoint list would reset it, so gactl does not`);
      if (e.clientIpPreservation === null) {
        throw new IncompleteResponseError(`the API gave no ClientIPPreservationEnabled for ${e.id} in ${group.region ?? group.arn}: rewriting the group's endpoint list could change it, so gactl does not`);
      }
      return { EndpointId: e.id, Weight: weight, ClientIPPreservationEnabled: e.clientIpPreservation };
    });
  }
  return input;
}

/** One group's read-modify-write, started over until it is accepted. Returns the changes it made. */
async function writeGroup(run: Run, at: Located, intents: readonly Intent[]): Promise<Change[]> {
  const { conn } = run;
  let failures = 0;
  let transactions = 0;
  for (;;) {
    if (transactions > 0) pastDeadline(run, `other transactions kept the accelerator IN_PROGRESS${run.written ? ` (${run.written} endpoint group(s) already changed)` : ''}`);
    await waitUntilDeployed(conn, conn.acceleratorArn, run.deadline);
    const groups = await readGroups(conn, at.listener.arn);
    const group = groups.find((g) => g.arn === at.group.arn);
    if (!group) throw new NotFoundError(`the endpoint group in ${at.group.region ?? '?'} of ${listenerLabel(at.listener)} is gone (${at.group.arn})`);
    for (const i of intents) {
      if (i.field === 'weight' && currentValue(group, i) === undefined) throw new NotFoundError(`endpoint ${i.endpointId} is no longer in the endpoint group in ${group.region ?? '?'} of ${listenerLabel(at.listener)}`);
    }
    const todo = intents.filter((i) => currentValue(group, i) !== i.value);
    if (todo.length === 0) return [];
    const reasons = guardListener(listenerLabel(at.listener), groups, groups.map((g) => project(g, todo)));
    if (reasons.length > 0 && !run.force) throw new GuardError(run.written ? [...reasons, `${run.written} endpoint group(s) were already changed`] : reasons);
    const input = updateInput(group, todo);
    try {
      await conn.client.send(new UpdateEndpointGroupCommand(input));
    } catch (e) {
      const kind = classify(e);
      if (kind === 'transaction') {
        transactions++;
        redo(run, group.arn, 'TransactionInProgressException', transactions);
        // A little jitter, so that two writers that met here do not meet again.
        await conn.clock.sleep(backoffMs(conn.retry, Math.min(transactions, 4), conn.clock.random));
        continue;
      }
      if ((kind === 'throttling' || kind === 'transient') && ++failures < conn.retry.maxAttempts) {
        redo(run, group.arn, toApiError('UpdateEndpointGroup', e).message, failures);
        await backOff(conn, 'UpdateEndpointGroup', e, kind, failures);
        continue;
      }
      throw toApiError('UpdateEndpointGroup', e);
    }
    run.written++;
    const changes = todo.flatMap((i) => changeOf(at.listener, group, i) ?? []);
    if (writeChannel.hasSubscribers) writeChannel.publish({ acceleratorArn: conn.acceleratorArn, endpointGroupArn: group.arn, region: group.region, listener: listenerLabel(at.listener), changes });
    return changes;
  }
}

const key = (i: Intent) => `${i.endpointGroupArn}|${i.field === 'weight' ? i.endpointId : ''}`;

/**
 * Make the intents hold: guards first (GuardError unless `force`), then each group's
 * read-modify-write, the wait, and the verification. `status` is a read the caller already
 * made (else one is made). `prepare` runs after the guards passed and before the first write
 * (drain records the previous values there).
 */
export async function steer(conn: Connection, intents: readonly Intent[], options: WriteOptions & { status?: Status; prepare?: () => Promise<void> } = {}): Promise<ChangeResult> {
  const { force, wait, timeout } = checkWriteOptions({ force: options.force, wait: options.wait, timeout: options.timeout });
  const deadline = deadlineAfter(conn.clock.now(), timeout ?? conn.options.timeout);
  const first = options.status ?? (await readStatus(conn, conn.acceleratorArn));
  const waitAfter = wait ?? conn.options.wait;
  const { reasons, warnings } = assess(first, intents);
  if (reasons.length > 0 && !force) throw new GuardError(reasons);
  warnings.push(...reasons.map((r) => `forced: ${r}`));
  const where = locate(first);
  for (const i of intents) if (!where.has(i.endpointGroupArn)) throw new NotFoundError(`no endpoint group ${i.endpointGroupArn} on the accelerator`);
  await options.prepare?.();

  const run: Run = { conn, deadline, force, redone: 0, written: 0 };
  /** The first change made to each value (its `before` is the value before the command). */
  const made = new Map<string, Change>();
  const original = new Map(intents.map((i) => [key(i), currentValue((where.get(i.endpointGroupArn) as Located).group, i)]));
  let pending = writeOrder(first, intents);
  let status: ChangeResult['status'] = first.accelerator.status;
  for (let round = 0; ; round++) {
    for (const arn of pending) {
      for (const c of await writeGroup(run, where.get(arn) as Located, intents.filter((i) => i.endpointGroupArn === arn))) {
        const k = `${c.endpointGroupArn}|${c.endpointId ?? ''}`;
        const earlier = made.get(k);
        made.set(k, earlier ? { ...c, before: earlier.before } : c);
      }
    }
    // Nothing written (everything already held): nothing of ours to wait for.
    if (waitAfter && made.size > 0) {
      try {
        status = (await waitUntilDeployed(conn, conn.acceleratorArn, deadline)).status;
      } catch (e) {
        if (e instanceof DeployTimeoutError && made.size > 0) throw new DeployTimeoutError(e.timeoutSeconds, `${e.message}: the change is made but not deployed yet (\`gactl wait\` waits again)`);
        throw e;
      }
    }
    // Verify: every intent holds on a fresh read of the listeners touched.
    const listeners = [...new Set(intents.map((i) => (where.get(i.endpointGroupArn) as Located).listener))];
    const now = new Map<string, EndpointGroupStatus>();
    for (const l of listeners) for (const g of await readGroups(conn, l.arn)) now.set(g.arn, g);
    const undone = new Set<string>();
    for (const i of intents) {
      const g = now.get(i.endpointGroupArn);
      const at = where.get(i.endpointGroupArn) as Located;
      const value = g ? currentValue(g, i) : undefined;
      if (value === i.value) continue;
      const what = `${i.field === 'weight' ? `weight of ${i.endpointId}` : 'traffic dial'} in ${at.group.region ?? '?'} on ${listenerLabel(at.listener)}`;
      if (g === undefined || value === undefined) throw new VerifyError(`${what}: gone after the write (the ${g ? 'endpoint' : 'endpoint group'} was removed)`);
      const wasBefore = value === original.get(key(i)) || value === made.get(key(i))?.before;
      if (!wasBefore) throw new VerifyError(`${what} is ${value} after the write, not ${i.value}: someone else changed it since`);
      if (round >= conn.options.retry.lostUpdates) throw new VerifyError(`${what} is back at ${value} after the write, not ${i.value}, ${round + 1} time(s): another writer keeps sending a stale endpoint list`);
      undone.add(i.endpointGroupArn);
    }
    if (undone.size === 0) break;
    for (const arn of undone) redo(run, arn, 'change undone by a stale write', round + 1);
    pending = [...undone];
  }
  if (!waitAfter || made.size === 0) status = (await describeAccelerator(conn, conn.acceleratorArn)).status;
  return {
    accelerator: { arn: conn.acceleratorArn, name: first.accelerator.name },
    changes: [...made.values()],
    warnings,
    status,
    verified: true,
    redone: run.redone,
  };
}
