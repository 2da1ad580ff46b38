/**
 * Waiting for DEPLOYED. The SDK has no waiter for it: poll DescribeAccelerator every
 * `pollSeconds` until its Status is DEPLOYED, up to a deadline (a command's `timeout` is one
 * budget for all its waits), then DeployTimeoutError (the command's exit 3). Each poll is
 * published on the wait channel, which the command shows as progress on a terminal.
 */
import { channel } from 'node:diagnostics_channel';
import { CHANNELS } from './api.js';
import { DeployTimeoutError, IncompleteResponseError } from './errors.js';
import { describeAccelerator } from './status.js';
import type { Reader } from './status.js';

const waitChannel = channel(CHANNELS.wait);

/** When a command's waiting must be over: its start plus its timeout. */
export interface Deadline {
  readonly at: number;
  readonly timeoutSeconds: number;
}

export function deadlineAfter(now: number, timeoutSeconds: number): Deadline {
  return { at: now + timeoutSeconds * 1000, timeoutSeconds };
}

export interface WaitResult {
  status: 'DEPLOYED';
  /** Time spent waiting, ms (the first poll's time when it was DEPLOYED at once). */
  waitedMs: number;
  /** DescribeAccelerator calls made (1: it was DEPLOYED at once). */
  polls: number;
}

/** Resolves once the accelerator is DEPLOYED; DeployTimeoutError past the deadline. */
export async function waitUntilDeployed(r: Reader & { readonly options: { readonly pollSeconds: number } }, arn: string, deadline: Deadline): Promise<WaitResult> {
  const started = r.clock.now();
  for (let polls = 1; ; polls++) {
    const { status } = await describeAccelerator(r, arn);
    const elapsedMs = r.clock.now() - started;
    if (waitChannel.hasSubscribers) waitChannel.publish({ acceleratorArn: arn, status, elapsedMs });
    if (status === 'DEPLOYED') return { status, waitedMs: elapsedMs, polls };
    if (status === null) throw new IncompleteResponseError(`DescribeAccelerator returned no Status for ${arn}: cannot tell when it is DEPLOYED`);
    const left = deadline.at - r.clock.now();
    if (left <= 0) {
      throw new DeployTimeoutError(deadline.timeoutSeconds, `timed out after ${deadline.timeoutSeconds} s waiting for DEPLOYED (the accelerator is still ${status})`);
    }
    await r.clock.sleep(Math.min(r.options.pollSeconds * 1000, left));
  }
}
