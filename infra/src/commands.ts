/**
 * The infra's operations command: `verify` (the deploy's last step: every instance HEALTHY in
 * the accelerator) and `rollout` (the fleet onto the artifact of the last deploy, one instance
 * at a time per region). Both read the config and the deployed stack's outputs, and drive the
 * accelerator through gactl's library (AWS, or an emulator with --endpoint-url). Flags and
 * INFRA_* variables come from src/options.ts; output is a table or JSON on stdout, progress
 * on stderr when it is a terminal, one-line errors; exit 0 done, 1 failed, 2 usage.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { SSMClient } from '@aws-sdk/client-ssm';
import { ConfigError, drainSecondsFor, loadConfig } from '@anycast-origin/config';
import type { AnycastConfig } from '@anycast-origin/config';
import { connect, GactlError } from '@anycast-origin/gactl';
import { addFlags, envLayer, flagLayer, flagsOf, givenFlags, mergeLayers, UsageError as OptionsUsageError, validateLayer } from '@anycast-origin/options';
import type { Flag } from '@anycast-origin/options';
import { endpointGroupAddress } from './anycast-stack.js';
import { DEFAULT_CONFIG_FILE } from './app.js';
import { InfraError, UnhealthyError, UsageError } from './errors.js';
import { COMMON, ENV_PREFIX, ROLLOUT, VERIFY } from './options.js';
import type { CommonSettings, RolloutSettings, VerifySettings } from './options.js';
import { readOutputs } from './outputs.js';
import type { StackOutputs } from './outputs.js';
import { ROLLOUT_CHANNEL, rollout } from './rollout.js';
import type { InstanceUpdater, RolloutEvent, RolloutTarget } from './rollout.js';
import { replaceUpdater, ssmUpdater } from './updaters.js';
import { originSettings, renderUpdateScript } from './user-data.js';
import { verifyDeployment } from './verify.js';
import type { VerifyResult } from './verify.js';

export const TOOL = 'anycast-origin infra';
export const COMMON_FLAGS: readonly Flag[] = Object.freeze(flagsOf(COMMON, { envPrefix: ENV_PREFIX }));
export const VERIFY_FLAGS: readonly Flag[] = Object.freeze(flagsOf(VERIFY, { envPrefix: ENV_PREFIX }));
/** No variables for the rollout's own flags: an INFRA_METHOD left in a shell would change a later rollout unseen. */
export const ROLLOUT_FLAGS: readonly Flag[] = Object.freeze(flagsOf(ROLLOUT));
/** Every flag (the README's table). */
export const FLAGS: readonly Flag[] = Object.freeze([...COMMON_FLAGS, ...VERIFY_FLAGS, ...ROLLOUT_FLAGS]);

/** The synthesized stack next to this package (src/ and dist/ both sit one level below infra/). */
export const DEFAULT_STACK_DIR = fileURLToPath(new URL('../cdktf.out/stacks/anycast-origin', import.meta.url));

export interface Io {
  readonly stdout: Writable;
  readonly stderr: Writable & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

type Parsed =
  | { kind: 'exit'; output: string }
  | { kind: 'verify'; common: CommonSettings; own: VerifySettings }
  | { kind: 'rollout'; common: CommonSettings; own: RolloutSettings };

function program(chosen: (name: 'verify' | 'rollout', cmd: Command) => void, out: (s: string) => void): Command {
  const p = new Command(TOOL)
    .description('Operate the deployed anycast service: verify a deploy, roll out a new artifact.')
    .helpOption('-h, --help', 'show this help').helpCommand(false).exitOverride()
    .configureOutput({ writeOut: out, writeErr: () => {} });
  const sub = (name: 'verify' | 'rollout', summary: string, own: readonly Flag[]) => {
    const c = p.command(name).description(summary).helpOption('-h, --help', 'show this help').exitOverride().configureOutput({ writeOut: out, writeErr: () => {} });
    addFlags(c, COMMON_FLAGS);
    addFlags(c, own);
    c.action((...params: unknown[]) => chosen(name, params[params.length - 1] as Command));
  };
  sub('verify', 'wait until every instance of the stack is HEALTHY in the accelerator; report each one that is not, with where its boot log is', VERIFY_FLAGS);
  sub('rollout', 'put the last deploy\'s artifact on every instance, one at a time per region, never leaving a region without a healthy endpoint', ROLLOUT_FLAGS);
  p.addHelpText('after', `\nEvery common flag is also a variable (${ENV_PREFIX}<FLAG>); flags win. AWS credentials and the API's region come from the SDK's chain.\nExit codes: 0 done, 1 failed, 2 usage.`);
  return p;
}

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): Parsed {
  let out = '';
  let picked: { name: 'verify' | 'rollout'; cmd: Command } | undefined;
  const p = program((name, cmd) => (picked = { name, cmd }), (s) => (out += s));
  try {
    p.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed') return { kind: 'exit', output: out };
      if (e.code === 'commander.help') throw new UsageError('a command is required: verify, rollout');
      throw new UsageError(e.message.replace(/^error: /, ''));
    }
    throw e;
  }
  if (!picked) throw new UsageError('a command is required: verify, rollout');
  const { name, cmd } = picked;
  const own = name === 'verify' ? VERIFY_FLAGS : ROLLOUT_FLAGS;
  try {
    const common = validateLayer(COMMON, mergeLayers([envLayer(COMMON_FLAGS, env), flagLayer(COMMON_FLAGS, givenFlags(cmd, COMMON_FLAGS))]), COMMON_FLAGS);
    const layer = mergeLayers([envLayer(own, env), flagLayer(own, givenFlags(cmd, own))]);
    return name === 'verify'
      ? { kind: 'verify', common, own: validateLayer(VERIFY, layer, own) }
      : { kind: 'rollout', common, own: validateLayer(ROLLOUT, layer, own) };
  } catch (e) {
    if (e instanceof OptionsUsageError) throw new UsageError(e.message, { cause: e });
    throw e;
  }
}

/** Run the command; resolves the exit code. Never throws. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    const parsed = parseArgs(argv, io.env);
    if (parsed.kind === 'exit') {
      io.stdout.write(parsed.output);
      return 0;
    }
    const config = loadConfig(parsed.common.config ?? io.env.ANYCAST_CONFIG ?? DEFAULT_CONFIG_FILE);
    const stackDir = parsed.common.stackDir ?? DEFAULT_STACK_DIR;
    const readStack = () => readOutputs({ ...(parsed.common.outputs !== undefined ? { file: parsed.common.outputs } : {}), stackDir, terraform: parsed.common.terraform });
    const outputs = await readStack();
    if (parsed.kind === 'rollout' && parsed.own.dryRun) {
      write(io, parsed.common.output, rolloutPlan(config, outputs, parsed.own), formatPlan);
      return 0;
    }
    const conn = await connect({ ...(parsed.common.endpointUrl !== undefined ? { endpointUrl: parsed.common.endpointUrl } : {}), accelerator: outputs.acceleratorArn, pollSeconds: parsed.common.pollSeconds });
    try {
      if (parsed.kind === 'verify') return await runVerify(io, conn, outputs, parsed.common, parsed.own);
      return await runRollout(io, conn, config, outputs, { stackDir, common: parsed.common, own: parsed.own });
    } finally {
      conn.close();
    }
  } catch (e) {
    if (e instanceof InfraError || e instanceof ConfigError || e instanceof GactlError) {
      io.stderr.write(`${TOOL}: ${e.message}\n`);
      return e instanceof UsageError ? 2 : 1;
    }
    io.stderr.write(`${TOOL}: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

function write<T>(io: Io, output: 'table' | 'json', value: T, table: (v: T) => string): void {
  io.stdout.write(output === 'json' ? `${JSON.stringify(value, null, 2)}\n` : table(value));
}

function columns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join('  ')).join('\n') + '\n';
}

async function runVerify(io: Io, conn: Awaited<ReturnType<typeof connect>>, outputs: StackOutputs, common: CommonSettings, own: VerifySettings): Promise<number> {
  const result = await verifyDeployment(conn, outputs, { timeoutSeconds: own.timeout, pollSeconds: common.pollSeconds });
  write(io, common.output, result, formatVerify);
  if (result.healthy) return 0;
  const bad = result.instances.filter((i) => !i.healthy);
  throw new UnhealthyError(`${bad.length} of ${result.instances.length} instances are not HEALTHY after ${Math.round(result.seconds)} s: ${bad.map((i) => `${i.instanceId} in ${i.region} (${i.listeners.filter((l) => l.state !== 'HEALTHY').map((l) => `${l.listener} ${l.state}${l.reason ? `: ${l.reason}` : ''}`).join('; ')}); boot log: ${i.log}`).join(' | ')}`);
}

export function formatVerify(r: VerifyResult): string {
  const rows = [['REGION', 'INSTANCE', 'HEALTH', 'DETAIL']];
  for (const i of r.instances) {
    rows.push([i.region, i.instanceId, i.healthy ? 'HEALTHY' : 'NOT HEALTHY', i.listeners.map((l) => `${l.listener} ${l.state}${l.reason && l.state !== 'HEALTHY' ? ` (${l.reason})` : ''}`).join(', ')]);
  }
  return `${columns(rows)}${r.healthy ? 'every instance is HEALTHY' : 'not every instance is HEALTHY'} (${Math.round(r.seconds)} s)\n`;
}

/** What a rollout will do, per region: the instances in order and how each is updated. */
export interface RolloutPlan {
  readonly settleSeconds: number;
  readonly healthyTimeoutSeconds: number;
  readonly regionsAtOnce: number;
  readonly regions: readonly { readonly region: string; readonly method: 'ssm' | 'replace'; readonly targets: readonly RolloutTarget[] }[];
}

export function rolloutPlan(config: AnycastConfig, outputs: StackOutputs, own: RolloutSettings): RolloutPlan {
  const names = own.regions ?? config.regions.map((r) => r.region);
  return {
    settleSeconds: own.settleSeconds ?? Math.max(...config.listeners.map((l) => drainSecondsFor(l.healthCheck))),
    healthyTimeoutSeconds: own.healthyTimeout,
    regionsAtOnce: own.regionsAtOnce,
    regions: names.map((region) => {
      const r = config.regions.find((x) => x.region === region);
      const o = outputs.origins.get(region);
      if (!r || !o) throw new UsageError(`--regions names ${region}, which ${r ? 'the deployed stack does not have (deploy first)' : 'the config does not have'}`);
      const method = own.method === 'auto' ? (r.publicIp || r.ssmEndpoints ? 'ssm' : 'replace') : own.method;
      return { region, method, targets: o.instances.map((i) => ({ region, endpointId: i.id, address: i.address })) };
    }),
  };
}

export function formatPlan(p: RolloutPlan): string {
  const rows = [['REGION', 'METHOD', 'INSTANCES (in order)']];
  for (const r of p.regions) rows.push([r.region, r.method, r.targets.map((t) => t.endpointId).join(', ')]);
  return `${columns(rows)}each instance: drain, ${p.settleSeconds} s, update, HEALTHY (at most ${p.healthyTimeoutSeconds} s), restore; ${p.regionsAtOnce} region(s) at a time\n`;
}

interface RolloutContext {
  readonly stackDir: string;
  readonly common: CommonSettings;
  readonly own: RolloutSettings;
}

async function runRollout(io: Io, conn: Awaited<ReturnType<typeof connect>>, config: AnycastConfig, outputs: StackOutputs, ctx: RolloutContext): Promise<number> {
  const plan = rolloutPlan(config, outputs, ctx.own);
  const clients = new Map<string, SSMClient>();
  const ssm = ssmUpdater({
    client: (region) => clients.get(region) ?? (clients.set(region, new SSMClient({ region })), clients.get(region) as SSMClient),
    script: (t) => {
      const a = outputs.origins.get(t.region)?.artifact;
      const r = config.regions.find((x) => x.region === t.region);
      if (!a || !r) throw new UsageError(`no artifact or config for ${t.region}`);
      return renderUpdateScript({ artifact: { bucket: a.bucket, key: a.key, versionId: a.versionId, sha256: a.sha256, region: t.region }, origin: originSettings(config.listeners, r) });
    },
    pollSeconds: ctx.common.pollSeconds,
    timeoutSeconds: ctx.own.healthyTimeout,
  });
  const replace = replaceUpdater({
    // The new instance's id: from terraform itself (a saved --outputs file predates the apply).
    stackDir: ctx.stackDir, terraform: ctx.common.terraform, readOutputs: () => readOutputs({ stackDir: ctx.stackDir, terraform: ctx.common.terraform }),
    groupsOf: (region) => config.listeners.map((l) => endpointGroupAddress(l.name, region)),
  });
  const methods = new Map(plan.regions.map((r) => [r.region, r.method]));
  const updater: InstanceUpdater = { update: (t) => (methods.get(t.region) === 'ssm' ? ssm : replace).update(t) };
  const onEvent = (m: unknown) => {
    const e = m as RolloutEvent;
    io.stderr.write(`${e.region} ${e.endpointId}: ${e.phase}${e.newEndpointId && e.newEndpointId !== e.endpointId ? ` (now ${e.newEndpointId})` : ''}\n`);
  };
  if (io.stderr.isTTY) subscribe(ROLLOUT_CHANNEL, onEvent);
  try {
    const report = await rollout(conn, new Map(plan.regions.map((r) => [r.region, r.targets])), updater, {
      settleSeconds: plan.settleSeconds, healthyTimeoutSeconds: plan.healthyTimeoutSeconds, pollSeconds: ctx.common.pollSeconds, regionsAtOnce: plan.regionsAtOnce,
    });
    write(io, ctx.common.output, report, (r) => `${columns([['REGION', 'BEFORE', 'AFTER', 'SECONDS'], ...r.instances.map((i) => [i.region, i.before, i.after, String(Math.round(i.seconds))])])}rolled ${r.instances.length} instances in ${Math.round(r.seconds)} s\n`);
    return 0;
  } finally {
    if (io.stderr.isTTY) unsubscribe(ROLLOUT_CHANNEL, onEvent);
    for (const c of clients.values()) c.destroy();
  }
}
