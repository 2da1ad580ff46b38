/**
 * The overload drill's report: a line chart (SVG, and PNG through resvg) of what each Region
 * served per second and the hot Region's dial, the run with fixed dials above the run with the
 * autopilot, and report.md with the same figures as tables per interval, the checks, and the
 * autopilot's decisions.
 */
import { Resvg } from '@resvg/resvg-js';
import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import { regionColors } from '@anycast-origin/probe';
import type { OverloadResults, OverloadRun } from './overload.js';
import { meanServed } from './overload.js';
import { table } from './report.js';

const W = 1000;
const PANEL_H = 260;
const M = { top: 36, right: 64, bottom: 34, left: 56 };
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function panel(r: OverloadResults, run: OverloadRun, title: string, top: number, regions: readonly string[], colors: Record<string, string>, yMax: number): string {
  const secs = run.seconds.length;
  const x = scaleLinear().domain([0, Math.max(secs, 1)]).range([M.left, W - M.right]);
  const y = scaleLinear().domain([0, yMax]).nice().range([top + PANEL_H - M.bottom, top + M.top]);
  const yDial = scaleLinear().domain([0, 100]).range([top + PANEL_H - M.bottom, top + M.top]);
  const out: string[] = [`<text x="${M.left}" y="${top + 20}" font-size="15" font-weight="bold">${esc(title)}</text>`];
  for (const tick of y.ticks(5)) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(tick)}" y2="${y(tick)}" stroke="#e5e5e5"/>`,
      `<text x="${M.left - 6}" y="${y(tick) + 4}" font-size="11" text-anchor="end">${tick}</text>`);
  }
  for (const tick of x.ticks(10)) out.push(`<text x="${x(tick)}" y="${top + PANEL_H - M.bottom + 16}" font-size="11" text-anchor="middle">${tick}</text>`);
  out.push(`<text x="${(M.left + W - M.right) / 2}" y="${top + PANEL_H - 4}" font-size="11" text-anchor="middle">seconds since the load started</text>`,
    `<text x="14" y="${top + PANEL_H / 2}" font-size="11" transform="rotate(-90 14 ${top + PANEL_H / 2})" text-anchor="middle">requests per second</text>`);
  for (const tick of [0, 50, 100]) out.push(`<text x="${W - M.right + 6}" y="${yDial(tick) + 4}" font-size="11" fill="#444">${tick}%</text>`);
  const cap = r.capacity[r.hot] as number;
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(cap)}" y2="${y(cap)}" stroke="${colors[r.hot]}" stroke-dasharray="6 4"/>`,
    `<text x="${W - M.right - 4}" y="${y(cap) - 4}" font-size="11" text-anchor="end" fill="${colors[r.hot]}">${esc(r.hot)} capacity ${cap.toFixed(0)}</text>`);
  if (run.autopilot) {
    out.push(`<line x1="${x(r.plan.loadSeconds)}" x2="${x(r.plan.loadSeconds)}" y1="${top + M.top}" y2="${top + PANEL_H - M.bottom}" stroke="#999" stroke-dasharray="2 3"/>`,
      `<text x="${x(r.plan.loadSeconds) + 4}" y="${top + M.top + 10}" font-size="11" fill="#666">load stops</text>`);
  }
  for (const region of regions) {
    const path = line<number>().x((_, i) => x(i + 0.5)).y((v) => y(v))(run.seconds.map((s) => s.served[region] ?? 0));
    out.push(`<path d="${path}" fill="none" stroke="${colors[region]}" stroke-width="2"/>`);
  }
  const dialPath = line<number>().x((_, i) => x(i + 1)).y((v) => yDial(v))(run.seconds.map((s) => s.dial));
  out.push(`<path d="${dialPath}" fill="none" stroke="#222" stroke-width="1.5" stroke-dasharray="1 3"/>`);
  return out.join('\n');
}

/** The chart as SVG: one panel per run, a line per Region, the hot Region's capacity and dial. */
export function renderOverloadChart(r: OverloadResults): string {
  const regions = Object.keys(r.capacity);
  const colors = regionColors(regions);
  const yMax = Math.max(r.plan.rps * 1.1, ...[r.fixed, r.autopilot].flatMap((run) => run.seconds.flatMap((s) => Object.values(s.served))));
  const legendY = 2 * PANEL_H + 10;
  const legend = [...regions.map((reg, i) => [reg, colors[reg] as string, 'none', i] as const), [`${r.hot} dial (right axis)`, '#222', '1 3', regions.length] as const]
    .map(([name, color, dash, i]) => `<line x1="${M.left + i * 160}" x2="${M.left + i * 160 + 24}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="2" stroke-dasharray="${dash}"/><text x="${M.left + i * 160 + 30}" y="${legendY + 4}" font-size="12">${esc(name)}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${2 * PANEL_H + 24}" viewBox="0 0 ${W} ${2 * PANEL_H + 24}" font-family="DejaVu Sans, sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    panel(r, r.fixed, `Dials fixed at 100: ${r.plan.rps} rps near ${r.hot}`, 0, regions, colors, yMax),
    panel(r, r.autopilot, `gactl autopilot (target 0.8, low 0.6, interval ${r.plan.interval} s, max step ${r.plan.maxStep}, raise after ${r.plan.raiseAfter})`, PANEL_H, regions, colors, yMax),
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}

export function renderOverloadPng(r: OverloadResults): Buffer {
  return new Resvg(renderOverloadChart(r), { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: '#ffffff' }).render().asPng();
}

/** ", N dropped" when the load generator could not send every request on time. */
function dropped(run: OverloadRun): string {
  return run.dropped > 0 ? `, ${run.dropped} dropped: the load generator could not send them on time` : '';
}

/** Per interval: what each Region served (mean rps) and the hot Region's dial at the interval's end. */
function intervalTable(r: OverloadResults, run: OverloadRun): string {
  const width = Math.max(1, Math.round(r.plan.interval));
  const regions = Object.keys(r.capacity);
  const rows: (string | number)[][] = [];
  for (let from = 0; from < run.seconds.length; from += width) {
    const to = Math.min(run.seconds.length, from + width);
    rows.push([`${from}-${to} s`, ...regions.map((reg) => Number(meanServed(run.seconds, reg, from, to).toFixed(1))), run.seconds[to - 1]?.dial ?? 100,
      run.seconds.slice(from, to).reduce((n, s) => n + s.failed, 0)]);
  }
  return table(['interval', ...regions.map((reg) => `${reg} rps`), `${r.hot} dial`, 'failed'], rows);
}

export function renderOverloadReport(r: OverloadResults, command: string): string {
  const hotCap = r.capacity[r.hot] as number;
  const decisions = r.autopilot.steps.flatMap((s) => s.regions.filter((x) => x.action !== 'hold').map((x) => [s.step, x.region, x.load ?? '-', x.capacity, `${x.dialBefore} -> ${x.dialAfter}`, x.action, x.why]));
  return [
    '# Overload drill: gactl autopilot on the lab',
    '',
    `${r.plan.rps} requests per second of new-connection HTTP from the ${r.vantagePoints.length} vantage points closest to ${r.hot} (${r.vantagePoints.join(', ')}), `
      + `${r.plan.overload}x its capacity of ${hotCap.toFixed(1)} rps; every other Region idle with a capacity of ${r.plan.otherCapacity} rps. `
      + `Global Accelerator sends what ${r.hot}'s dial does not keep to each client's next closest group: ${r.spill} for these vantage points (the lab's other cities closest to ${r.hot}, whose next group is another, are left out). What each Region served is counted from the replies (each names who answered).`,
    '',
    '![served per Region and the dial over time](overload.png)',
    '',
    '## Checks',
    '',
    table(['check', 'result', 'detail'], r.checks.map((c) => [c.name, c.ok ? 'pass' : '**FAIL**', c.detail])),
    '',
    `## Dials fixed at 100 (${r.fixed.requests} requests${dropped(r.fixed)})`,
    '',
    intervalTable(r, r.fixed),
    '',
    `## gactl autopilot (${r.autopilot.requests} requests${dropped(r.autopilot)}; ${r.autopilot.result?.steps ?? 0} steps, ${r.autopilot.result?.writes ?? 0} dials written)`,
    '',
    intervalTable(r, r.autopilot),
    '',
    '### The autopilot\'s moves',
    '',
    decisions.length ? table(['step', 'region', 'load rps', 'capacity', 'dial', 'action', 'why'], decisions) : 'none',
    '',
    '## Reproduce',
    '',
    '```',
    command,
    '```',
    '',
  ].join('\n');
}
