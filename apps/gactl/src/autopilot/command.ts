/**
 * `gactl autopilot` as a command: the capacity from --capacity and --capacity-file, the load
 * source from --metrics-from, --prometheus or EC2, one pino JSON line per Region and step on
 * stderr (the decision: region, load, capacity, dial before and after, why), each step as a
 * JSON event on stdout with --output json or as a few aligned lines with the table output,
 * and SIGINT/SIGTERM stopping between steps (exit 0: a stop asked for is not a failure).
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { readJsonFile } from '@anycast-origin/options';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { Connection } from '../connect.js';
import { InvalidOptionError, UsageError } from '../errors.js';
import type { AutopilotOptions } from '../options.js';
import { CAPACITY_SPEC, REGION_NAME } from '../options.js';
import { autopilot, resolveAutopilotOptions } from './run.js';
import type { AutopilotResult, StepReport } from './run.js';
import { ec2Targets, prometheusSource, readTargetsFile, scrapeSource } from './sources.js';
import type { LoadSource } from './sources.js';

export interface AutopilotIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Where SIGINT and SIGTERM come from (the process; tests pass an emitter). */
  signals: NodeJS.EventEmitter;
}

/** --capacity-file, then --capacity over it: `{ region: rps }`. */
export function capacityOf(flags: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  const file = flags.capacityFile as string | undefined;
  if (file !== undefined) {
    let json: Record<string, unknown>;
    try {
      json = readJsonFile(file);
    } catch (e) {
      throw new UsageError(`--capacity-file: ${(e as Error).message}`, { cause: e });
    }
    for (const [region, rps] of Object.entries(json)) {
      if (!REGION_NAME.test(region) || typeof rps !== 'number' || !(rps > 0) || rps > 1e9) {
        throw new UsageError(`--capacity-file ${file}: each entry must be "<region>": requests per second above 0, got ${JSON.stringify(region)}: ${JSON.stringify(rps)}`);
      }
      out[region] = rps;
    }
  }
  for (const spec of (flags.capacity as string[] | undefined) ?? []) {
    const m = CAPACITY_SPEC.exec(spec) as RegExpExecArray;
    out[m[1] as string] = Number(m[2]);
  }
  if (Object.keys(out).length === 0) throw new UsageError('autopilot needs the Regions\' capacity: --capacity REGION=RPS... or --capacity-file FILE');
  return out;
}

/** The load source the flags name: a file of targets, Prometheus, or EC2 by instance id. */
export function sourceOf(flags: Record<string, unknown>): LoadSource {
  const timeoutMs = flags.scrapeTimeoutMs as number;
  if (flags.metricsFrom !== undefined && flags.prometheus !== undefined) throw new UsageError('--metrics-from and --prometheus are two sources of the load: give one');
  if (flags.prometheus !== undefined) return prometheusSource({ url: flags.prometheus as string, window: flags.window as number, timeoutMs });
  if (flags.metricsFrom !== undefined) {
    const file = flags.metricsFrom as string;
    // Read at every step: the lab rewrites its state file when it restarts.
    return scrapeSource({ targets: () => readTargetsFile(file), timeoutMs });
  }
  const clients = new Map<string, EC2Client>();
  const client = (region: string) => {
    let c = clients.get(region);
    if (c === undefined) {
      // The SDK's own chain: AWS_ENDPOINT_URL_EC2, the profile, the credentials.
      c = new EC2Client({ region });
      clients.set(region, c);
    }
    return c;
  };
  return scrapeSource({ kind: 'ec2', targets: ec2Targets({ client, port: flags.metricsPort as number, address: flags.metricsAddress as 'private' | 'public' }), timeoutMs });
}

const fixed = (v: number | null, digits = 1) => (v === null ? '-' : v.toFixed(digits));

/** The table output of one step: a header line, then a line per Region. */
export function stepLines(r: StepReport): string {
  const head = `step ${r.step} ${r.time} ${r.accelerator.status ?? 'status unknown'}${r.dryRun ? ' (dry run)' : ''}${r.hold ? `: ${r.hold}` : ''}\n`;
  const width = Math.max(6, ...r.regions.map((x) => x.region.length));
  const lines = r.regions.map((x) => {
    const dial = x.dialAfter === x.dialBefore ? `${x.dialBefore}` : `${x.dialBefore} -> ${x.dialAfter}`;
    const state = x.error ? `write failed: ${x.error}` : x.action === 'hold' ? '' : x.written ? 'written' : r.dryRun ? 'not written (dry run)' : 'not written';
    return `  ${x.region.padEnd(width)}  ${fixed(x.load).padStart(9)} / ${String(x.capacity).padEnd(8)} ${fixed(x.utilization, 2).padStart(5)}  dial ${dial.padEnd(10)} ${x.action.padEnd(5)}  ${x.why}${state ? ` [${state}]` : ''}\n`;
  });
  return head + lines.join('');
}

function logStep(log: Logger, r: StepReport): void {
  for (const x of r.regions) {
    const line = {
      step: r.step, region: x.region, load: x.load, http: x.http, dns: x.dns, capacity: x.capacity, utilization: x.utilization,
      dialBefore: x.dialBefore, dialAfter: x.dialAfter, action: x.action, why: x.why, written: x.written, dryRun: r.dryRun,
      ...(x.error ? { error: x.error } : {}),
    };
    if (x.error) log.error(line, `${x.region}: dial ${x.dialBefore} -> ${x.dialAfter} failed`);
    else if (x.action === 'hold') log.info(line, `${x.region}: dial ${x.dialBefore} held`);
    else log.info(line, `${x.region}: dial ${x.dialBefore} -> ${x.dialAfter}${x.written ? '' : ' (not written)'}`);
  }
}

export interface PreparedAutopilot {
  options: AutopilotOptions;
  source: LoadSource;
}

/** Everything the flags say, checked before anything connects (usage errors first, exit 2). */
export function prepareAutopilot(flags: Record<string, unknown>): PreparedAutopilot {
  const options: AutopilotOptions = {
    capacity: capacityOf(flags),
    target: flags.target as number, low: flags.low as number, interval: flags.interval as number,
    maxStep: flags.maxStep as number, minDial: flags.minDial as number,
    ...(flags.listener !== undefined ? { listener: flags.listener as string[] } : {}),
    dryRun: flags.dryRun === true, once: flags.once === true,
  };
  try {
    resolveAutopilotOptions(options);
  } catch (e) {
    // The flags were checked one by one; what is left is how they go together (--low below --target).
    if (e instanceof InvalidOptionError) throw new UsageError(`--${e.message.replace(/\btarget\b/, '--target')}`, { cause: e });
    throw e;
  }
  return { options, source: sourceOf(flags) };
}

/** Run the autopilot command until a signal (or one step with --once); resolves with the exit code. */
export async function runAutopilot(conn: Connection, prepared: PreparedAutopilot, output: 'table' | 'json', io: AutopilotIo): Promise<number> {
  const { options, source } = prepared;
  const dest = io.stderr === process.stderr ? pino.destination({ dest: 2, sync: true }) : io.stderr;
  const log = pino({ name: 'gactl-autopilot', base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, dest);
  const stop = new AbortController();
  const onSignal = (name: string) => {
    if (!stop.signal.aborted) log.info({ signal: name }, `${name}: stopping after the current step`);
    stop.abort();
  };
  io.signals.on('SIGINT', onSignal);
  io.signals.on('SIGTERM', onSignal);
  let result: AutopilotResult;
  try {
    result = await autopilot(conn, source, options, {
      signal: stop.signal,
      onStep: (r) => {
        logStep(log, r);
        io.stdout.write(output === 'json' ? `${JSON.stringify(r)}\n` : stepLines(r));
      },
    });
  } finally {
    io.signals.off('SIGINT', onSignal);
    io.signals.off('SIGTERM', onSignal);
    source.close();
  }
  log.info(result, `stopped after ${result.steps} step(s), ${result.writes} dial(s) written, ${result.failures} failed`);
  return result.failures > 0 && options.once === true ? 1 : 0;
}
