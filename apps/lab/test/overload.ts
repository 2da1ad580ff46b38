/**
 * The overload drill: its figures from samples of known shape, its chart, and the whole drill
 * (`anycast-lab overload --quick`) on a lab: Europe at 3x its capacity with dials fixed and with
 * gactl autopilot, every check of the issue passing and the report written.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { regionColors } from '@anycast-origin/probe';
import { meanServed, settledAfter, windowsOf } from '../src/overload.js';
import type { OverloadResults, Second } from '../src/overload.js';
import { renderOverloadChart, renderOverloadReport } from '../src/overload-report.js';
import { assertNothingLeft, blocks, spawnLab } from './fixtures/lab.js';

const B = blocks(141);
const flags = ['--origin-addresses', B.origins, '--vantage-addresses', B.vantages, '--entry-addresses', B.entries];

const sec = (t: number, eu: number, us: number, dial = 100, failed = 0): Second => ({ t, served: { 'eu-central-1': eu, 'us-east-1': us }, failed, dial });

t.test('figures: means, windows, and the interval after which the hot Region stays under its limit', async (t) => {
  const s = [sec(0, 150, 0), sec(1, 150, 0), sec(2, 90, 60, 60), sec(3, 60, 90, 40), sec(4, 40, 110, 26), sec(5, 41, 109, 26), sec(6, 0, 0, 51)];
  t.equal(meanServed(s, 'eu-central-1', 0, 2), 150);
  t.equal(meanServed(s, 'us-east-1', 2, 4), 75);
  t.equal(meanServed(s, 'eu-central-1', 9, 12), 0, 'no seconds: 0');
  t.same(windowsOf(s, 'eu-central-1', 2, 6), [150, 75, 40.5]);
  t.equal(settledAfter(s, 'eu-central-1', 1, 6, 55), 4, 'from the fifth second on');
  t.equal(settledAfter(s, 'eu-central-1', 2, 6, 55), 2, 'by windows of the interval');
  t.equal(settledAfter(s, 'eu-central-1', 1, 6, 30), null, 'never');
  t.equal(settledAfter(s, 'eu-central-1', 1, 6, 1000), 0, 'at once');
});

t.test('the chart and the report from results of known shape', async (t) => {
  const run = (autopilot: boolean) => ({
    autopilot, loadStartedAt: 0, requests: 900, dropped: autopilot ? 12 : 0, failed: 0, failures: {}, steps: [], result: autopilot ? { steps: 6, writes: 3, failures: 0 } : null,
    seconds: autopilot ? [sec(0, 150, 0), sec(1, 110, 40, 75), sec(2, 75, 75, 50), sec(3, 40, 110, 26), sec(4, 0, 0, 51), sec(5, 0, 0, 100)] : [sec(0, 150, 0), sec(1, 150, 0), sec(2, 150, 0), sec(3, 150, 0)],
  });
  const r: OverloadResults = {
    plan: { rps: 150, overload: 3, otherCapacity: 300, loadSeconds: 4, quietSeconds: 2, interval: 1, maxStep: 25, raiseAfter: 2, settleSteps: 4, timeoutMs: 5000 },
    hot: 'eu-central-1', spill: 'us-east-1', capacity: { 'eu-central-1': 50, 'us-east-1': 300 }, vantagePoints: ['amsterdam', 'london'],
    fixed: run(false), autopilot: run(true), settledAfterSeconds: 3, settledAfterSteps: 2,
    checks: [{ name: 'a check', ok: true, detail: 'fine' }, { name: 'another', ok: false, detail: 'not fine' }],
  };
  const svg = renderOverloadChart(r);
  t.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  t.equal((svg.match(/<path /g) ?? []).length, 2 * 3, 'a line per Region and the dial, in each panel');
  t.match(svg, /eu-central-1 capacity 50/);
  t.match(svg, /load stops/);
  const md = renderOverloadReport(r, 'anycast-lab overload --quick');
  t.match(md, /!\[served per Region and the dial over time\]\(overload.png\)/);
  t.match(md, /## Dials fixed at 100 \(900 requests\)/);
  t.match(md, /## gactl autopilot \(900 requests, 12 dropped: the load generator could not send them on time; 6 steps/);
  t.match(md, /\| a check \| pass \| fine \|/);
  t.match(md, /\| another \| \*\*FAIL\*\* \| not fine \|/);
  t.match(md, /\| 0-1 s \| 150 \| 0 \| 100 \| 0 \|/);
  t.match(md, /\| 3-4 s \| 40 \| 110 \| 26 \| 0 \|/);
  t.match(md, /```\nanycast-lab overload --quick\n```/);
});

t.test('overload --quick: Europe at 3x its capacity, fixed dials against gactl autopilot; every check passes', async (t) => {
  const out = t.testdir({});
  const t0 = Date.now();
  const lab = spawnLab(t, ['overload', '--quick', '--out', out, '--output', 'json', ...flags]);
  const exit = await lab.exit;
  t.comment(`overload --quick took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (exit.code !== 0) t.comment(lab.stderr().slice(-4000));
  t.same(exit, { code: 0, signal: null }, 'exit 0: every check passed');
  await assertNothingLeft(t, B);
  const printed = JSON.parse(lab.stdout()) as { checks: { name: string; ok: boolean; detail: string }[]; files: string[] };
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as OverloadResults;
  t.same(printed.checks, results.checks);
  for (const c of results.checks) t.ok(c.ok, `${c.name}: ${c.detail}`);
  t.equal(results.hot, 'eu-central-1');
  t.equal(results.spill, 'us-east-1', 'the next closest group to Europe');
  t.equal(results.capacity['eu-central-1'], 50, '150 rps / 3');
  t.ok(results.vantagePoints.includes('amsterdam') && results.vantagePoints.includes('frankfurt'));
  t.ok(results.vantagePoints.every((v) => !['tokyo', 'new-york', 'seattle'].includes(v)));

  // Europe serves the whole load: every reply, at the rate the generator managed to send (it
  // drops what a stalled machine kept it from sending on time).
  t.same([...new Set(results.fixed.seconds.flatMap((s) => Object.keys(s.served)))], ['eu-central-1'], 'with fixed dials only Europe answers');
  const sentShare = results.fixed.requests / (results.fixed.requests + results.fixed.dropped);
  const fixedEu = meanServed(results.fixed.seconds, 'eu-central-1', 1, results.plan.loadSeconds);
  t.ok(fixedEu > 0.8 * results.plan.rps * sentShare, `with fixed dials Europe serves its whole load: ${fixedEu.toFixed(1)} rps (${results.fixed.dropped} dropped by a late load generator)`);
  t.ok(results.fixed.dropped < results.fixed.requests / 4, 'the load generator sent most of its requests');
  t.ok(results.fixed.seconds.every((s) => s.dial === 100));
  const steps = results.autopilot.steps;
  t.ok(steps.some((s) => s.regions.some((x) => x.region === 'eu-central-1' && x.action === 'lower' && x.written)), 'the autopilot lowered the EU dial');
  t.ok(steps.some((s) => s.regions.some((x) => x.region === 'eu-central-1' && x.action === 'raise' && x.written)), 'and raised it back');
  t.ok(steps.every((s) => s.regions.every((x) => x.region === 'eu-central-1' || x.action === 'hold')), 'no other Region moved');
  t.match(steps[0]?.regions.find((x) => x.region === 'eu-central-1'), { load: null, action: 'hold', why: /no rate yet \(first sample\)/ }, 'the first read only primes the counters');
  t.ok(results.vantagePoints.length >= 10, `${results.vantagePoints.length} vantage points near Europe`);

  const png = PNG.sync.read(readFileSync(join(out, 'overload.png')));
  t.equal(png.width, 1000);
  const [r, g, b] = [1, 3, 5].map((i) => parseInt((regionColors(Object.keys(results.capacity))['eu-central-1'] as string).slice(i, i + 2), 16));
  let eu = 0;
  for (let i = 0; i < png.data.length; i += 4) if (png.data[i] === r && png.data[i + 1] === g && png.data[i + 2] === b) eu++;
  t.ok(eu > 500, `the EU lines are drawn (${eu} pixels)`);
  t.match(readFileSync(join(out, 'report.md'), 'utf8'), /# Overload drill: gactl autopilot on the lab/);
});
