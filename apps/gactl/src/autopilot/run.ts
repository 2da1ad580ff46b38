/**
 * The autopilot's loop: every interval it reads the accelerator (gactl's status), reads the
 * load of the endpoints Global Accelerator sends traffic to (a LoadSource: the origins'
 * /metrics, or Prometheus), decides (control.ts) and writes the dials that move, one at a
 * time, through gactl's safe write (read-modify-write, wait for DEPLOYED, verify). Each step
 * is handed to `onStep` (the command logs one line per Region and prints the events).
 *
 * Stopping (the `signal`) is honoured between steps and between writes, never inside one:
 * a write that started runs to its verified end. A write that fails (a guard, an API error
 * after gactl's retries) is reported in the step and the loop goes on: the next step reads
 * the accelerator again and decides from what is there.
 */
import { channel } from 'node:diagnostics_channel';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from '../connect.js';
import { setDial, status as readAccelerator } from '../operations.js';
import { parseOptions } from '@anycast-origin/options';
import { InvalidOptionError } from '../errors.js';
import { AUTOPILOT_OPTIONS } from '../options.js';
import type { AutopilotOptions, ResolvedAutopilotOptions } from '../options.js';
import { selectListeners } from '../plan.js';
import type { ListenerStatus } from '../status.js';
import { decide } from './control.js';
import type { Decision, RegionInput } from './control.js';
import type { Expected, LoadReading, LoadSource } from './sources.js';

/** Published once per step (`{ step }`: the StepReport below). */
export const AUTOPILOT_CHANNEL = 'anycast-origin:gactl:autopilot';
const stepChannel = channel(AUTOPILOT_CHANNEL);

/** One Region's line of a step: the decision, and whether its write happened. */
export interface RegionReport extends Decision {
  /** The dial was written (and verified); false in a dry run, on a hold, or when the write failed. */
  written: boolean;
  /** Why the write failed, when it did. */
  error?: string;
  /** HTTP requests and DNS queries per second, when known. */
  http: number | null;
  dns: number | null;
}

/** What one step saw and did. */
export interface StepReport {
  step: number;
  /** ISO time the step read the accelerator. */
  time: string;
  accelerator: { arn: string; status: 'DEPLOYED' | 'IN_PROGRESS' | null };
  /** Seconds the rates were measured over (null when the source had no earlier sample). */
  intervalSeconds: number | null;
  /** A reason that held every Region, or null. */
  hold: string | null;
  dryRun: boolean;
  regions: RegionReport[];
}

export interface AutopilotHooks {
  onStep?: (report: StepReport) => void;
  /** Stops the loop between steps and between writes. */
  signal?: AbortSignal;
}

export interface AutopilotResult {
  steps: number;
  /** Dials written. */
  writes: number;
  /** Writes that failed. */
  failures: number;
}

/** Validate the autopilot's options (InvalidOptionError naming the option; low must be below target). */
export function resolveAutopilotOptions(input: AutopilotOptions): ResolvedAutopilotOptions {
  const o = parseOptions(AUTOPILOT_OPTIONS, input, (option, message) => new InvalidOptionError(option, message));
  if (o.low >= o.target) throw new InvalidOptionError('low', `must be below target (${o.target}), got ${o.low}`);
  return o;
}

interface View {
  regions: Map<string, { dial: number; serving: boolean }>;
  expected: Expected[];
}

/** The Regions of the steered listeners: one dial per Region (the lowest of its groups), who can serve, whose load counts. */
export function viewOf(listeners: readonly ListenerStatus[]): View {
  const regions = new Map<string, { dial: number; serving: boolean }>();
  const expected = new Map<string, Expected>();
  for (const l of listeners) {
    for (const g of l.endpointGroups) {
      if (g.region === null) continue;
      const live = g.endpoints.filter((e) => e.healthState === 'HEALTHY' && (e.weight ?? 0) > 0);
      const r = regions.get(g.region);
      const dial = g.trafficDial ?? 100;
      regions.set(g.region, { dial: r === undefined ? dial : Math.min(r.dial, dial), serving: (r?.serving ?? false) || live.length > 0 });
      for (const e of live) expected.set(e.id, { id: e.id, region: g.region });
    }
  }
  return { regions, expected: [...expected.values()] };
}

function checkCapacity(capacity: Readonly<Record<string, number>>, regions: ReadonlyMap<string, unknown>): void {
  const groups = [...regions.keys()].join(', ') || 'none';
  const missing = [...regions.keys()].filter((r) => capacity[r] === undefined);
  if (missing.length > 0) throw new InvalidOptionError('capacity', `must name every Region with an endpoint group on the steered listeners (${groups}), missing ${missing.join(', ')}`);
  const unknown = Object.keys(capacity).filter((r) => !regions.has(r));
  if (unknown.length > 0) throw new InvalidOptionError('capacity', `must name only Regions with an endpoint group on the steered listeners (${groups}), got ${unknown.join(', ')}`);
}

const aborted = (signal: AbortSignal | undefined): boolean => signal?.aborted === true;

/** Wait `ms`, or less when `signal` aborts (the stop is honoured between steps). */
async function sleepUnless(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || aborted(signal)) return;
  await sleep(ms, undefined, signal ? { signal } : {}).catch(() => {});
}

/**
 * Run the autopilot until `signal` aborts (or one step with `once`). Throws for what no later
 * step can mend: options, a capacity that does not match the accelerator's Regions, a
 * listener that does not exist, an accelerator that cannot be read.
 */
export async function autopilot(conn: Connection, source: LoadSource, options: AutopilotOptions, hooks: AutopilotHooks = {}): Promise<AutopilotResult> {
  const o = resolveAutopilotOptions(options);
  const { signal } = hooks;
  const result: AutopilotResult = { steps: 0, writes: 0, failures: 0 };
  const intervalMs = o.interval * 1000;
  const listeners = o.listener as string[] | undefined;

  const look = async () => {
    const st = await readAccelerator(conn);
    const view = viewOf(selectListeners(st, listeners));
    checkCapacity(o.capacity, view.regions);
    return { st, view };
  };

  if (o.once && source.kind !== 'prometheus') {
    // A rate needs two samples: the first read only primes the counters.
    const { view } = await look();
    await source.read(view.expected);
    await sleepUnless(intervalMs, signal);
  }
  let lastChange: number | undefined;
  const recent = new Map<string, number[]>();
  while (!aborted(signal)) {
    const time = new Date().toISOString();
    const { st, view } = await look();
    const reading: LoadReading = await source.read(view.expected);
    // The next read one interval after this one (after a write: after the read that follows it).
    let next = Date.now() + intervalMs;
    const inputs: RegionInput[] = [...view.regions].map(([region, v]) => {
      const load = reading.regions.get(region);
      return {
        region, dial: v.dial, serving: v.serving, capacity: o.capacity[region] as number, recent: recent.get(region) ?? [],
        load: load?.rate ?? null,
        loadWhy: load === undefined ? 'the load source had nothing for it' : load.why ?? 'load unknown',
      };
    });
    // Rates measured across the last change mix the old dials with the new: wait for a window after it.
    const from = reading.intervalSeconds === null ? null : reading.at - reading.intervalSeconds * 1000;
    const settling = lastChange !== undefined && from !== null && from < lastChange;
    if (settling) for (const i of inputs) Object.assign(i, { load: null, loadWhy: `the rates still cover the last change (${new Date(lastChange as number).toISOString()})` });
    const decided = decide({ acceleratorStatus: st.accelerator.status, regions: inputs, settings: o });
    // Each Region's readings since the last change, for raises (a missing one breaks the run).
    if (!settling && st.accelerator.status === 'DEPLOYED') {
      for (const i of inputs) recent.set(i.region, i.load === null ? [] : [...(recent.get(i.region) ?? []), i.load].slice(-o.raiseAfter));
    }
    const decisions = decided.decisions;
    const hold = settling ? `measuring the effect of the last change: the rates still cover it` : decided.hold;
    result.steps++;
    const report: StepReport = {
      step: result.steps, time, accelerator: { arn: st.accelerator.arn, status: st.accelerator.status },
      intervalSeconds: reading.intervalSeconds, hold, dryRun: o.dryRun,
      regions: decisions.map((d) => {
        const l = reading.regions.get(d.region);
        return { ...d, written: false, http: l?.http ?? null, dns: l?.dns ?? null };
      }),
    };
    // Lowers first: they relieve a Region that is over its target now.
    const moves = report.regions.filter((r) => r.dialAfter !== r.dialBefore).sort((a, b) => (a.action === b.action ? 0 : a.action === 'lower' ? -1 : 1));
    for (const r of moves) {
      if (o.dryRun) break;
      if (aborted(signal)) {
        r.error = 'stopped before this write';
        break;
      }
      try {
        await setDial(conn, { region: r.region, percent: r.dialAfter, ...(listeners ? { listeners } : {}) }, { wait: true });
        r.written = true;
        result.writes++;
      } catch (e) {
        r.error = e instanceof Error ? e.message : String(e);
        result.failures++;
      }
    }
    if (moves.some((r) => r.written)) {
      lastChange = Date.now();
      recent.clear();
      // A scrape source's next rate starts now, after the change (Prometheus's window moves on by itself).
      if (source.kind !== 'prometheus' && !aborted(signal)) {
        await source.read(view.expected);
        next = Date.now() + intervalMs;
      }
    }
    if (stepChannel.hasSubscribers) stepChannel.publish({ step: report });
    hooks.onStep?.(report);
    if (o.once) break;
    await sleepUnless(next - Date.now(), signal);
  }
  return result;
}
