/**
 * Every setting of the infra's operations command (`node dist/cli.js verify|rollout`, what
 * `npm run deploy`, `npm run verify` and `npm run rollout` run), described once
 * (@anycast-origin/options): flags, INFRA_* variables, defaults, checks, --help and the README's
 * flag table come from these descriptions.
 */
import { o } from '@anycast-origin/options';
import type { OptionsOutput } from '@anycast-origin/options';
import { KNOWN_REGIONS } from '@anycast-origin/config';

/** Prefix of the command's environment variables. */
export const ENV_PREFIX = 'INFRA_';

const KNOWN = new Set<string>(KNOWN_REGIONS);

/** What both commands take. */
export const COMMON = o.group({
  config: o.string({ doc: 'the service config (the one the stack was synthesized from)', defaultText: 'ANYCAST_CONFIG, else infra/anycast.config.json' }),
  outputs: o.string({ doc: 'a file holding `terraform output -json` of the deployed stack', defaultText: 'terraform output -json in --stack-dir' }),
  stackDir: o.string({ doc: 'the synthesized stack, where terraform runs on the deploy\'s state', defaultText: 'infra/cdktf.out/stacks/anycast-origin' }),
  terraform: o.string({ default: 'terraform', doc: 'the terraform command' }),
  endpointUrl: o.url({ doc: 'URL of the Global Accelerator API (an emulator\'s apiUrl)', defaultText: 'AWS (the SDK\'s AWS_ENDPOINT_URL_GLOBAL_ACCELERATOR when set)' }),
  output: o.enum(['table', 'json'], { default: 'table', doc: 'table for people, json for scripts' }),
  pollSeconds: o.number({ min: 0.01, max: 60, default: 5, unit: 's', doc: 'seconds between two reads of the accelerator while waiting' }),
}, { doc: 'common options' });

export const VERIFY = o.group({
  timeout: o.number({ min: 0, max: 86_400, default: 900, unit: 's', doc: 'longest wait for every instance to be HEALTHY (boot, install, health checks)' }),
}, { doc: 'verify: every instance HEALTHY in the accelerator' });

export const ROLLOUT = o.group({
  method: o.enum(['auto', 'ssm', 'replace'], {
    default: 'auto',
    doc: 'how an instance gets the new version: ssm (in place, Run Command), replace (terraform apply -replace), auto (ssm where the region has publicIp or ssmEndpoints, else replace)',
  }),
  regions: o.list(o.string({ required: true, check: (s) => KNOWN.has(s), expects: 'an AWS region name', doc: 'a region' }), { doc: 'regions to roll, in this order', defaultText: 'every region of the config, in its order' }),
  settleSeconds: o.number({ min: 0, max: 3600, unit: 's', doc: 'wait between an instance\'s drain and its update, for its flows to end', defaultText: 'drainSecondsFor() of the longest health check' }),
  healthyTimeout: o.number({ min: 1, max: 86_400, default: 900, unit: 's', doc: 'longest wait for an updated instance to be HEALTHY again (the rollout stops after it)' }),
  regionsAtOnce: o.integer({ min: 1, max: 50, default: 1, doc: 'regions rolled at the same time (each one instance at a time)' }),
  dryRun: o.boolean({ default: false, doc: 'print the plan (instances, methods, timings) and change nothing' }),
}, { doc: 'rollout: the fleet onto the artifact of the last deploy, one instance at a time per region' });

export type CommonSettings = OptionsOutput<typeof COMMON>;
export type VerifySettings = OptionsOutput<typeof VERIFY>;
export type RolloutSettings = OptionsOutput<typeof ROLLOUT>;
