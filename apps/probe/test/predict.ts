import t from 'tap';
import { atlasTable, readAtlasResults, totalVariationDistance } from '../src/atlas.js';
import type { Run } from '../src/atlas.js';
import { predict } from '../src/predict.js';
import { SEED_DIAL_100, SEED_EU_DIAL_50 } from './fixtures/atlas.js';

const SEED_GROUPS = ['ap-southeast-1', 'eu-central-1', 'us-east-1', 'us-west-2'];

t.test("the seed's dial change predicted from the dial-100 catchment: within 0.10 of the measured dial-50 run", async (t) => {
  const before = await readAtlasResults(SEED_DIAL_100);
  const after = atlasTable(await readAtlasResults(SEED_EU_DIAL_50));
  const p = predict(before, { dials: { 'eu-central-1': 50 } });
  t.equal(p.probes, 470);
  t.same(p.groups, SEED_GROUPS, 'the groups: the regions the run measured');
  t.same(p.dials, { 'ap-southeast-1': 100, 'eu-central-1': 50, 'us-east-1': 100, 'us-west-2': 100 });
  t.equal(p.regions['eu-central-1']?.count, 176, 'half of the 352 EU probes stay');
  const total = Object.values(p.regions).reduce((n, r) => n + r.count, 0);
  t.ok(Math.abs(total - 470) < 1e-6, 'every probe goes somewhere');
  const tvd = totalVariationDistance(p, after);
  t.ok(tvd <= 0.1, `TVD ${tvd} <= 0.10`);
  t.comment(`catchment + eu-central-1=50 vs the measured dial-50 run: TVD ${tvd}; predicted ${JSON.stringify(p.regions)}`);
  t.ok((p.regions['us-east-1']?.count ?? 0) > (after.regions['us-east-1']?.count ?? 0) - 40, 'the shed EU traffic lands mostly in us-east-1, as measured');
});

t.test('from geography alone: the dial-100 table within 0.05', async (t) => {
  const run = await readAtlasResults(SEED_DIAL_100);
  const p = predict(run, { firstChoice: 'nearest', regions: SEED_GROUPS });
  const tvd = totalVariationDistance(p, atlasTable(run));
  t.ok(tvd <= 0.05, `TVD ${tvd} <= 0.05`);
  t.comment(`nearest group, all dials 100 vs the measured dial-100 run: TVD ${tvd}; predicted ${JSON.stringify(p.regions)}`);
  for (const r of Object.values(p.regions)) t.equal(r.count, Math.round(r.count), 'dial 100 everywhere: whole probes');
});

t.test('the rule on small cases', async (t) => {
  const frankfurt: Run = { format: 'geojson', probes: [{ latitude: 50.1, longitude: 8.7, region: 'eu-central-1' }] };
  t.same(predict(frankfurt, { regions: ['eu-central-1', 'us-east-1'], dials: { 'eu-central-1': 30 } }).regions, {
    'us-east-1': { count: 0.7, share: 0.7 }, 'eu-central-1': { count: 0.3, share: 0.3 },
  }, 'the closest group keeps its dial; the rest goes to the next closest');
  t.same(predict(frankfurt, { regions: ['eu-central-1', 'us-east-1', 'ap-southeast-1'], dials: { 'eu-central-1': 0 } }).regions['us-east-1'], { count: 1, share: 1 }, 'dial 0: all to the next closest');
  const sydney: Run = { format: 'geojson', probes: [{ latitude: -33.9, longitude: 151.2, region: 'us-west-2' }] };
  t.same(Object.keys(predict(sydney, { regions: SEED_GROUPS }).regions).slice(0, 1), ['us-west-2'], 'measured: the catchment, even where geography disagrees');
  t.same(Object.keys(predict(sydney, { regions: SEED_GROUPS, firstChoice: 'nearest' }).regions).slice(0, 1), ['ap-southeast-1'], 'nearest: geography');
  const all100 = await readAtlasResults(SEED_DIAL_100);
  t.same(predict(all100).regions, Object.fromEntries(Object.entries(atlasTable(all100).regions).map(([r, v]) => [r, { count: v.count, share: v.share }])), 'all dials 100 from the catchment: the catchment itself');
  const unplaced: Run = { format: 'atlas', probes: [{ probeId: 1, region: 'eu-central-1' }, { probeId: 2, latitude: 1, longitude: 1 }] };
  t.match(predict(unplaced, { regions: ['eu-central-1'] }), { probes: 0, skipped: 2 });
});

t.test('options: Regions GA supports, dials of the groups', async (t) => {
  const run: Run = { format: 'geojson', probes: [{ latitude: 50, longitude: 8, region: 'eu-central-1' }] };
  t.throws(() => predict(run, { regions: ['eu-central-1', 'xx-nowhere-1'] }), { code: 'PROBE_ERR_INVALID_OPTION', option: 'regions', message: /Global Accelerator supports endpoints in, got "xx-nowhere-1"/ });
  t.throws(() => predict(run, { regions: ['eu-central-1'], dials: { 'us-east-1': 50 } }), { option: 'dials', message: /must name groups of the listener \(eu-central-1\), got "us-east-1"/ });
  t.throws(() => predict(run, { dials: { 'eu-central-1': 101 } }), { code: 'PROBE_ERR_INVALID_OPTION', message: /^dials/ });
  t.throws(() => predict({ format: 'atlas', probes: [] }), { option: 'regions', message: /at least one group/ });
});
