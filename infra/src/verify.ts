/**
 * The deploy's last step: a `terraform apply` that succeeded says nothing about whether the
 * origins serve. This waits until the accelerator is DEPLOYED, then until every instance the
 * stack made is HEALTHY in every endpoint group of its region (through gactl's status, on AWS
 * or the emulator), and reports each one that is not: where it is, what the accelerator says,
 * and where its boot log is.
 */
import { listenerLabel, status, waitDeployed } from '@anycast-origin/gactl';
import type { Connection, Status } from '@anycast-origin/gactl';
import type { StackOutputs } from './outputs.js';

export interface ListenerHealth {
  /** `TCP:80`. */
  readonly listener: string;
  /** HEALTHY, INITIAL, UNHEALTHY, or MISSING when the group or the endpoint is not there. */
  readonly state: string;
  readonly reason: string | null;
}

export interface InstanceHealth {
  readonly region: string;
  readonly instanceId: string;
  readonly healthy: boolean;
  readonly listeners: readonly ListenerHealth[];
  /** Where to read why an instance is not healthy. */
  readonly log: string;
}

export interface VerifyResult {
  readonly healthy: boolean;
  readonly seconds: number;
  readonly instances: readonly InstanceHealth[];
}

export interface VerifyOptions {
  /** Longest wait for every instance to be HEALTHY, DEPLOYED included. */
  readonly timeoutSeconds: number;
  /** Seconds between two reads. */
  readonly pollSeconds: number;
}

/** How to read an instance's boot log without logging in (cloud-init writes to the console). */
export function bootLogHint(region: string, instanceId: string): string {
  return `aws ec2 get-console-output --region ${region} --instance-id ${instanceId} --latest --output text (the instance's /var/log/cloud-init-output.log)`;
}

/** Each instance's health in every listener's group of its region, as the status says it. */
export function instanceHealth(s: Status, outputs: StackOutputs): InstanceHealth[] {
  const out: InstanceHealth[] = [];
  for (const [region, origins] of outputs.origins) {
    for (const { id } of origins.instances) {
      const listeners = s.listeners.map((l): ListenerHealth => {
        const group = l.endpointGroups.find((g) => g.region === region);
        const e = group?.endpoints.find((x) => x.id === id);
        if (!group) return { listener: listenerLabel(l), state: 'MISSING', reason: `no endpoint group in ${region}` };
        if (!e) return { listener: listenerLabel(l), state: 'MISSING', reason: 'not in the endpoint group' };
        return { listener: listenerLabel(l), state: e.healthState ?? 'UNKNOWN', reason: e.healthReason };
      });
      out.push({ region, instanceId: id, healthy: listeners.length > 0 && listeners.every((x) => x.state === 'HEALTHY'), listeners, log: bootLogHint(region, id) });
    }
  }
  return out;
}

/** Wait for DEPLOYED, then until every instance is HEALTHY or the time is up; never throws for health. */
export async function verifyDeployment(conn: Connection, outputs: StackOutputs, options: VerifyOptions): Promise<VerifyResult> {
  const started = conn.clock.now();
  const left = () => options.timeoutSeconds - (conn.clock.now() - started) / 1000;
  await waitDeployed(conn, { timeout: Math.max(0, left()) });
  for (;;) {
    const instances = instanceHealth(await status(conn), outputs);
    const healthy = instances.every((i) => i.healthy);
    if (healthy || left() <= 0) return { healthy, seconds: (conn.clock.now() - started) / 1000, instances };
    await conn.clock.sleep(Math.min(options.pollSeconds, Math.max(left(), 0)) * 1000);
  }
}
