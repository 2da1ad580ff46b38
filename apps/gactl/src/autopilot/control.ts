/**
 * The autopilot's control law, as a pure function of one interval's readings: which Region's
 * traffic dial to move, to what, and why. No I/O here (run.ts reads and writes), so every
 * rule below is tested exactly.
 *
 * Per Region (its endpoint groups on the steered listeners share one dial):
 *
 * - **Hot** (load > target x capacity): the dial is lowered in proportion to the excess, to
 *   where the Region's load lands in the middle of the band:
 *   `dial x (low + target) / 2 x capacity / load` (the load a Region keeps scales with its
 *   dial), by at most `maxStep` points per interval and never below `minDial`.
 * - **Cool** (load < low x capacity for `raiseAfter` readings in a row, dial < 100): the dial is
 *   raised by at most `maxStep`, and only as far as the highest of those readings predicts a
 *   load at the middle of the band, so a raise never lands it straight back above target. A
 *   lower acts on one reading (capacity first); a raise waits for several (one quiet sample can
 *   be noise: Kubernetes' autoscaler likewise stabilizes scale-downs over a window).
 *   Between low and target nothing moves: the band is the hysteresis that keeps a steady load
 *   from making the dial oscillate, and every move aims at its middle, so the load's own
 *   noise has half the band each way before anything moves again.
 * - **Where the shed traffic lands**: Global Accelerator passes what a dial does not keep to
 *   the next closest group, which keeps its own dial's share and passes the rest on (the
 *   routing model of @anycast-origin/ga-emulator/routing, the one `probe predict` and the
 *   emulator use; the order is by great-circle distance from the hot Region). The shed is
 *   spread down that cascade and limited so that no Region it lands in goes over target; a
 *   Region that would is the reason a hot Region holds. When every Region that takes traffic
 *   is hot there is nowhere to shed: the dials stay and the step says so.
 * - **Never on no data**: a Region whose load is unknown (missing or stale metrics) holds,
 *   and so does a hot Region whose shed would land in a Region whose load is unknown.
 * - **Never the last Region**: a Region is not lowered when no other Region on the steered
 *   listeners takes traffic (a dial above 0 and an endpoint that can serve).
 * - A dial at 0 is a drain someone asked for (`gactl drain --region`): the autopilot neither
 *   raises nor lowers it. Nothing moves at all while the accelerator is IN_PROGRESS.
 *
 * Dials move in whole points (a change below one point is not worth a deployment): a lowered
 * dial rounds down, so the Region lands at or under the middle of the band.
 */
import { dialCascade, orderByProximity, regionInfo } from '@anycast-origin/ga-emulator/routing';

/** The control settings (validated by options.ts). */
export interface ControlSettings {
  /** Lower a Region's dial above this share of its capacity (0..1). */
  target: number;
  /** Raise a Region's dial below this share of its capacity (0..target). */
  low: number;
  /** Most points a dial moves in one interval. */
  maxStep: number;
  /** Lowest dial the autopilot sets. */
  minDial: number;
  /** Readings in a row (this one included) a Region must be below `low` before it is raised. */
  raiseAfter: number;
}

/** One Region as the step sees it. */
export interface RegionInput {
  region: string;
  /** The dial of its groups on the steered listeners (the lowest, when they differ). */
  dial: number;
  /** Requests per second it can serve. */
  capacity: number;
  /** Requests per second it served over the interval; null when unknown. */
  load: number | null;
  /** Why the load is unknown. */
  loadWhy?: string;
  /** It has an endpoint that can serve (healthy, weight above 0). */
  serving: boolean;
  /** Its loads of the previous steps since the last change, oldest first (for raises). */
  recent?: readonly number[];
}

export type Action = 'lower' | 'raise' | 'hold';

/** What the step decides for one Region: the autopilot's log line. */
export interface Decision {
  region: string;
  /** requests per second over the interval, null when unknown */
  load: number | null;
  capacity: number;
  /** load / capacity (3 decimals), null when the load is unknown */
  utilization: number | null;
  dialBefore: number;
  dialAfter: number;
  action: Action;
  why: string;
  /** Requests per second this step expects the Region to serve after every change. */
  predictedLoad: number | null;
}

export interface StepInput {
  acceleratorStatus: 'DEPLOYED' | 'IN_PROGRESS' | null;
  regions: readonly RegionInput[];
  settings: ControlSettings;
}

export interface StepDecision {
  decisions: Decision[];
  /** A reason that holds every Region (IN_PROGRESS, every Region hot); null otherwise. */
  hold: string | null;
}

const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;
const rps = (v: number): string => `${round(v, 1)} rps`;

/**
 * The Regions a hot Region's shed passes through, in Global Accelerator's order (closest to
 * it first), with the share of the shed each one keeps (its dial's share of what reaches it).
 */
export function shedCascade(from: string, others: readonly { region: string; dial: number }[]): { region: string; share: number }[] {
  const order = orderByProximity(regionInfo(from), others.map((o) => o.region));
  const dials = order.map((r) => (others.find((o) => o.region === r) as { dial: number }).dial);
  const shares = dialCascade(dials);
  return order.map((region, i) => ({ region, share: shares[i] as number })).filter((s) => s.share > 0);
}

/** Decide one interval. Regions are taken hottest first, so the most urgent shed claims headroom first. */
export function decide(input: StepInput): StepDecision {
  const { settings: s } = input;
  const mid = (s.low + s.target) / 2;
  const base = (r: RegionInput): Decision => ({
    region: r.region,
    load: r.load === null ? null : round(r.load, 3),
    capacity: r.capacity,
    utilization: r.load === null ? null : round(r.load / r.capacity, 3),
    dialBefore: r.dial,
    dialAfter: r.dial,
    action: 'hold',
    why: '',
    predictedLoad: r.load === null ? null : round(r.load, 3),
  });
  const out = new Map<string, Decision>(input.regions.map((r) => [r.region, base(r)]));
  const result = (hold: string | null): StepDecision => ({ decisions: input.regions.map((r) => out.get(r.region) as Decision), hold });

  if (input.acceleratorStatus !== 'DEPLOYED') {
    const why = `accelerator ${input.acceleratorStatus ?? 'status unknown'}: waiting for DEPLOYED`;
    for (const d of out.values()) d.why = why;
    return result(why);
  }

  // Predicted load per Region after this step's changes (starts at what was measured).
  const predicted = new Map<string, number | null>(input.regions.map((r) => [r.region, r.load]));
  const takesTraffic = (r: RegionInput) => r.serving && (out.get(r.region) as Decision).dialAfter > 0;
  const hot = (r: RegionInput) => r.load !== null && r.load > s.target * r.capacity;
  const open = input.regions.filter((r) => r.serving && r.dial > 0);
  const everyHot = open.length > 1 && open.every(hot);

  const ordered = [...input.regions].sort((a, b) => (b.load ?? -1) / b.capacity - (a.load ?? -1) / a.capacity || (a.region < b.region ? -1 : 1));
  for (const r of ordered) {
    const d = out.get(r.region) as Decision;
    if (r.load === null) {
      d.why = `no data: ${r.loadWhy ?? 'load unknown'}; dial held`;
      continue;
    }
    const limit = s.target * r.capacity;
    if (r.dial === 0) {
      d.why = 'dial 0: drained by hand (gactl undrain to bring it back); left alone';
      continue;
    }
    if (hot(r)) {
      if (everyHot) {
        d.why = `every Region that takes traffic is above ${s.target} of its capacity: nowhere to shed; dial held`;
        continue;
      }
      if (r.dial <= s.minDial) {
        d.why = `above ${s.target} of capacity (${rps(r.load)} > ${rps(limit)}) but at the lowest dial (${s.minDial}); dial held`;
        continue;
      }
      const others = input.regions.filter((o) => o.region !== r.region && takesTraffic(o));
      if (others.length === 0) {
        d.why = `above ${s.target} of capacity but the only Region taking traffic; dial held`;
        continue;
      }
      // Proportional: keep mid-band x capacity of today's load; bounded by the step and the floor.
      const lowest = Math.max(r.dial - s.maxStep, s.minDial);
      let want = Math.max(r.dial * ((mid * r.capacity) / r.load), lowest);
      const cascade = shedCascade(r.region, others.map((o) => ({ region: o.region, dial: (out.get(o.region) as Decision).dialAfter })));
      const unknown = cascade.find((c) => predicted.get(c.region) === null);
      if (unknown) {
        d.why = `above ${s.target} of capacity but the shed would land in ${unknown.region}, whose load is unknown; dial held`;
        continue;
      }
      // The shed, spread down the cascade, may not take any Region there over its target.
      let shedMax = Infinity;
      let bound: string | undefined;
      for (const c of cascade) {
        const o = input.regions.find((x) => x.region === c.region) as RegionInput;
        const room = Math.max(0, s.target * o.capacity - (predicted.get(c.region) as number));
        if (room / c.share < shedMax) {
          shedMax = room / c.share;
          bound = c.region;
        }
      }
      const kept = r.load / r.dial; // load per dial point
      const limited = r.load - kept * want > shedMax;
      if (limited) want = r.dial - shedMax / kept;
      // Whole points: down to at most mid-band (floor), but not past the shed's limit, the step or the floor (ceil).
      const next = Math.max(limited ? Math.ceil(want) : Math.floor(want), Math.ceil(lowest));
      if (next >= r.dial) {
        d.why = `above ${s.target} of capacity (${rps(r.load)} > ${rps(limit)}) but shedding would take ${bound} over its own target; dial held`;
        continue;
      }
      const shed = kept * (r.dial - next);
      for (const c of cascade) predicted.set(c.region, (predicted.get(c.region) as number) + shed * c.share);
      predicted.set(r.region, r.load - shed);
      d.dialAfter = next;
      d.action = 'lower';
      d.why = `above ${s.target} of capacity (${rps(r.load)} > ${rps(limit)}): shedding ${rps(shed)} to ${cascade.map((c) => c.region).join(', ')}`
        + (limited ? ` (no more: ${bound} would go above ${s.target} of its capacity)` : '');
      continue;
    }
    if (r.load < s.low * r.capacity && r.dial < 100) {
      // Raise only after raiseAfter quiet readings in a row (one quiet sample can be noise), from the
      // highest of them, by the step, and only as far as the predicted load stays mid-band.
      const recent = [...(r.recent ?? []), r.load].slice(-s.raiseAfter);
      if (recent.length < s.raiseAfter || recent.some((x) => x >= s.low * r.capacity)) {
        d.why = `below ${s.low} of capacity for ${recent.length - recent.findLastIndex((x) => x >= s.low * r.capacity) - 1} of the ${s.raiseAfter} readings a raise needs; dial held`;
        continue;
      }
      const high = Math.max(...recent);
      const ceiling = high > 0 ? r.dial * ((mid * r.capacity) / high) : Infinity;
      const next = Math.floor(Math.min(100, r.dial + s.maxStep, ceiling));
      if (next <= r.dial) {
        d.why = `below ${s.low} of capacity but a raise would bring it above ${round(mid, 3)}; dial held`;
        continue;
      }
      d.dialAfter = next;
      d.action = 'raise';
      d.predictedLoad = round((high * next) / r.dial, 3);
      predicted.set(r.region, d.predictedLoad);
      d.why = `below ${s.low} of capacity for ${s.raiseAfter} readings (at most ${rps(high)} < ${rps(s.low * r.capacity)}): taking traffic back`;
      continue;
    }
    d.why = r.dial === 100 && r.load < s.low * r.capacity ? 'below capacity, dial at 100' : `within ${s.low}..${s.target} of capacity`;
  }
  for (const d of out.values()) {
    const p = predicted.get(d.region);
    d.predictedLoad = p === null || p === undefined ? null : round(p, 3);
  }
  return result(everyHot ? `every Region that takes traffic is above ${s.target} of its capacity` : null);
}
