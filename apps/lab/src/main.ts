/**
 * The anycast-lab command line: commander subcommands whose flags, LAB_* variables, --help and
 * README tables come from the option descriptions (src/options.ts). It owns the process:
 * logging (pino JSON lines on stderr: health changes, deploys, origins exiting), signals (the
 * first SIGINT or SIGTERM drains and stops everything, a second stops at once) and exit codes:
 * 0 done, 1 failed (an origin would not start, a step of the experiment failed), 2 usage (a bad
 * flag, variable or config file; nothing was started), 130/143 when a second signal cut the
 * drain short. Errors are one line: `anycast-lab: <message>`.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { ConfigError, ConfigFileError, loadConfig } from '@anycast-origin/config';
import type { AnycastConfig } from '@anycast-origin/config';
import { CHANNELS } from '@anycast-origin/ga-emulator';
import { addFlags, envLayer, flagLayer, givenFlags, mergeLayers, UsageError as OptionsUsageError, validateLayer } from '@anycast-origin/options';
import type { Flag } from '@anycast-origin/options';
import type { z } from 'zod';
import { InputError, LabError, OutputError, UsageError } from './errors.js';
import { startLab } from './lab.js';
import { setpriv } from './origin-process.js';
import type { Lab, LabSpec } from './lab.js';
import type { ExperimentDetails } from './experiment.js';
import { COMMAND_FLAGS, DEFAULT_CONFIG, EXPERIMENT_OPTIONS, OVERLOAD_OPTIONS, UP_OPTIONS } from './options.js';
import type { ExperimentSettings, OverloadSettings, UpSettings } from './options.js';
import type { OverloadPlan, OverloadResults } from './overload.js';
import { SEED_RUNS } from './seed.js';
import { pasteText } from './paste.js';
import { removeStateFile, writeStateFile } from './state-file.js';
import { defaultVantagePoints, readAtlasProbes, readVantageFile } from './vantage.js';
import type { VantageSpec } from './plan.js';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface Io {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Where SIGINT and SIGTERM come from (the process; tests pass an emitter). */
  signals: NodeJS.EventEmitter;
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };
/** Signals this close together are one (a forwarded copy), not a second Ctrl-C. */
const SAME_SIGNAL_MS = 150;

/** The service config: the file given, else infra/anycast.config.json here, else the repository's. */
export function configPath(given: string | undefined): string {
  if (given !== undefined) return given;
  if (existsSync(DEFAULT_CONFIG)) return DEFAULT_CONFIG;
  const repo = fileURLToPath(new URL(`../../../${DEFAULT_CONFIG}`, import.meta.url));
  return existsSync(repo) ? repo : DEFAULT_CONFIG;
}

export function readConfig(file: string): AnycastConfig {
  try {
    return loadConfig(file);
  } catch (e) {
    if (e instanceof ConfigFileError) throw new InputError(file, e.message.slice(`config file ${e.file}: `.length), { cause: e });
    if (e instanceof ConfigError) throw new InputError(file, e.message, { cause: e });
    throw e;
  }
}

/** The settings of a command: flags over LAB_* variables over the defaults, validated. */
function settingsOf<S extends z.ZodType>(schema: S, cmd: Command, flags: readonly Flag[], env: NodeJS.ProcessEnv): z.output<S> {
  try {
    const layer = mergeLayers([envLayer(flags, env), flagLayer(flags, givenFlags(cmd, flags))]);
    return validateLayer(schema, layer, flags);
  } catch (e) {
    if (e instanceof OptionsUsageError) throw new UsageError(e.message, { cause: e });
    throw e;
  }
}

function createLogger(level: string, stderr: NodeJS.WritableStream): Logger {
  const dest = stderr === process.stderr ? pino.destination({ dest: 2, sync: true }) : stderr;
  return pino({ name: 'anycast-lab', level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, dest);
}

/** Log what the emulator reports (it never logs itself); returns the function that unsubscribes. */
export function logEmulatorEvents(log: Logger): () => void {
  const last = new Map<string, string>();
  const listeners: [string, (m: unknown) => void][] = [
    [CHANNELS.health, (m) => {
      const h = m as { region: string; endpointId: string; from: string; to: string; reason?: string; endpointGroupArn: string };
      log.info({ region: h.region, endpoint: h.endpointId, from: h.from, to: h.to, reason: h.reason, group: h.endpointGroupArn.slice(h.endpointGroupArn.lastIndexOf('/') + 1) }, `health ${h.region} ${h.endpointId} ${h.from} -> ${h.to}`);
    }],
    [CHANNELS.deploy, (m) => {
      // every API change reports IN_PROGRESS: log changes of status only
      const { acceleratorArn, status } = m as { acceleratorArn: string; status: string };
      if (last.get(acceleratorArn) === status) return;
      last.set(acceleratorArn, status);
      log.info({ acceleratorArn, status }, `accelerator ${status}`);
    }],
    [CHANNELS.error, (m) => log.warn({ err: (m as { error?: Error }).error }, 'emulator error')],
  ];
  for (const [name, fn] of listeners) subscribe(name, fn);
  return () => {
    for (const [name, fn] of listeners) unsubscribe(name, fn);
  };
}

/** What of a command's settings the lab's spec needs (both commands have them). */
type LabSettings = Pick<UpSettings, 'config' | 'api' | 'healthInterval' | 'originAddresses' | 'vantageAddresses' | 'entryAddresses' | 'originHttpPort' | 'originDnsPort' | 'entryPorts' | 'logs' | 'startTimeoutSeconds'>;

/** The lab's spec from a command's settings; the health interval defaults to the config's. */
export function labSpec(s: LabSettings, vantagePoints: readonly VantageSpec[], timing: { deploySeconds: number; healthIntervalSeconds?: number | undefined }): LabSpec {
  const configFile = configPath(s.config);
  const config = readConfig(configFile);
  const healthIntervalSeconds = timing.healthIntervalSeconds ?? s.healthInterval ?? Math.max(...config.listeners.map((l) => l.healthCheck.intervalSeconds));
  return {
    config, configFile, api: s.api, healthIntervalSeconds, deploySeconds: timing.deploySeconds,
    originAddresses: s.originAddresses, vantageAddresses: s.vantageAddresses, entryAddresses: s.entryAddresses,
    originHttpPort: s.originHttpPort, originDnsPort: s.originDnsPort, entryPorts: s.entryPorts,
    vantagePoints, logs: s.logs, startTimeoutSeconds: s.startTimeoutSeconds,
  };
}

/** Without setpriv an origin outlives a lab killed with SIGKILL: say so. */
function warnWithoutSetpriv(log: Logger): void {
  if (!setpriv()) log.warn('setpriv (util-linux) not found: origins are not killed with the lab if the lab itself is killed (SIGKILL); install util-linux');
}

/**
 * `up`: start the lab, print what to paste, serve until a signal. One signal handler from the
 * first line to the last (a signal nobody listens for would kill the lab, or be lost where the
 * shell ignores it): the first SIGINT/SIGTERM drains the origins and stops everything (as soon
 * as the lab is up, if it comes while starting), a second stops at once. Resolves with the exit
 * code: 0 after a drain, 130/143 when a second signal cut it short.
 */
async function runUp(s: UpSettings, io: Io): Promise<number> {
  const log = createLogger(s.logLevel, io.stderr);
  warnWithoutSetpriv(log);
  let lab: Lab | undefined;
  let signals = 0;
  let code = 0;
  const stopFor = (l: Lab) => {
    if (signals === 1) log.info({ drainSeconds: l.drainSeconds }, `draining the origins for ${l.drainSeconds} s, then stopping (again: stop at once)`);
    void l.stop({ drain: signals === 1 });
  };
  const starting = new AbortController();
  let lastSignal = -Infinity;
  const onSignal = (signal: NodeJS.Signals) => {
    // one Ctrl-C can arrive twice: from the terminal (to the whole foreground group) and again
    // from `npm run lab`, which forwards what it got; a second Ctrl-C is a person's, much later
    const now = performance.now();
    if (now - lastSignal < SAME_SIGNAL_MS) return;
    lastSignal = now;
    signals++;
    if (!lab) {
      // while starting nobody uses the lab yet: nothing to drain, stop at once
      if (code === 0) code = SIGNAL_EXIT[signal] ?? 1;
      log.info({ signal }, `${signal} while starting: stopping now`);
      starting.abort();
      return;
    }
    if (signals > 1 && code === 0) code = SIGNAL_EXIT[signal] ?? 1;
    log.info({ signal }, signals === 1 ? `${signal}: stopping` : `${signal} again: stopping now`);
    stopFor(lab);
  };
  io.signals.on('SIGINT', onSignal);
  io.signals.on('SIGTERM', onSignal);
  const unsubscribe = logEmulatorEvents(log);
  try {
    const vantagePoints = [...(s.vantage ? readVantageFile(s.vantage) : defaultVantagePoints()), ...(s.atlasProbes ? await readAtlasProbes(s.atlasProbes) : [])];
    const spec = labSpec(s, vantagePoints, { deploySeconds: s.deploySeconds as number });
    try {
      lab = await startLab(spec, {
        onOriginExit: (i, exit) => log.warn({ instance: i.instanceId, region: i.region, ...exit }, `origin ${i.instanceId} (${i.region}) exited on its own`),
        signal: starting.signal,
      });
    } catch (e) {
      if (!starting.signal.aborted) throw e;
      log.info('stopped while starting: no origin, entry or API left');
      return code;
    }
    const round = (n: number) => Number(n.toFixed(3));
    const { originsServing, deployed, healthy } = lab.startup;
    log.info({ startupSeconds: round(healthy), originsServing: round(originsServing), deployed: round(deployed), processSeconds: round(process.uptime()), instances: lab.instances.length, vantagePoints: lab.vantagePoints.length, api: lab.apiUrl }, 'lab up');
    if (s.stateFile) writeStateFile(s.stateFile, lab.state());
    io.stdout.write(s.output === 'json' ? `${JSON.stringify(lab.state(), null, 2)}\n` : pasteText(lab, { healthIntervalSeconds: spec.healthIntervalSeconds, deploySeconds: spec.deploySeconds }));
    await lab.stopped;
    log.info('stopped: no origin, entry or API left');
    return code;
  } catch (e) {
    await lab?.stop({ drain: false });
    throw e;
  } finally {
    if (s.stateFile) removeStateFile(s.stateFile);
    io.signals.off('SIGINT', onSignal);
    io.signals.off('SIGTERM', onSignal);
    unsubscribe();
  }
}

/** What `experiment` prints: where the files are, and every check. */
function experimentText(d: ExperimentDetails, out: string): string {
  const passed = d.checks.filter((c) => c.ok).length;
  const lines = [
    `anycast-lab experiment: ${passed} of ${d.checks.length} checks passed in ${d.durationSeconds.toFixed(0)} s (lab up in ${d.timings.startupSeconds.toFixed(1)} s)`,
    `  ${['report.md', 'map-dial-100.png', 'map-eu-dial-50.png', 'results.json'].map((f) => join(out, f)).join('\n  ')}`,
    '',
    ...d.checks.map((c) => `[${c.ok ? 'x' : ' '}] ${c.name}: ${c.detail}`),
  ];
  return `${lines.join('\n')}\n`;
}

async function runExperimentCommand(s: ExperimentSettings, io: Io): Promise<number> {
  const log = createLogger(s.logLevel, io.stderr);
  warnWithoutSetpriv(log);
  const spec = labSpec(s, [], { deploySeconds: s.deploySeconds ?? (s.quick ? 0.5 : 1), healthIntervalSeconds: s.healthInterval ?? (s.quick ? 0.5 : 1) });
  const abort = new AbortController();
  let code = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (code !== 0) return;
    code = SIGNAL_EXIT[signal] ?? 1;
    log.warn({ signal }, `${signal}: stopping the experiment and the lab`);
    abort.abort();
  };
  io.signals.on('SIGINT', onSignal);
  io.signals.on('SIGTERM', onSignal);
  const unsubscribe = logEmulatorEvents(log);
  let details: ExperimentDetails;
  try {
    // loaded when needed: gactl (the AWS SDK) and probe take seconds to load, `up` wants to be quick
    const { runExperiment } = await import('./experiment.js');
    details = await runExperiment(
      { spec, out: s.out, quick: s.quick, requests: s.requests, dial50Sweeps: s.dial50Sweeps, seedDial100: s.seedDial100 ?? SEED_RUNS.dial100, seedEuDial50: s.seedEuDial50 ?? SEED_RUNS.euDial50 },
      { log: (message, fields) => log.info(fields ?? {}, message), signal: abort.signal },
    );
  } catch (e) {
    if (code !== 0) {
      io.stderr.write(`anycast-lab: experiment interrupted: ${(e as Error).message}\n`);
      return code;
    }
    throw e;
  } finally {
    io.signals.off('SIGINT', onSignal);
    io.signals.off('SIGTERM', onSignal);
    unsubscribe();
  }
  io.stdout.write(s.output === 'json' ? `${JSON.stringify(details.results, null, 2)}\n` : experimentText(details, s.out));
  const failed = details.checks.filter((c) => !c.ok);
  if (failed.length) {
    io.stderr.write(`anycast-lab: ${failed.length} of ${details.checks.length} checks failed: ${failed.map((c) => `${c.name} (${c.detail})`).join('; ')}\n`);
    return 1;
  }
  return 0;
}

/** `overload`: the drill on a lab of the config, its report in --out; exit 1 when a check fails. */
async function runOverloadCommand(s: OverloadSettings, io: Io): Promise<number> {
  const log = createLogger(s.logLevel, io.stderr);
  warnWithoutSetpriv(log);
  const spec = labSpec(s, defaultVantagePoints(), { deploySeconds: s.deploySeconds ?? (s.quick ? 0.2 : 0.5), healthIntervalSeconds: s.healthInterval ?? (s.quick ? 0.5 : 1) });
  const plan: OverloadPlan = {
    rps: s.rps, overload: s.overload, otherCapacity: s.otherCapacity ?? 2 * s.rps,
    loadSeconds: s.loadSeconds ?? (s.quick ? 14 : 40), quietSeconds: s.quietSeconds ?? (s.quick ? 30 : 60),
    interval: s.interval ?? (s.quick ? 1 : 2), maxStep: s.maxStep, raiseAfter: s.raiseAfter, settleSteps: s.settleSteps, timeoutMs: 5000,
  };
  const unsubscribe = logEmulatorEvents(log);
  const lab = await startLab(spec);
  const onSignal = (signal: NodeJS.Signals) => {
    log.warn({ signal }, `${signal}: stopping the drill and the lab`);
    void lab.stop({ drain: false });
  };
  io.signals.on('SIGINT', onSignal);
  io.signals.on('SIGTERM', onSignal);
  let r: OverloadResults;
  try {
    // loaded when needed, as the experiment is: gactl and probe take seconds to load
    const { runOverload } = await import('./overload.js');
    r = await runOverload(lab, plan, {
      onPhase: (what) => log.info({ phase: what }, what),
      onStep: (step) => {
        for (const x of step.regions) if (x.action !== 'hold' || x.region === 'eu-central-1') log.info({ step: step.step, ...x }, `autopilot ${x.region}: dial ${x.dialBefore} -> ${x.dialAfter} (${x.why})`);
      },
    });
  } finally {
    io.signals.off('SIGINT', onSignal);
    io.signals.off('SIGTERM', onSignal);
    await lab.stop({ drain: false });
    unsubscribe();
  }
  const { renderOverloadChart, renderOverloadPng, renderOverloadReport } = await import('./overload-report.js');
  const files: [string, string | Buffer][] = [
    ['report.md', renderOverloadReport(r, `anycast-lab overload${io.argv.slice(io.argv.indexOf('overload') + 1).map((a) => ` ${a}`).join('')}`)],
    ['overload.svg', renderOverloadChart(r)],
    ['overload.png', renderOverloadPng(r)],
    ['results.json', `${JSON.stringify(r, null, 2)}\n`],
  ];
  try {
    mkdirSync(s.out, { recursive: true });
    for (const [name, data] of files) writeFileSync(join(s.out, name), data);
  } catch (e) {
    throw new OutputError(s.out, `cannot write the report: ${(e as Error).message}`, { cause: e });
  }
  const passed = r.checks.filter((c) => c.ok).length;
  io.stdout.write(s.output === 'json'
    ? `${JSON.stringify({ checks: r.checks, settledAfterSeconds: r.settledAfterSeconds, settledAfterSteps: r.settledAfterSteps, capacity: r.capacity, files: files.map(([f]) => join(s.out, f)) }, null, 2)}\n`
    : `${[`anycast-lab overload: ${passed} of ${r.checks.length} checks passed`, ...files.map(([f]) => `  ${join(s.out, f)}`), '', ...r.checks.map((c) => `[${c.ok ? 'x' : ' '}] ${c.name}: ${c.detail}`)].join('\n')}\n`);
  const failed = r.checks.filter((c) => !c.ok);
  if (failed.length) {
    io.stderr.write(`anycast-lab: ${failed.length} of ${r.checks.length} checks failed: ${failed.map((c) => `${c.name} (${c.detail})`).join('; ')}\n`);
    return 1;
  }
  return 0;
}

interface CommandDef {
  name: 'up' | 'experiment' | 'overload';
  summary: string;
  schema: z.ZodType;
  run(settings: unknown, io: Io): Promise<number>;
}

const COMMANDS: CommandDef[] = [
  {
    name: 'up',
    summary: 'stand the service of the config up on this machine and print what to paste; Ctrl-C drains and stops it',
    schema: UP_OPTIONS,
    run: (s, io) => runUp(s as UpSettings, io),
  },
  {
    name: 'experiment',
    summary: 'run the seed article on a lab of the config: HTTP test, RIPE Atlas run, EU dial 50, failover and drain drills; writes report.md, two maps and results.json',
    schema: EXPERIMENT_OPTIONS,
    run: (s, io) => runExperimentCommand(s as ExperimentSettings, io),
  },
  {
    name: 'overload',
    summary: 'the seed\'s "running hot" scenario: Europe at 3x its capacity, with dials fixed at 100 and with gactl autopilot; writes report.md, overload.png and results.json',
    schema: OVERLOAD_OPTIONS,
    run: (s, io) => runOverloadCommand(s as OverloadSettings, io),
  },
];

function fail(io: Io, e: unknown, command: string): number {
  const message = e instanceof Error ? e.message : String(e);
  const usage = e instanceof LabError && e.exitCode === 2 && e.code !== 'LAB_ERR_INPUT';
  io.stderr.write(`anycast-lab: ${message}${usage ? ` (see anycast-lab ${command ? `${command} ` : ''}--help)` : ''}\n`);
  return e instanceof LabError ? e.exitCode : 1;
}

/** The commander program (exported for the README test). */
export function buildProgram(io: Pick<Io, 'stdout' | 'stderr'>, onRun: (def: CommandDef, cmd: Command) => void): Command {
  const program = new Command('anycast-lab')
    .description('The anycast service of infra/anycast.config.json on one machine: anycast-origin processes per region and instance behind a local Global Accelerator, vantage points around the world; and the seed article\'s experiment as one command.')
    .version(VERSION, '-V, --version')
    .helpOption('-h, --help', 'show this help')
    .showSuggestionAfterError(true)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s), outputError: () => {} });
  for (const def of COMMANDS) {
    const cmd = program.command(def.name).description(def.summary).helpOption('-h, --help', 'show this help').allowExcessArguments(false);
    addFlags(cmd, COMMAND_FLAGS[def.name]);
    cmd.action(() => onRun(def, cmd));
  }
  return program;
}

/** Run the command line; resolves with the exit code. */
export async function main(io: Io = { argv: process.argv.slice(2), env: process.env, stdout: process.stdout, stderr: process.stderr, signals: process }): Promise<number> {
  let chosen: { def: CommandDef; cmd: Command } | undefined;
  const program = buildProgram(io, (def, cmd) => (chosen = { def, cmd }));
  try {
    await program.parseAsync([...io.argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
      if (e.code === 'commander.help') return e.exitCode === 0 ? 0 : 2;
      const sub = COMMANDS.find((d) => io.argv.includes(d.name))?.name ?? '';
      return fail(io, new UsageError(e.message.replace(/^error: /, ''), { cause: e }), sub);
    }
    return fail(io, e, '');
  }
  if (!chosen) {
    io.stderr.write(program.helpInformation());
    return 2;
  }
  const { def, cmd } = chosen;
  try {
    const settings = settingsOf(def.schema, cmd, COMMAND_FLAGS[def.name], io.env);
    return await def.run(settings, io);
  } catch (e) {
    return fail(io, e, def.name);
  }
}
