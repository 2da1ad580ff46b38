/**
 * `probe compare`: which probes changed region between two runs (before and after a dial
 * change, a failover, a deploy). Probes are matched by probe id, or by position when a run has
 * no ids (the seed's GeoJSON: both of its runs place the same probes at the same coordinates).
 * Several probes at one position are paired in the order the runs list them.
 */
import type { ProbeResult, Run } from './atlas.js';
import { COMPARE_OPTIONS, resolve } from './options.js';
import type { OptionsInput } from './options.js';

export type CompareOptions = OptionsInput<typeof COMPARE_OPTIONS>;

/** `probe compare` JSON: `{ matched, moved: [ { from, to, count } ], stayed: { "<region>": count } }` and more. */
export interface Comparison {
  matchedBy: 'id' | 'position';
  /** probes found in both runs */
  matched: number;
  /** probes of one run only */
  unmatched: { before: number; after: number };
  /** matched probes with no region in either run (an error, no answer) */
  noRegion: number;
  /** region changes, most first */
  moved: { from: string; to: string; count: number }[];
  /** probes that kept their region, per region */
  stayed: Record<string, number>;
  /** before-region -> after-region -> count, every matched probe with a region in both runs */
  matrix: Record<string, Record<string, number>>;
}

function keyOf(by: 'id' | 'position', p: ProbeResult): string | undefined {
  if (by === 'id') return p.probeId === undefined ? undefined : String(p.probeId);
  if (p.latitude === undefined || p.longitude === undefined) return undefined;
  return `${p.latitude.toFixed(4)},${p.longitude.toFixed(4)}`;
}

/** Probes by key; a key held by several probes keeps them in run order. */
function index(by: 'id' | 'position', run: Run): Map<string, ProbeResult[]> {
  const out = new Map<string, ProbeResult[]>();
  for (const p of run.probes) {
    const k = keyOf(by, p);
    if (k === undefined) continue;
    const list = out.get(k);
    if (list) list.push(p);
    else out.set(k, [p]);
  }
  return out;
}

/** Match the probes of two runs and count who moved where. */
export function compareRuns(before: Run, after: Run, options: CompareOptions = {}): Comparison {
  const o = resolve(COMPARE_OPTIONS, options);
  const hasIds = (r: Run) => r.probes.length > 0 && r.probes.every((p) => p.probeId !== undefined);
  const by = o.matchBy === 'auto' ? (hasIds(before) && hasIds(after) ? 'id' : 'position') : o.matchBy;
  const a = index(by, before);
  const b = index(by, after);
  let matched = 0;
  let noRegion = 0;
  const matrix: Record<string, Record<string, number>> = {};
  for (const [k, list] of a) {
    const other = b.get(k) ?? [];
    const n = Math.min(list.length, other.length);
    for (let i = 0; i < n; i++) {
      matched++;
      const from = list[i]?.region;
      const to = other[i]?.region;
      if (!from || !to) {
        noRegion++;
        continue;
      }
      const row = (matrix[from] ??= {});
      row[to] = (row[to] ?? 0) + 1;
    }
  }
  const moved: Comparison['moved'] = [];
  const stayed: Record<string, number> = {};
  for (const [from, row] of Object.entries(matrix)) {
    for (const [to, count] of Object.entries(row)) {
      if (from === to) stayed[from] = count;
      else moved.push({ from, to, count });
    }
  }
  moved.sort((x, y) => y.count - x.count || x.from.localeCompare(y.from) || x.to.localeCompare(y.to));
  return {
    matchedBy: by,
    matched,
    unmatched: { before: before.probes.length - matched, after: after.probes.length - matched },
    noRegion,
    moved,
    stayed: Object.fromEntries(Object.entries(stayed).sort((x, y) => y[1] - x[1])),
    matrix,
  };
}
