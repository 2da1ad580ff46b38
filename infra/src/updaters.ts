/**
 * How the rollout puts the new version on one drained instance on AWS: in place through SSM
 * Run Command (the update script the boot script also ends with), or by replacing the instance
 * (terraform apply -replace, the new instance boots the new artifact). SSM needs the instance
 * to reach SSM: public origins, or a region with `ssmEndpoints`; private origins without them
 * are replaced.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GetCommandInvocationCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { UpdateError } from './errors.js';
import type { StackOutputs } from './outputs.js';
import type { InstanceUpdater, RolloutTarget } from './rollout.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The last lines of a command's output, for an error message. */
function tail(text: string | undefined, lines = 5): string {
  return (text ?? '').trim().split('\n').slice(-lines).join(' | ');
}

export interface SsmUpdaterOptions {
  /** An SSM client for a region. */
  client(region: string): SSMClient;
  /** The update script for the target (renderUpdateScript with the region's artifact and settings). */
  script(target: RolloutTarget): string;
  /** Seconds between two GetCommandInvocation reads. */
  readonly pollSeconds: number;
  /** Longest run of the command on the instance (its executionTimeout). */
  readonly timeoutSeconds: number;
  /** @default setTimeout */
  sleep?(ms: number): Promise<void>;
}

/** Statuses of a command invocation that are final. */
const FINAL = new Set(['Success', 'Cancelled', 'TimedOut', 'Failed']);

/** In place: AWS-RunShellScript runs the update script (base64, so no quoting can break it). */
export function ssmUpdater(options: SsmUpdaterOptions): InstanceUpdater {
  const wait = options.sleep ?? sleep;
  return {
    async update(target) {
      const { region, endpointId } = target;
      const ssm = options.client(region);
      const b64 = Buffer.from(options.script(target)).toString('base64');
      const sent = await ssm.send(new SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: [endpointId],
        Comment: 'anycast-origin rollout (infra/src/updaters.ts)',
        Parameters: {
          commands: [`echo ${b64} | base64 -d > /run/anycast-origin-update.sh`, 'bash /run/anycast-origin-update.sh'],
          executionTimeout: [String(options.timeoutSeconds)],
        },
      }));
      const commandId = sent.Command?.CommandId;
      if (!commandId) throw new UpdateError(`SendCommand to ${endpointId} in ${region} returned no command id`);
      const show = `aws ssm get-command-invocation --region ${region} --command-id ${commandId} --instance-id ${endpointId}`;
      const deadline = Date.now() + (options.timeoutSeconds + 60) * 1000;
      for (;;) {
        await wait(options.pollSeconds * 1000);
        let inv;
        try {
          inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: endpointId }));
        } catch (e) {
          // Right after SendCommand the invocation may not exist yet.
          if ((e as Error).name !== 'InvocationDoesNotExist' || Date.now() > deadline) throw new UpdateError(`reading the update of ${endpointId} in ${region} failed: ${(e as Error).name}: ${(e as Error).message} (${show})`, { cause: e });
          continue;
        }
        const st = inv.Status ?? 'Pending';
        if (st === 'Success') return { endpointId };
        if (FINAL.has(st)) throw new UpdateError(`the update of ${endpointId} in ${region} ended ${st}: ${tail(inv.StandardErrorContent) || tail(inv.StandardOutputContent) || 'no output'} (all of it: ${show})`);
        if (Date.now() > deadline) throw new UpdateError(`the update of ${endpointId} in ${region} is still ${st} after ${options.timeoutSeconds} s (${show})`);
      }
    },
  };
}

export interface ReplaceUpdaterOptions {
  /** The synthesized stack (cdktf.out/stacks/anycast-origin), where terraform runs on the deploy's state. */
  readonly stackDir: string;
  /** @default 'terraform' */
  readonly terraform?: string;
  /** Terraform addresses of a region's endpoint groups: they take the new instance in place of the old. */
  groupsOf(region: string): readonly string[];
  /** The stack's outputs after the apply (the new instance id). */
  readOutputs(): Promise<StackOutputs>;
}

/**
 * Replacement: `terraform apply -replace=<instance> -target=<instance> -target=<the region's
 * groups>`. The instance's create_before_destroy brings the new one up and into the groups
 * before the old one (drained already) goes; the new endpoint gets no traffic until it passes
 * its health checks. Only those resources are applied: nothing else the state would change.
 */
export function replaceUpdater(options: ReplaceUpdaterOptions): InstanceUpdater {
  const terraform = options.terraform ?? 'terraform';
  return {
    async update(target) {
      const args = ['apply', '-auto-approve', '-input=false', '-no-color', `-replace=${target.address}`, `-target=${target.address}`, ...options.groupsOf(target.region).map((g) => `-target=${g}`)];
      try {
        await promisify(execFile)(terraform, args, { cwd: options.stackDir, env: { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' }, maxBuffer: 64 << 20 });
      } catch (e) {
        const err = e as Error & { stdout?: string; stderr?: string };
        throw new UpdateError(`terraform ${args.join(' ')} (in ${options.stackDir}) failed: ${tail(err.stderr) || tail(err.stdout) || err.message}`, { cause: e });
      }
      const now = (await options.readOutputs()).origins.get(target.region)?.instances.find((i) => i.address === target.address);
      if (!now) throw new UpdateError(`after replacing ${target.address} the stack's outputs have no instance at that address in ${target.region}`);
      if (now.id === target.endpointId) throw new UpdateError(`${target.address} still has id ${now.id} after terraform apply -replace`);
      return { endpointId: now.id };
    },
  };
}
