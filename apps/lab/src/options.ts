/**
 * Every setting of anycast-lab, described once (@anycast-origin/options): what `up` and
 * `experiment` take. Flags, LAB_* variables, defaults, validation messages, --help and the
 * README's flag tables are derived from these descriptions (a test fails when the README
 * drifts; `npm run docs` rewrites it).
 *
 * The two commands share the lab's own settings (where the config is, the address blocks, the
 * shortened timings); their defaults differ where the two differ in purpose: `up` is for a
 * person to paste commands against, so its ports are fixed and memorable; `experiment` stands
 * its own lab up and down again, so every port is ephemeral and it never clashes with an `up`
 * that is running.
 */
import { parseHostPort } from '@anycast-origin/net';
import { flagsOf, o, parseOptions } from '@anycast-origin/options';
import type { Flag, OptionsOutput } from '@anycast-origin/options';
import { isBlock } from './addresses.js';
import { InvalidOptionError } from './errors.js';

/** Prefix of the command's environment variables. */
export const ENV_PREFIX = 'LAB_';

/** The service config `up` and `experiment` read when --config is not given. */
export const DEFAULT_CONFIG = 'infra/anycast.config.json';

const isLoopbackHostPort = (s: string): boolean => {
  try {
    const { host } = parseHostPort(s);
    return host.startsWith('127.');
  } catch {
    return false;
  }
};

const BLOCK_EXPECTS = 'a loopback block 127.x.y.z/8..30 with its host bits clear';
const block = (value: string, doc: string) => o.string({ default: value, check: isBlock, expects: BLOCK_EXPECTS, doc });
const file = (doc: string, extra: { defaultText?: string } = {}) => o.string({ minBytes: 1, expects: 'a file name', doc, ...extra });

interface Defaults {
  api: string;
  httpPort: number;
  dnsPort: number;
  entryPorts: 'offset-privileged' | 'same' | 'ephemeral';
  deploySeconds?: number;
  deploySecondsText?: string;
  healthIntervalText: string;
}

/** The settings of a running lab, shared by both commands. */
function labSettings(d: Defaults) {
  return {
    config: file('the service config: listeners, regions, instances, dials, weights, health checks (@anycast-origin/config)', {
      defaultText: `${DEFAULT_CONFIG} (in the current directory, else the repository's)`,
    }),
    api: o.string({
      default: d.api, check: isLoopbackHostPort, expects: 'a loopback ADDR:PORT like 127.0.0.1:4599 (port 0: ephemeral)',
      doc: 'where the emulated Global Accelerator API listens (AWS_ENDPOINT_URL_GLOBAL_ACCELERATOR for the SDK, the AWS CLI and gactl)',
    }),
    healthInterval: o.number({
      min: 0.1, max: 30, unit: 's', defaultText: d.healthIntervalText,
      doc: 'health-check interval of every endpoint group (AWS: 10 or 30 s only; shorter here so a failover takes seconds)',
    }),
    deploySeconds: o.number({
      min: 0, max: 3600, unit: 's',
      ...(d.deploySeconds !== undefined ? { default: d.deploySeconds } : { defaultText: d.deploySecondsText ?? '' }),
      doc: 'how long a change keeps the accelerator IN_PROGRESS before it is DEPLOYED (AWS: about a minute)',
    }),
    originAddresses: block('127.10.0.0/16', 'loopback block of the origin instances: 127.10.<region>.<instance>'),
    vantageAddresses: block('127.20.0.0/16', 'loopback block of the vantage points, one address each'),
    entryAddresses: block('127.77.0.0/16', 'loopback block the accelerator\'s two static addresses (the anycast entries) come from'),
    originHttpPort: o.integer({ min: 0, max: 65_535, default: d.httpPort, doc: 'HTTP port of every origin on its own address (the emulator maps listener port 80 to it); 0: ephemeral' }),
    originDnsPort: o.integer({ min: 0, max: 65_535, default: d.dnsPort, doc: 'DNS port (UDP and TCP) of every origin on its own address (listener port 53 maps to it); 0: ephemeral' }),
    entryPorts: o.enum(['offset-privileged', 'same', 'ephemeral'], {
      default: d.entryPorts,
      doc: 'ports of the anycast entries: offset-privileged binds listener ports below 1024 at port + 18000 (80 -> 18080, 53 -> 18053: no root needed), same binds them as they are (root), ephemeral picks free ports',
    }),
    logs: o.string({ minBytes: 1, expects: 'a directory name', doc: 'write each origin\'s output (JSON lines) to <dir>/<instance-id>.log', defaultText: 'discarded' }),
    startTimeoutSeconds: o.number({ min: 1, max: 600, default: 60, unit: 's', doc: 'longest wait for every origin to serve and every endpoint to be HEALTHY' }),
    logLevel: o.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info', doc: 'level of the lab\'s own events (JSON lines on stderr): health changes, deploys, origins exiting' }),
    output: o.enum(['table', 'json'], { default: 'table', doc: 'stdout: text for people, or JSON for scripts' }),
  };
}

/** `anycast-lab up`. */
export const UP_OPTIONS = o.group({
  ...labSettings({
    api: '127.0.0.1:4599', httpPort: 8080, dnsPort: 8053, entryPorts: 'offset-privileged', deploySeconds: 1,
    healthIntervalText: 'the config\'s healthCheck.intervalSeconds',
  }),
  stateFile: file('write the lab\'s addresses as JSON here once every endpoint is HEALTHY (written atomically, removed at stop)'),
  vantage: file('vantage points instead of the default cities: a JSON list of { name, latitude, longitude }', { defaultText: 'the seed\'s four cities and 40 world cities' }),
  atlasProbes: file('add one vantage point per probe of a RIPE Atlas run or of the seed\'s GeoJSON (positions only)'),
}, { doc: 'anycast-lab up settings' });

/** `anycast-lab experiment`. */
export const EXPERIMENT_OPTIONS = o.group({
  ...labSettings({
    api: '127.0.0.1:0', httpPort: 0, dnsPort: 0, entryPorts: 'ephemeral',
    healthIntervalText: '1 s (--quick: 0.5 s)', deploySecondsText: '1 s (--quick: 0.5 s)',
  }),
  out: o.string({ minBytes: 1, default: 'lab-experiment', expects: 'a directory name', doc: 'where report.md, the two maps and results.json are written' }),
  quick: o.boolean({ default: false, doc: 'CI timings: health checks every 0.5 s, deploys in 0.5 s, shorter holds in the drills (every step still runs)' }),
  requests: o.integer({ min: 1, max: 100_000, default: 100, doc: 'requests from each of the four cities in the HTTP test (the seed\'s 100)' }),
  dial50Sweeps: o.integer({
    min: 1, max: 20, default: 3,
    doc: 'sweeps at EU dial 50, averaged: each query draws its dial, so one sweep is a sample (its distance from the seed\'s run varies by about 0.02)',
  }),
  seedDial100: file('the seed\'s RIPE Atlas run at dial 100 (GeoJSON): the probe positions and the table to compare with', { defaultText: 'the copy in this package (data/)' }),
  seedEuDial50: file('the seed\'s RIPE Atlas run with eu-central-1 at dial 50 (GeoJSON)', { defaultText: 'the copy in this package (data/)' }),
}, { doc: 'anycast-lab experiment settings' });

/** `anycast-lab overload`. */
export const OVERLOAD_OPTIONS = o.group({
  ...labSettings({
    api: '127.0.0.1:0', httpPort: 0, dnsPort: 0, entryPorts: 'ephemeral',
    healthIntervalText: '1 s (--quick: 0.5 s)', deploySecondsText: '0.5 s (--quick: 0.2 s)',
  }),
  out: o.string({ minBytes: 1, default: 'lab-overload', expects: 'a directory name', doc: 'where report.md, overload.png, overload.svg and results.json are written' }),
  quick: o.boolean({ default: false, doc: 'CI timings: health checks every 0.5 s, deploys in 0.2 s, 1 s autopilot interval, shorter phases' }),
  rps: o.integer({ min: 10, max: 5000, default: 150, doc: 'requests per second of new-connection HTTP from the vantage points closest to the hot Region (eu-central-1)' }),
  overload: o.number({ min: 1.5, max: 20, default: 3, doc: 'the load over the hot Region\'s capacity: its capacity is --rps / --overload' }),
  otherCapacity: o.integer({ min: 1, max: 1_000_000, doc: 'capacity of every other Region, rps', defaultText: '2 x --rps' }),
  loadSeconds: o.integer({ min: 5, max: 3600, doc: 'seconds of load in each run', defaultText: '40 (--quick: 14)' }),
  quietSeconds: o.integer({ min: 1, max: 3600, doc: 'longest the autopilot\'s run goes on after the load stops: it ends once the dial is back at 100', defaultText: '60 (--quick: 30)' }),
  interval: o.number({ min: 0.2, max: 60, unit: 's', doc: 'the autopilot\'s interval', defaultText: '2 s (--quick: 1 s)' }),
  maxStep: o.number({ min: 1, max: 100, default: 50, unit: 'percent', doc: 'the autopilot\'s largest dial step' }),
  raiseAfter: o.integer({ min: 1, max: 100, default: 2, doc: 'the autopilot\'s readings below --low in a row before a raise' }),
  settleSteps: o.integer({ min: 1, max: 100, default: 4, doc: 'autopilot steps the hot Region may take to come under 1.1x its capacity (a check)' }),
}, { doc: 'anycast-lab overload settings' });

export type UpSettings = OptionsOutput<typeof UP_OPTIONS>;
export type OverloadSettings = OptionsOutput<typeof OVERLOAD_OPTIONS>;
export type ExperimentSettings = OptionsOutput<typeof EXPERIMENT_OPTIONS>;

/** Each command's flags, derived from its description. */
export const COMMAND_FLAGS: Readonly<Record<'up' | 'experiment' | 'overload', readonly Flag[]>> = Object.freeze({
  overload: Object.freeze(flagsOf(OVERLOAD_OPTIONS, { envPrefix: ENV_PREFIX })),
  up: Object.freeze(flagsOf(UP_OPTIONS, { envPrefix: ENV_PREFIX })),
  experiment: Object.freeze(flagsOf(EXPERIMENT_OPTIONS, { envPrefix: ENV_PREFIX })),
});

/** Validate settings given in code (tests, other tools); throws InvalidOptionError. */
export function resolveUp(input: unknown): UpSettings {
  return parseOptions(UP_OPTIONS, input ?? {}, (option, message) => new InvalidOptionError(option, message));
}
export function resolveOverload(input: unknown): OverloadSettings {
  return parseOptions(OVERLOAD_OPTIONS, input ?? {}, (option, message) => new InvalidOptionError(option, message));
}
export function resolveExperiment(input: unknown): ExperimentSettings {
  return parseOptions(EXPERIMENT_OPTIONS, input ?? {}, (option, message) => new InvalidOptionError(option, message));
}
