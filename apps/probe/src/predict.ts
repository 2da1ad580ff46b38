/**
 * `probe predict`: the per-region table a dial change would give, before making it. Each probe
 * of a run is routed by the emulator's model of Global Accelerator
 * (@anycast-origin/ga-emulator/routing, the one implementation the emulator's data plane uses):
 * its groups in proximity order (great-circle distance from the probe to each group's Region),
 * the closest keeping its dial's share of what reaches it and passing the rest to the next
 * closest. With `firstChoice: 'measured'` the probe's first group is the region it measured
 * (its catchment: what BGP and AWS's edge actually did, anomalies included) and only the rest of
 * the order comes from distance; with 'nearest' everything comes from geography. Counts are
 * expected values (a probe splits across groups), so they can be fractional. No constant here
 * is fitted to any run.
 */
import { isRegion, regionShares } from '@anycast-origin/ga-emulator/routing';
import type { RouteGroup } from '@anycast-origin/ga-emulator/routing';
import type { Run } from './atlas.js';
import { InvalidOptionError } from './errors.js';
import { PREDICT_OPTIONS, resolve } from './options.js';
import type { OptionsInput } from './options.js';

export type PredictOptions = OptionsInput<typeof PREDICT_OPTIONS>;

/** `probe predict` JSON: `{ probes, regions: { "<region>": { count, share } } }` and how it was made. */
export interface Prediction {
  /** probes routed (those with a position, and with a measured region when firstChoice is 'measured') */
  probes: number;
  /** probes left out for want of a position or a measured region */
  skipped: number;
  firstChoice: 'measured' | 'nearest';
  /** the endpoint groups, by Region */
  groups: string[];
  /** every group's dial, percent */
  dials: Record<string, number>;
  /** expected probes per region (3 decimals) and share of `probes` (4 decimals), most first */
  regions: Record<string, { count: number; share: number }>;
  /** filled in by the command line's --against: the measured table and the distance to it */
  measured?: { probes: number; regions: Record<string, { count: number; share: number }>; tvd: number };
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * Predict the per-region table of `run` under `dials`. Throws InvalidOptionError for a region
 * Global Accelerator does not support or a dial of a region that is not a group.
 */
export function predict(run: Run, options: PredictOptions = {}): Prediction {
  const o = resolve(PREDICT_OPTIONS, options);
  const dials = o.dials as Record<string, number>;
  const seen = [...new Set(run.probes.map((p) => p.region).filter((r): r is string => r !== undefined))];
  const groups = o.regions ?? [...new Set([...seen, ...Object.keys(dials)])].sort();
  for (const r of groups) if (!isRegion(r)) throw new InvalidOptionError('regions', `must be Regions Global Accelerator supports endpoints in, got ${JSON.stringify(r)}`);
  for (const r of Object.keys(dials)) if (!groups.includes(r)) throw new InvalidOptionError('dials', `must name groups of the listener (${groups.join(', ')}), got ${JSON.stringify(r)}`);
  if (groups.length === 0) throw new InvalidOptionError('regions', 'must name at least one group, got none (and the run measured no region)');

  const route: RouteGroup[] = groups.map((region) => ({ region, dial: dials[region] ?? 100, endpoints: [{ id: region, weight: 1, healthy: true }] }));
  const expected = new Map<string, number>(groups.map((g) => [g, 0]));
  let probes = 0;
  for (const p of run.probes) {
    if (p.latitude === undefined || p.longitude === undefined) continue;
    if (o.firstChoice === 'measured' && (p.region === undefined || !groups.includes(p.region))) continue;
    const override = o.firstChoice === 'measured' ? [p.region as string] : [];
    for (const [region, share] of regionShares({ lat: p.latitude, lon: p.longitude }, route, override)) expected.set(region, (expected.get(region) ?? 0) + share);
    probes++;
  }
  const regions: Prediction['regions'] = {};
  for (const [region, count] of [...expected].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
    regions[region] = { count: round(count, 3), share: probes ? round(count / probes, 4) : 0 };
  }
  return {
    probes,
    skipped: run.probes.length - probes,
    firstChoice: o.firstChoice,
    groups,
    dials: Object.fromEntries(groups.map((g) => [g, dials[g] ?? 100])),
    regions,
  };
}
