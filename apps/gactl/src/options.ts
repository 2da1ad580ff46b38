/**
 * Every setting of gactl, described once (@anycast-origin/options): the library's connection
 * options (`connect()`), the command's global flags (those plus `--output`), each command's
 * own flags and its positional arguments. Types, defaults, validation messages, --help, the
 * GACTL_* variables and the README's flag tables are all derived from these descriptions.
 *
 * Global flags have a GACTL_<NAME> variable; a command's own flags (`--listener`, `--force`,
 * `--dry-run`, ...) have none on purpose: a `GACTL_FORCE=1` left in a shell would turn every
 * guard off. The SDK keeps reading its own variables (AWS_ENDPOINT_URL_GLOBAL_ACCELERATOR,
 * AWS_REGION, AWS_PROFILE, the credentials chain) when the flags leave them unset.
 */
import { o, parseOptions } from '@anycast-origin/options';
import { z } from 'zod';
import type { OptionsInput, OptionsOutput } from '@anycast-origin/options';
import { InvalidArgumentError, InvalidOptionError } from './errors.js';
import { METRICS_ADDRESS, METRICS_PORT, PROMETHEUS_WINDOW, SOURCE_TIMEOUT_MS } from './autopilot/source-options.js';

/** Prefix of the command's environment variables. */
export const ENV_PREFIX = 'GACTL_';

/** The Region Global Accelerator's API lives in (the only one). */
export const API_REGION = 'us-west-2';

/** An AWS Region name: us-west-2, eu-central-1, ap-southeast-1, us-gov-west-1. */
export const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** `PROTOCOL:PORT` as --listener takes it (TCP:80, udp:53). */
export const LISTENER_SPEC = /^(TCP|UDP):(\d{1,5})$/i;

const isListenerSpec = (s: string): boolean => {
  const m = LISTENER_SPEC.exec(s);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65_535;
};

const isRegionName = (s: string): boolean => REGION_NAME.test(s);
const REGION_EXPECTS = 'an AWS Region name like eu-central-1';
const region = (doc: string) => o.string({ check: isRegionName, expects: REGION_EXPECTS, doc });

const retryOptions = {
  maxAttempts: o.integer({ min: 1, max: 100, default: 8, doc: 'tries of one API call on throttling, 5xx and network errors (the SDK\'s own retries are off)' }),
  baseDelayMs: o.integer({ min: 0, max: 60_000, default: 200, unit: 'ms', doc: 'first backoff; it doubles per try, with full jitter' }),
  maxDelayMs: o.integer({ min: 0, max: 300_000, default: 20_000, unit: 'ms', doc: 'longest backoff' }),
  lostUpdates: o.integer({
    min: 0, max: 10, default: 3,
    doc: 'times a change found undone after the write (another writer sent a stale list) is made again before gactl fails',
  }),
};

/** The connection options of the library (`connect()`); the command's global flags are these and --output. */
const connectionOptions = {
  endpointUrl: o.url({
    doc: 'URL of the Global Accelerator API (the emulator\'s apiUrl)',
    defaultText: 'the SDK\'s: AWS_ENDPOINT_URL_GLOBAL_ACCELERATOR, else AWS_ENDPOINT_URL, else AWS',
  }),
  region: o.string({
    check: isRegionName, expects: REGION_EXPECTS,
    doc: 'Region of the API client (Global Accelerator\'s API is only in us-west-2)', defaultText: 'the SDK\'s chain (AWS_REGION, the profile), else us-west-2',
  }),
  accelerator: o.string({ maxBytes: 255, doc: 'the accelerator, by name or ARN', defaultText: 'the account\'s only accelerator' }),
  timeout: o.number({ min: 0, max: 86_400, default: 600, unit: 's', doc: 'longest time a command waits for DEPLOYED, in all (exit 3 after)' }),
  wait: o.boolean({ default: true, doc: 'after a write, wait for DEPLOYED before verifying (--no-wait: verify at once and return)' }),
  pollSeconds: o.number({ min: 0.01, max: 60, default: 5, unit: 's', doc: 'interval of DescribeAccelerator polls while waiting for DEPLOYED' }),
  requestTimeoutMs: o.integer({ min: 100, max: 300_000, default: 30_000, unit: 'ms', doc: 'longest time one API request may take' }),
  retry: o.group(retryOptions, { doc: 'retries and backoff' }),
};

/** Options of `connect()`. */
export const OPTIONS = o.group(connectionOptions, { doc: 'gactl connection options' });
export type GactlOptions = OptionsInput<typeof OPTIONS>;
export type ResolvedOptions = OptionsOutput<typeof OPTIONS>;

/** Validate connect()'s options; throws InvalidOptionError (`retry.maxAttempts must be an integer 1..100, got 0`). */
export function resolveOptions(input: unknown): ResolvedOptions {
  return parseOptions(OPTIONS, input ?? {}, (option, message) => new InvalidOptionError(option, message));
}

/** What each write may set for itself (the connection's `wait` and `timeout` otherwise). */
export const WRITE_OPTIONS = o.group({
  force: o.boolean({ default: false, doc: 'do it even when a guard refuses' }),
  wait: o.boolean({ doc: 'wait for DEPLOYED after the write(s) before verifying', defaultText: 'the connection\'s wait' }),
  timeout: o.number({ min: 0, max: 86_400, unit: 's', doc: 'seconds this call may wait for DEPLOYED in all', defaultText: 'the connection\'s timeout' }),
}, { doc: 'options of one write' });

/** Validate a write's options (InvalidOptionError naming the option). */
export function checkWriteOptions(input: unknown): OptionsOutput<typeof WRITE_OPTIONS> {
  const defined = Object.fromEntries(Object.entries((input ?? {}) as Record<string, unknown>).filter(([, v]) => v !== undefined));
  return parseOptions(WRITE_OPTIONS, defined, (option, message) => new InvalidOptionError(option, message));
}

/** The command's global flags: every connection option, and the output format. */
export const GLOBAL = o.group({
  ...connectionOptions,
  output: o.enum(['table', 'json'], { default: 'table', doc: 'stdout format: a table for people, JSON for scripts (see the README for its contract)' }),
}, { doc: 'gactl global flags' });
export type GlobalSettings = OptionsOutput<typeof GLOBAL>;

const listener = o.list(o.string({ check: isListenerSpec, expects: 'PROTOCOL:PORT like TCP:80', doc: 'a listener' }), {
  max: 10, doc: 'only the listeners with this protocol and port (repeat the flag or separate by commas)', defaultText: 'every listener with that Region or endpoint',
});
const force = o.boolean({ default: false, doc: 'do it even when a guard refuses (no Region taking traffic on a listener, or no healthy endpoint left)' });

/** `REGION=RPS` as --capacity takes it (eu-central-1=500). */
export const CAPACITY_SPEC = /^([a-z]{2}(?:-[a-z]+)+-\d{1,2})=(\d+(?:\.\d+)?)$/;
const isCapacitySpec = (s: string): boolean => {
  const m = CAPACITY_SPEC.exec(s);
  return m !== null && Number(m[2]) > 0 && Number(m[2]) <= 1e9;
};

/**
 * The autopilot's control settings and loop (`autopilot()` in the library, `gactl autopilot`
 * on the command line). Cross-checks (low below target) are in autopilot/run.ts.
 */
const autopilotOptions = {
  capacity: o.custom(z.record(z.string().regex(REGION_NAME), z.number().positive().max(1e9)), {
    expects: 'an object of Region name to requests per second above 0', required: true,
    doc: 'requests per second each Region can serve: every Region with an endpoint group on the steered listeners needs one',
  }),
  target: o.number({ min: 0.01, max: 1, default: 0.8, doc: 'lower a Region\'s dial when its load is above this share of its capacity' }),
  low: o.number({ min: 0, max: 1, default: 0.6, doc: 'raise a Region\'s dial back toward 100 when its load is below this share of its capacity (below --target: the band between is the hysteresis)' }),
  interval: o.number({ min: 0.05, max: 86_400, default: 60, unit: 's', doc: 'seconds between steps: rates are measured over it (AWS deploys a change in about a minute)' }),
  maxStep: o.number({ min: 1, max: 100, default: 10, unit: 'percent', doc: 'most points a dial moves in one step' }),
  minDial: o.number({ min: 0, max: 100, default: 10, unit: 'percent', doc: 'lowest dial the autopilot sets (above 0 keeps a sample of the Region\'s own demand, to know when to raise it again)' }),
  raiseAfter: o.integer({ min: 1, max: 100, default: 3, doc: 'readings in a row a Region must be below --low before its dial is raised (one quiet sample can be noise)' }),
  listener,
  dryRun: o.boolean({ default: false, doc: 'decide and report, write nothing' }),
  once: o.boolean({ default: false, doc: 'one step and exit (with a metrics scrape source: two reads one interval apart)' }),
};
export const AUTOPILOT_OPTIONS = o.group(autopilotOptions, { doc: 'autopilot options' });
export type AutopilotOptions = OptionsInput<typeof AUTOPILOT_OPTIONS>;
export type ResolvedAutopilotOptions = OptionsOutput<typeof AUTOPILOT_OPTIONS>;

/** Where the autopilot reads load from (the command's choice; the library takes a LoadSource). */
const sourceFlags = {
  metricsFrom: o.string({ doc: 'a JSON file naming each endpoint\'s /metrics: the lab\'s state file (anycast-lab --state-file) or a list of { id, region, metrics }', defaultText: 'EC2: each instance endpoint\'s address, found by its id' }),
  prometheus: o.url({ doc: 'a Prometheus server\'s URL: load from its query API instead of scraping the endpoints' }),
  window: PROMETHEUS_WINDOW,
  metricsPort: METRICS_PORT,
  metricsAddress: METRICS_ADDRESS,
  scrapeTimeoutMs: SOURCE_TIMEOUT_MS,
};

/** Each command's own flags (no environment variables: see the header). */
export const COMMAND_FLAGS = Object.freeze({
  status: o.group({}, { doc: 'status flags' }),
  dial: o.group({ listener, force }, { doc: 'dial flags' }),
  weight: o.group({ listener, force }, { doc: 'weight flags' }),
  drain: o.group({
    region: region('drain this Region\'s endpoint groups (dial 0) instead of one endpoint'),
    listener,
    force,
  }, { doc: 'drain flags' }),
  undrain: o.group({ region: region('undrain this Region\'s endpoint groups instead of one endpoint') }, { doc: 'undrain flags' }),
  apply: o.group({
    config: o.string({ doc: 'the service config to apply (infra/anycast.config.json, @anycast-origin/config)', required: true }),
    dryRun: o.boolean({ default: false, doc: 'print the changes and stop' }),
    force,
  }, { doc: 'apply flags' }),
  wait: o.group({}, { doc: 'wait flags' }),
  autopilot: o.group({
    ...autopilotOptions,
    capacity: o.list(o.string({ check: isCapacitySpec, expects: 'REGION=RPS like eu-central-1=500', doc: 'a Region\'s capacity' }), {
      max: 40, doc: 'requests per second each Region can serve (repeat the flag or separate by commas)', defaultText: 'from --capacity-file',
    }),
    capacityFile: o.string({ doc: 'a JSON file { "<region>": rps }, instead of or besides --capacity (the flag wins)' }),
    ...sourceFlags,
  }, { doc: 'autopilot flags' }),
});
export type CommandName = keyof typeof COMMAND_FLAGS;

const endpointId = o.string({ maxBytes: 255, doc: 'an endpoint: EC2 instance id, Elastic IP allocation id or load balancer ARN', required: true });

/** Each command's positional arguments, in order. */
export const COMMAND_ARGS = Object.freeze({
  status: o.group({}, { doc: 'status arguments' }),
  dial: o.group({
    region: o.string({ check: isRegionName, expects: REGION_EXPECTS, required: true, doc: 'the endpoint groups\' Region' }),
    percent: o.number({ min: 0, max: 100, unit: 'percent', required: true, doc: 'traffic dial: the share of the traffic proximity sends to the Region that it keeps' }),
  }, { doc: 'dial arguments' }),
  weight: o.group({
    endpointId,
    weight: o.integer({ min: 0, max: 255, required: true, doc: 'endpoint weight: its share is weight / sum of the group\'s weights; 0 takes no traffic' }),
  }, { doc: 'weight arguments' }),
  drain: o.group({ endpointId: o.string({ maxBytes: 255, doc: 'the endpoint to drain (weight 0)' }) }, { doc: 'drain arguments' }),
  undrain: o.group({ endpointId: o.string({ maxBytes: 255, doc: 'the endpoint to undrain (its weight before the drain)' }) }, { doc: 'undrain arguments' }),
  apply: o.group({}, { doc: 'apply arguments' }),
  wait: o.group({}, { doc: 'wait arguments' }),
  autopilot: o.group({}, { doc: 'autopilot arguments' }),
});

/** Validate one library call's arguments against a command's description; throws InvalidArgumentError naming the argument. */
export function checkArguments<C extends CommandName>(command: C, input: unknown): OptionsOutput<(typeof COMMAND_ARGS)[C]> {
  return parseOptions(COMMAND_ARGS[command], input, (argument, message) => new InvalidArgumentError(argument, message), 'arguments') as OptionsOutput<(typeof COMMAND_ARGS)[C]>;
}
