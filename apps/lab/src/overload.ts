/**
 * The overload drill: the seed's closing scenario, Europe "running hot", played twice on the
 * lab. The European vantage points (those whose closest group is the hot Region) send a steady
 * open-loop load of new-connection HTTP requests, `overload` times the hot Region's capacity,
 * while the other Regions are idle. First with every dial fixed at 100 (what Global Accelerator
 * does on its own); then with `gactl autopilot` (the library, scraping every origin's /metrics)
 * moving the dials, and, after the load stops, a quiet phase in which it must bring the dial
 * back to 100.
 *
 * What each Region served is measured by the clients, independently of the autopilot: every
 * reply says who answered (the HTTP origin's identity line), so each second's table is counted
 * from the replies. The checks are the issue's: the hot Region at most 1.1x its capacity within
 * a few intervals, the spill Region never over its own capacity, no request failed, the dial
 * back at 100 once the load is gone.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { autopilot, scrapeSource } from '@anycast-origin/gactl';
import type { AutopilotResult, StepReport } from '@anycast-origin/gactl';
import { nearestRegion, orderByProximity, regionInfo } from '@anycast-origin/ga-emulator/routing';
import { labConnection } from './experiment.js';
import type { Lab } from './lab.js';
import type { LoadJob, Reply } from './load-worker.js';

export interface OverloadPlan {
  /** Requests per second from the hot Region's vantage points. */
  rps: number;
  /** The load over the hot Region's capacity (3: capacity = rps / 3). */
  overload: number;
  /** Capacity of every other Region, rps. */
  otherCapacity: number;
  /** Seconds of load in each run. */
  loadSeconds: number;
  /** Longest the autopilot's run goes on after the load stops: it ends as soon as the dial is back at 100. */
  quietSeconds: number;
  /** The autopilot's interval, s. */
  interval: number;
  /** The autopilot's largest step, percent. */
  maxStep: number;
  /** The autopilot's quiet readings in a row before a raise. */
  raiseAfter: number;
  /** Autopilot steps the hot Region may take to come under 1.1x its capacity. */
  settleSteps: number;
  timeoutMs: number;
}

/** One second of a run, as the clients saw it. */
export interface Second {
  /** Seconds since the load started (the second starting then). */
  t: number;
  /** Replies per Region that second. */
  served: Record<string, number>;
  failed: number;
  /** The hot Region's dial at the end of the second (the HTTP listener's group). */
  dial: number;
}

export interface OverloadRun {
  autopilot: boolean;
  /** Epoch ms the load started. */
  loadStartedAt: number;
  seconds: Second[];
  requests: number;
  /** Requests the load generator dropped because it could not send them on time (a stalled machine): not sent, not failed. */
  dropped: number;
  failed: number;
  /** Failures by kind (refused, reset, timeout, ...). */
  failures: Record<string, number>;
  steps: StepReport[];
  result: AutopilotResult | null;
}

export interface OverloadCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface OverloadResults {
  plan: OverloadPlan;
  hot: string;
  spill: string;
  capacity: Record<string, number>;
  vantagePoints: string[];
  fixed: OverloadRun;
  autopilot: OverloadRun;
  /** The autopilot's run: seconds from the load's start until the hot Region stayed at or under 1.1x (by windows of the interval). */
  settledAfterSeconds: number | null;
  /** The autopilot's steps from the load's start until then. */
  settledAfterSteps: number | null;
  checks: OverloadCheck[];
}

export interface OverloadHooks {
  onPhase?: (what: string) => void;
  onStep?: (report: StepReport) => void;
}

/** The load on its worker thread (load-worker.ts); `stop()` resolves with every reply once the last request ended, and the requests it dropped. */
async function startLoad(job: LoadJob) {
  const replies: Reply[] = [];
  const worker = new Worker(new URL('./load-worker.js', import.meta.url), { workerData: job });
  let started: (t0: number) => void = () => {};
  const ready = new Promise<number>((resolve) => (started = resolve));
  const done = new Promise<{ replies: Reply[]; dropped: number }>((resolve, reject) => {
    worker.on('message', (m: { t0?: number; replies?: Reply[]; dropped?: number; done?: boolean }) => {
      if (m.t0 !== undefined) started(m.t0);
      if (m.replies) replies.push(...m.replies);
      if (m.done) resolve({ replies, dropped: m.dropped ?? 0 });
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`the load generator exited (${code}) before it was done`)));
  });
  done.catch(() => {});
  const t0 = await Promise.race([ready, done.then(() => NaN)]);
  let stopped: Promise<{ replies: Reply[]; dropped: number }> | undefined;
  return {
    /** Epoch ms the load started. */
    t0,
    stop(): Promise<{ replies: Reply[]; dropped: number }> {
      stopped ??= (async () => {
        worker.postMessage('stop');
        try {
          return await done;
        } finally {
          await worker.terminate();
        }
      })();
      return stopped;
    },
  };
}

function dialOf(lab: Lab, region: string): number {
  const acc = lab.emulator.state().accelerators.find((a) => a.arn === lab.acceleratorArn);
  const l = acc?.listeners.find((x) => x.protocol === 'TCP' && x.ports.includes(80));
  return l?.endpointGroups.find((g) => g.region === region)?.trafficDial ?? 100;
}

function bySecond(replies: readonly Reply[], dials: readonly number[], seconds: number): Second[] {
  const out: Second[] = Array.from({ length: seconds }, (_, t) => ({ t, served: {}, failed: 0, dial: dials[t] ?? dials[dials.length - 1] ?? 100 }));
  for (const r of replies) {
    const s = out[Math.floor(r.at / 1000)];
    if (s === undefined) continue;
    if (!r.ok) s.failed++;
    else if (r.region !== undefined) s.served[r.region] = (s.served[r.region] ?? 0) + 1;
  }
  return out;
}

/** Mean served per second by `region` over seconds [from, to). */
export function meanServed(seconds: readonly Second[], region: string, from: number, to: number): number {
  const xs = seconds.slice(from, to);
  return xs.length === 0 ? 0 : xs.reduce((n, s) => n + (s.served[region] ?? 0), 0) / xs.length;
}

/** The mean served per second by `region` in each window of `width` seconds until `until`. */
export function windowsOf(seconds: readonly Second[], region: string, width: number, until: number): number[] {
  const out: number[] = [];
  for (let from = 0; from + width <= until; from += width) out.push(meanServed(seconds, region, from, from + width));
  return out;
}

/**
 * The interval (counted from the load's start) after which the hot Region's rate, averaged over
 * each interval, stays at or under `limit` until the load stops; null if it never does.
 */
export function settledAfter(seconds: readonly Second[], region: string, interval: number, loadSeconds: number, limit: number): number | null {
  const windows = windowsOf(seconds, region, Math.max(1, Math.round(interval)), loadSeconds);
  let k = windows.length;
  while (k > 0 && (windows[k - 1] as number) <= limit) k--;
  return k === windows.length ? null : k;
}

async function run(lab: Lab, plan: OverloadPlan, ctx: { hot: string; capacity: Record<string, number>; url: string; sources: string[] }, withAutopilot: boolean, hooks: OverloadHooks): Promise<OverloadRun> {
  const steps: StepReport[] = [];
  const stop = new AbortController();
  let pilot: Promise<AutopilotResult> | undefined;
  let close = () => {};
  if (withAutopilot) {
    const conn = await labConnection(lab, plan.interval / 4);
    const source = scrapeSource({
      targets: () => lab.state().endpoints.map((e) => ({ id: e.id, region: e.region, metrics: `http://${e.address}:${e.http}/metrics` })),
      timeoutMs: 3000,
    });
    close = () => {
      source.close();
      conn.close();
    };
    pilot = autopilot(conn, source, {
      capacity: ctx.capacity, interval: plan.interval, maxStep: plan.maxStep, raiseAfter: plan.raiseAfter, listener: ['TCP:80'],
    }, { signal: stop.signal, onStep: (r) => { steps.push(r); hooks.onStep?.(r); } });
  }
  try {
    const load = await startLoad({ url: ctx.url, sources: ctx.sources, rps: plan.rps, timeoutMs: plan.timeoutMs });
    // The load's clock, on this thread's performance clock.
    const t0 = load.t0 - performance.timeOrigin;
    const total = plan.loadSeconds + (withAutopilot ? plan.quietSeconds : 0);
    const dials: number[] = [];
    for (let t = 1; t <= total; t++) {
      await sleep(Math.max(0, t0 + t * 1000 - performance.now()));
      const dial = dialOf(lab, ctx.hot);
      dials.push(dial);
      if (t === plan.loadSeconds) {
        hooks.onPhase?.(withAutopilot ? 'load stopped; the autopilot should raise the dial back to 100' : 'load stopped');
        await load.stop();
      }
      // The quiet phase has done its job once the dial is back (a loaded machine takes longer per step).
      if (t > plan.loadSeconds && dial === 100) break;
    }
    const { replies, dropped } = await load.stop();
    stop.abort();
    const result = pilot ? await pilot : null;
    const failures: Record<string, number> = {};
    for (const r of replies) if (!r.ok) failures[r.kind ?? 'unknown'] = (failures[r.kind ?? 'unknown'] ?? 0) + 1;
    return {
      autopilot: withAutopilot, loadStartedAt: load.t0, seconds: bySecond(replies, dials, dials.length), requests: replies.length, dropped,
      failed: replies.filter((r) => !r.ok).length, failures, steps, result,
    };
  } finally {
    stop.abort();
    await pilot?.catch(() => undefined);
    close();
  }
}

/** Run the drill on a running lab (its config's Regions, its vantage points). */
export async function runOverload(lab: Lab, plan: OverloadPlan, hooks: OverloadHooks = {}): Promise<OverloadResults> {
  const regions = [...new Set(lab.instances.map((i) => i.region))];
  const hot = regions.includes('eu-central-1') ? 'eu-central-1' : (regions[0] as string);
  // Where Global Accelerator sends what the hot Region's dial does not keep: the next closest group.
  const spill = nearestRegion(regionInfo(hot), regions.filter((r) => r !== hot)) as string;
  // The hot Region's vantage points whose next group is that one too (Europe's, for eu-central-1:
  // the Middle East's cities are also closest to Frankfurt, but their excess goes to Singapore).
  const near = lab.vantagePoints.filter((v) => {
    const order = orderByProximity({ lat: v.latitude, lon: v.longitude }, regions);
    return order[0] === hot && order[1] === spill;
  });
  if (near.length === 0) throw new Error(`no vantage point of the lab is closest to ${hot} with ${spill} next`);
  const capacity: Record<string, number> = Object.fromEntries(regions.map((r) => [r, r === hot ? plan.rps / plan.overload : plan.otherCapacity]));
  const url = `http://${lab.entry('TCP', 80)}/`;
  const ctx = { hot, capacity, url, sources: near.map((v) => v.address) };

  hooks.onPhase?.(`dials fixed at 100: ${plan.rps} rps from ${near.length} vantage points near ${hot} for ${plan.loadSeconds} s`);
  const fixed = await run(lab, plan, ctx, false, hooks);
  hooks.onPhase?.(`gactl autopilot: the same load for ${plan.loadSeconds} s, then quiet until the dial is back at 100 (at most ${plan.quietSeconds} s)`);
  const withPilot = await run(lab, plan, ctx, true, hooks);

  const hotCap = capacity[hot] as number;
  const spillCap = capacity[spill] as number;
  const width = Math.max(1, Math.round(plan.interval));
  const settledWindows = settledAfter(withPilot.seconds, hot, plan.interval, plan.loadSeconds, 1.1 * hotCap);
  const settledSeconds = settledWindows === null ? null : settledWindows * width;
  // Steps the autopilot took from the load's start until then (a step can take longer than the interval: it waits for DEPLOYED).
  const settledSteps = settledSeconds === null ? null
    : withPilot.steps.filter((st) => Date.parse(st.time) >= withPilot.loadStartedAt && Date.parse(st.time) < withPilot.loadStartedAt + settledSeconds * 1000).length;
  const after = settledSeconds ?? 0;
  const spillPeak = Math.max(0, ...windowsOf(withPilot.seconds, spill, width, plan.loadSeconds));
  const fixedHot = meanServed(fixed.seconds, hot, 0, plan.loadSeconds);
  const lastDial = withPilot.seconds[withPilot.seconds.length - 1]?.dial ?? 0;
  const checks: OverloadCheck[] = [
    {
      name: `with the dials fixed, ${hot} is overloaded`, ok: fixedHot > 1.1 * hotCap,
      detail: `${fixedHot.toFixed(1)} rps served against a capacity of ${hotCap.toFixed(1)} (${(fixedHot / hotCap).toFixed(2)}x)`,
    },
    {
      name: `the autopilot brings ${hot} to at most 1.1x its capacity within ${plan.settleSteps} steps`,
      ok: settledSteps !== null && settledSteps <= plan.settleSteps,
      detail: settledSeconds === null ? 'never' : `after ${settledSteps} step(s), ${settledSeconds} s: then ${meanServed(withPilot.seconds, hot, after, plan.loadSeconds).toFixed(1)} rps (limit ${(1.1 * hotCap).toFixed(1)})`,
    },
    {
      name: `${spill} takes the excess without going over its own capacity`, ok: spillPeak <= spillCap && meanServed(withPilot.seconds, spill, after, plan.loadSeconds) > 0,
      detail: `peak ${spillPeak.toFixed(1)} rps per interval against ${spillCap} (mean after settling ${meanServed(withPilot.seconds, spill, after, plan.loadSeconds).toFixed(1)})`,
    },
    {
      name: 'no request failed', ok: fixed.failed === 0 && withPilot.failed === 0,
      detail: `${fixed.failed} of ${fixed.requests} with fixed dials, ${withPilot.failed} of ${withPilot.requests} with the autopilot${withPilot.failed + fixed.failed > 0 ? ` (${JSON.stringify({ ...fixed.failures, ...withPilot.failures })})` : ''}${
        fixed.dropped + withPilot.dropped > 0 ? `; the load generator dropped ${fixed.dropped} and ${withPilot.dropped} it could not send on time (a busy machine)` : ''}`,
    },
    {
      name: `once the load stops, the ${hot} dial returns to 100`, ok: lastDial === 100,
      detail: `dial ${lastDial} after ${withPilot.seconds.length - plan.loadSeconds} quiet seconds (at most ${plan.quietSeconds}); lowest ${Math.min(...withPilot.seconds.map((s) => s.dial))}`,
    },
  ];
  return {
    plan, hot, spill, capacity, vantagePoints: near.map((v) => v.name), fixed, autopilot: withPilot,
    settledAfterSeconds: settledSeconds, settledAfterSteps: settledSteps, checks,
  };
}
