import t from 'tap';
import { decide, shedCascade } from '../../src/autopilot/control.js';
import type { ControlSettings, Decision, RegionInput } from '../../src/autopilot/control.js';

const S: ControlSettings = { target: 0.8, low: 0.6, maxStep: 10, minDial: 10, raiseAfter: 1 };
const region = (name: string, load: number | null, capacity: number, dial = 100, serving = true): RegionInput => ({ region: name, load, capacity, dial, serving });
const of = (ds: readonly Decision[], name: string) => ds.find((d) => d.region === name) as Decision;

t.test('the shed of a Region goes down Global Accelerator\'s cascade: the next closest group first', async (t) => {
  const c = shedCascade('eu-central-1', [{ region: 'ap-southeast-1', dial: 100 }, { region: 'us-east-1', dial: 100 }, { region: 'us-west-2', dial: 100 }]);
  t.same(c, [{ region: 'us-east-1', share: 1 }]);
  const half = shedCascade('eu-central-1', [{ region: 'us-east-1', dial: 50 }, { region: 'us-west-2', dial: 100 }]);
  t.same(half, [{ region: 'us-east-1', share: 0.5 }, { region: 'us-west-2', share: 0.5 }]);
});

t.test('a hot Region is lowered in proportion to its excess, bounded by the step and the floor', async (t) => {
  const one = decide({ acceleratorStatus: 'DEPLOYED', settings: S, regions: [region('eu-central-1', 300, 100), region('us-east-1', 0, 2000)] });
  t.equal(one.hold, null);
  t.match(of(one.decisions, 'eu-central-1'), { action: 'lower', dialBefore: 100, dialAfter: 90, utilization: 3 });
  t.match(of(one.decisions, 'eu-central-1').why, /above 0.8 of capacity \(300 rps > 80 rps\): shedding 30 rps to us-east-1/);
  t.match(of(one.decisions, 'us-east-1'), { action: 'hold', dialAfter: 100, predictedLoad: 30 });

  const wide = decide({ acceleratorStatus: 'DEPLOYED', settings: { ...S, maxStep: 100 }, regions: [region('eu-central-1', 300, 100), region('us-east-1', 0, 2000)] });
  t.match(of(wide.decisions, 'eu-central-1'), { action: 'lower', dialAfter: 23 }, 'floor(100 x 70 / 300): mid-band');

  const floor = decide({ acceleratorStatus: 'DEPLOYED', settings: { ...S, maxStep: 100, minDial: 40 }, regions: [region('eu-central-1', 300, 100), region('us-east-1', 0, 2000)] });
  t.match(of(floor.decisions, 'eu-central-1'), { dialAfter: 40 });
  const atFloor = decide({ acceleratorStatus: 'DEPLOYED', settings: { ...S, minDial: 40 }, regions: [region('eu-central-1', 120, 100, 40), region('us-east-1', 0, 2000)] });
  t.match(of(atFloor.decisions, 'eu-central-1'), { action: 'hold', dialAfter: 40, why: /at the lowest dial \(40\)/ });
});

t.test('the shed never takes the Region it lands in over its own target', async (t) => {
  // us-east-1 has 1600 x 0.8 - 1560 = ... room for 40 rps of EU's shed at most.
  const d = decide({ acceleratorStatus: 'DEPLOYED', settings: { ...S, maxStep: 100 }, regions: [region('eu-central-1', 300, 100), region('us-east-1', 1560, 2000)] });
  const eu = of(d.decisions, 'eu-central-1');
  t.equal(eu.action, 'lower');
  t.ok(eu.dialAfter >= 86 && eu.dialAfter <= 87, `sheds at most 40 of 300 rps: dial ${eu.dialAfter}`);
  t.match(eu.why, /no more: us-east-1 would go above 0.8 of its capacity/);
  t.ok((of(d.decisions, 'us-east-1').predictedLoad as number) <= 1600);

  const full = decide({ acceleratorStatus: 'DEPLOYED', settings: S, regions: [region('eu-central-1', 300, 100), region('us-east-1', 1600, 2000)] });
  t.match(of(full.decisions, 'eu-central-1'), { action: 'hold', why: /shedding would take us-east-1 over its own target/ });
});

t.test('every Region hot: nowhere to shed, the dials stay and the step says so', async (t) => {
  const d = decide({ acceleratorStatus: 'DEPLOYED', settings: S, regions: [region('eu-central-1', 300, 100), region('us-east-1', 1700, 2000)] });
  t.match(d.hold, /every Region that takes traffic is above 0.8/);
  t.ok(d.decisions.every((x) => x.action === 'hold' && x.dialAfter === x.dialBefore));
});

t.test('no data holds: the Region without a load, and a hot Region whose shed would land in one', async (t) => {
  const d = decide({
    acceleratorStatus: 'DEPLOYED', settings: S,
    regions: [{ ...region('eu-central-1', 300, 100) }, { ...region('us-east-1', null, 2000), loadWhy: 'i-0abc: connect ECONNREFUSED' }],
  });
  t.match(of(d.decisions, 'us-east-1'), { action: 'hold', load: null, utilization: null, why: 'no data: i-0abc: connect ECONNREFUSED; dial held' });
  t.match(of(d.decisions, 'eu-central-1'), { action: 'hold', why: /shed would land in us-east-1, whose load is unknown/ });
  const lone = decide({ acceleratorStatus: 'DEPLOYED', settings: S, regions: [region('eu-central-1', null, 100, 50), region('us-east-1', 0, 2000)] });
  t.match(of(lone.decisions, 'eu-central-1'), { action: 'hold', dialAfter: 50, why: /no data: load unknown/ });
});

t.test('the last Region taking traffic is never lowered', async (t) => {
  const d = decide({ acceleratorStatus: 'DEPLOYED', settings: S, regions: [region('eu-central-1', 300, 100), region('us-east-1', 0, 2000, 100, false), region('us-west-2', 0, 500, 0)] });
  t.match(of(d.decisions, 'eu-central-1'), { action: 'hold', why: /only Region taking traffic/ });
});

t.test('IN_PROGRESS (or an unknown status) moves nothing', async (t) => {
  for (const status of ['IN_PROGRESS', null] as const) {
    const d = decide({ acceleratorStatus: status, settings: S, regions: [region('eu-central-1', 300, 100), region('us-east-1', 0, 2000)] });
    t.match(d.hold, /waiting for DEPLOYED/);
    t.ok(d.decisions.every((x) => x.action === 'hold'));
  }
});

t.test('a cool Region is raised in steps, only as far as mid-band; a drained one is left alone', async (t) => {
  const idle = decide({ acceleratorStatus: 'DEPLOYED', settings: S, regions: [region('eu-central-1', 0, 100, 27), region('us-east-1', 200, 2000)] });
  t.match(of(idle.decisions, 'eu-central-1'), { action: 'raise', dialAfter: 37, why: /below 0.6 of capacity/ });
  const near = decide({ acceleratorStatus: 'DEPLOYED', settings: S, regions: [region('eu-central-1', 55, 100, 50), region('us-east-1', 200, 2000)] });
  // 55 rps at dial 50; mid-band 70 rps: at most dial 63 (and 60 by the step).
  t.match(of(near.decisions, 'eu-central-1'), { action: 'raise', dialAfter: 60, predictedLoad: 66 });
  const capped = decide({ acceleratorStatus: 'DEPLOYED', settings: { ...S, maxStep: 50 }, regions: [region('eu-central-1', 55, 100, 50), region('us-east-1', 200, 2000)] });
  t.match(of(capped.decisions, 'eu-central-1'), { action: 'raise', dialAfter: 63 });
  const top = decide({ acceleratorStatus: 'DEPLOYED', settings: S, regions: [region('eu-central-1', 0, 100, 95), region('us-east-1', 0, 2000)] });
  t.match(of(top.decisions, 'eu-central-1'), { dialAfter: 100 });
  t.match(of(top.decisions, 'us-east-1'), { action: 'hold', why: 'below capacity, dial at 100' });
  const band = decide({ acceleratorStatus: 'DEPLOYED', settings: S, regions: [region('eu-central-1', 70, 100, 80), region('us-east-1', 0, 2000)] });
  t.match(of(band.decisions, 'eu-central-1'), { action: 'hold', why: 'within 0.6..0.8 of capacity' });
  const drained = decide({ acceleratorStatus: 'DEPLOYED', settings: S, regions: [region('eu-central-1', 0, 100, 0), region('us-east-1', 0, 2000)] });
  t.match(of(drained.decisions, 'eu-central-1'), { action: 'hold', dialAfter: 0, why: /drained by hand/ });
});

t.test('a raise waits for raiseAfter quiet readings in a row and goes from the highest of them', async (t) => {
  const R = { ...S, raiseAfter: 3 };
  const at = (load: number, recent: number[]) => of(decide({ acceleratorStatus: 'DEPLOYED', settings: R, regions: [{ ...region('eu-central-1', load, 100, 40), recent }, region('us-east-1', 0, 2000)] }).decisions, 'eu-central-1');
  t.match(at(20, []), { action: 'hold', why: 'below 0.6 of capacity for 1 of the 3 readings a raise needs; dial held' });
  t.match(at(20, [25]), { action: 'hold', why: /for 2 of the 3 readings/ });
  t.match(at(20, [65, 25]), { action: 'hold', why: /for 2 of the 3 readings/ }, 'a reading in the band breaks the run');
  t.match(at(20, [70, 25, 26]), { action: 'raise', dialAfter: 50 }, 'only the last raiseAfter count');
  // 28, 25, 20 at dial 40: from the highest, mid-band (70) allows dial 100 x ... = 40 x 70 / 28 = 100 -> the step: 50.
  t.match(at(20, [28, 25]), { action: 'raise', dialAfter: 50, predictedLoad: 35, why: /for 3 readings \(at most 28 rps < 60 rps\)/ });
  t.match(at(20, [55, 25]), { action: 'raise', dialAfter: 50 }, '55 is below 0.6: 40 x 70 / 55 = 50.9');
  t.match(at(20, [59, 25]), { action: 'raise', dialAfter: 47 }, '40 x 70 / 59 = 47.5');
  const low = of(decide({ acceleratorStatus: 'DEPLOYED', settings: { ...R, minDial: 1 }, regions: [{ ...region('eu-central-1', 59, 100, 5), recent: [59, 59] }, region('us-east-1', 0, 2000)] }).decisions, 'eu-central-1');
  t.match(low, { action: 'hold', why: /a raise would bring it above 0.7/ }, '5 x 70 / 59 = 5.9: no whole point');
});

/**
 * A plant: each Region's own demand (first-choice traffic) is kept at its dial and the rest
 * goes down the cascade, as Global Accelerator routes it. Noise is deterministic.
 */
function simulate(demand: Record<string, number>, capacity: Record<string, number>, steps: number, settings: ControlSettings, noise = 0) {
  const dials: Record<string, number> = Object.fromEntries(Object.keys(demand).map((r) => [r, 100]));
  const history: { load: Record<string, number>; dials: Record<string, number> }[] = [];
  let seed = 7;
  const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648) * 2 - 1;
  for (let i = 0; i < steps; i++) {
    const load: Record<string, number> = Object.fromEntries(Object.keys(demand).map((r) => [r, 0]));
    for (const [r, dd] of Object.entries(demand)) {
      const d = dd * (1 + noise * rand());
      load[r] = (load[r] as number) + (d * (dials[r] as number)) / 100;
      const others = Object.keys(demand).filter((o) => o !== r && (dials[o] as number) > 0).map((o) => ({ region: o, dial: dials[o] as number }));
      for (const c of shedCascade(r, others)) load[c.region] = (load[c.region] as number) + d * (1 - (dials[r] as number) / 100) * c.share;
    }
    history.push({ load: { ...load }, dials: { ...dials } });
    const step = decide({ acceleratorStatus: 'DEPLOYED', settings, regions: Object.keys(demand).map((r) => region(r, load[r] as number, capacity[r] as number, dials[r])) });
    for (const x of step.decisions) dials[x.region] = x.dialAfter;
  }
  return history;
}

const reversals = (xs: readonly number[]) => {
  let n = 0;
  let last = 0;
  for (let i = 1; i < xs.length; i++) {
    const dir = Math.sign((xs[i] as number) - (xs[i - 1] as number));
    if (dir !== 0 && last !== 0 && dir !== last) n++;
    if (dir !== 0) last = dir;
  }
  return n;
};

t.test('Europe at 3x its capacity: within a few steps at most 1.1x, us-east-1 under its own; back to 100 when the load stops', async (t) => {
  const cap = { 'eu-central-1': 100, 'us-east-1': 2000, 'us-west-2': 1000 };
  const h = simulate({ 'eu-central-1': 300, 'us-east-1': 0, 'us-west-2': 0 }, cap, 12, { ...S, maxStep: 30 });
  const settled = h.findIndex((x) => (x.load['eu-central-1'] as number) <= 1.1 * 100);
  t.ok(settled >= 0 && settled <= 4, `EU within 1.1x after ${settled} steps`);
  t.ok(h.every((x) => (x.load['us-east-1'] as number) <= 2000), 'us-east-1 never over its capacity');
  const last = h[h.length - 1] as (typeof h)[number];
  t.ok((last.load['eu-central-1'] as number) <= 70.5, `EU at mid-band: ${last.load['eu-central-1']}`);
  const quiet = simulate({ 'eu-central-1': 0, 'us-east-1': 0, 'us-west-2': 0 }, cap, 1, S);
  t.equal(quiet[0]?.dials['eu-central-1'], 100);
  // From the lowered dial with the load gone: raised by the step until 100.
  let dial = last.dials['eu-central-1'] as number;
  for (let i = 0; i < 20 && dial < 100; i++) {
    const d = decide({ acceleratorStatus: 'DEPLOYED', settings: { ...S, maxStep: 30 }, regions: [region('eu-central-1', 0, 100, dial), region('us-east-1', 0, 2000)] });
    dial = of(d.decisions, 'eu-central-1').dialAfter;
  }
  t.equal(dial, 100);
});

t.test('steady load near the target: at most one reversal in 20 intervals (noise of 5%)', async (t) => {
  for (const demand of [78, 82, 90, 120]) {
    const h = simulate({ 'eu-central-1': demand, 'us-east-1': 100 }, { 'eu-central-1': 100, 'us-east-1': 2000 }, 20, S, 0.05);
    const dials = h.map((x) => x.dials['eu-central-1'] as number);
    t.ok(reversals(dials) <= 1, `demand ${demand}: dials ${dials.join(' ')}`);
  }
});
