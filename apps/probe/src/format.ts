/**
 * What the commands print: a table for people, CSV and JSON for scripts. One renderer per
 * report; the JSON is the report object itself (its shape is documented in the README).
 */
import type { AtlasTable } from './atlas.js';
import type { Comparison } from './compare.js';
import type { Prediction } from './predict.js';
import type { MeasureReport, Percentiles } from './tally.js';

export type Format = 'table' | 'json' | 'csv';

/** A share as a percentage; callers pass count / total, not a share already rounded. */
function pct(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** Aligned columns: numbers right, text left; two spaces between columns. */
export function columns(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || /^-?[\d.]+%?$/.test(String(r[i] ?? ''))));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) => r.map((c, i) => (numeric[i] ? (c ?? '').padStart(widths[i] ?? 0) : (c ?? '').padEnd(widths[i] ?? 0))).join('  ').trimEnd())
    .join('\n');
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n');
}

function json(v: unknown): string {
  return JSON.stringify(v, null, 2);
}

function latencyRows(r: MeasureReport): (string | number)[][] {
  const row = (name: string, p: Percentiles | null) => (p ? [[name, p.p50.toFixed(2), p.p90.toFixed(2), p.p99.toFixed(2)]] : []);
  return [...row('connect', r.connectMs), ...row('total', r.latencyMs)];
}

/** `probe http` / `probe dns`. */
export function formatMeasure(r: MeasureReport, format: Format, what: 'requests' | 'queries'): string {
  if (format === 'json') return json(r);
  const errorKinds = Object.entries(r.errorKinds) as [string, number][];
  if (format === 'csv') {
    return csv(['type', 'name', 'region', 'count', 'share'], [
      ...r.answers.map((a) => ['answer', a.identity, a.region ?? '', a.count, a.share]),
      ...errorKinds.map(([kind, n]) => ['error', kind, '', n, Math.round((n / r.total) * 10_000) / 10_000]),
    ]);
  }
  const out = [`${r.target}: ${r.total} ${what}, ${r.ok} answered, ${r.errors} failed`, ''];
  if (r.answers.length) {
    out.push(columns(['count', 'share', 'identity', 'region'], r.answers.map((a) => [a.count, pct(a.count / r.ok), a.identity, a.region ?? '?'])), '');
    out.push(columns(['region', 'count', 'share'], r.regions.map((g) => [g.region ?? '?', g.count, pct(g.count / r.ok)])), '');
  }
  if (errorKinds.length) {
    out.push(columns(['error', 'count', 'first message'], errorKinds.map(([k, n]) => [k, n, r.errorSamples[k as keyof typeof r.errorSamples] ?? ''])), '');
  }
  const lat = latencyRows(r);
  if (lat.length) out.push(columns(['latency ms', 'p50', 'p90', 'p99'], lat), '');
  return out.join('\n').trimEnd();
}

/** `probe atlas` (and `atlas measure`). */
export function formatAtlasTable(t: AtlasTable, format: Format, title: string): string {
  if (format === 'json') return json(t);
  const rows = Object.entries(t.regions).map(([region, r]) => [region, r.count, r.share]);
  if (format === 'csv') return csv(['region', 'count', 'share'], [...rows, ...(t.unknown ? [['', t.unknown, Math.round((t.unknown / t.probes) * 10_000) / 10_000]] : [])]);
  const table = columns(['region', 'count', 'share'], [
    ...rows.map(([region, count]) => [region as string, count as number, pct((count as number) / t.probes)]),
    ...(t.unknown ? [['no region', t.unknown, pct(t.unknown / t.probes)]] : []),
  ]);
  return `${title}: ${t.probes} probes\n\n${table}`;
}

/** `probe compare`. */
export function formatComparison(c: Comparison, format: Format): string {
  if (format === 'json') return json(c);
  // regions by how many matched probes they had before, then after
  const total = new Map<string, number>();
  for (const [from, row] of Object.entries(c.matrix)) {
    for (const [to, n] of Object.entries(row)) {
      total.set(from, (total.get(from) ?? 0) + n * 1000);
      total.set(to, (total.get(to) ?? 0) + n);
    }
  }
  const regions = [...total].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([r]) => r);
  if (format === 'csv') {
    return csv(['from', 'to', 'count'], regions.flatMap((from) => regions.map((to) => [from, to, c.matrix[from]?.[to] ?? 0])).filter((r) => r[2] !== 0));
  }
  const out = [
    `matched ${c.matched} probes by ${c.matchedBy} (only in before: ${c.unmatched.before}, only in after: ${c.unmatched.after}${c.noRegion ? `, no region in one run: ${c.noRegion}` : ''})`,
    '',
    columns(['before \\ after', ...regions], regions.map((from) => [from, ...regions.map((to) => c.matrix[from]?.[to] ?? 0)])),
    '',
  ];
  if (c.moved.length) out.push(columns(['moved from', 'to', 'count'], c.moved.map((m) => [m.from, m.to, m.count])), '');
  else out.push('no probe moved', '');
  out.push(columns(['stayed in', 'count'], Object.entries(c.stayed)));
  return out.join('\n');
}
/** `probe predict`. */
export function formatPrediction(p: Prediction, format: Format): string {
  if (format === 'json') return json(p);
  const regions = [...new Set([...Object.keys(p.regions), ...Object.keys(p.measured?.regions ?? {})])];
  const m = p.measured;
  if (format === 'csv') {
    return csv(['region', 'count', 'share', ...(m ? ['measured', 'measuredShare'] : [])], regions.map((r) => [
      r, p.regions[r]?.count ?? 0, p.regions[r]?.share ?? 0, ...(m ? [m.regions[r]?.count ?? 0, m.regions[r]?.share ?? 0] : []),
    ]));
  }
  const table = columns(['region', 'predicted', 'share', ...(m ? ['measured', 'share'] : [])], regions.map((r) => [
    r, (p.regions[r]?.count ?? 0).toFixed(1), pct((p.regions[r]?.count ?? 0) / p.probes), ...(m ? [m.regions[r]?.count ?? 0, pct((m.regions[r]?.count ?? 0) / m.probes)] : []),
  ]));
  const dials = Object.entries(p.dials).map(([r, d]) => `${r}=${d}`).join(' ');
  const skipped = p.skipped ? ` (${p.skipped} without a position${p.firstChoice === 'measured' ? ' or a measured region' : ''} left out)` : '';
  const head = `${p.probes} probes${skipped}, first choice ${p.firstChoice === 'measured' ? 'the measured region' : 'the nearest group'}, dials ${dials}`;
  return [head, '', table, ...(m ? ['', `total variation distance from the measured run: ${m.tvd.toFixed(4)}`] : [])].join('\n');
}
