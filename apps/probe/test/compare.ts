import t from 'tap';
import { parseRun, readAtlasResults } from '../src/atlas.js';
import type { Run } from '../src/atlas.js';
import { compareRuns } from '../src/compare.js';
import { SEED_DIAL_100, SEED_EU_DIAL_50, abuf } from './fixtures/atlas.js';

t.test("the seed's dial change: EU probes moved to us-east-1, matched by position", async (t) => {
  const c = compareRuns(await readAtlasResults(SEED_DIAL_100), await readAtlasResults(SEED_EU_DIAL_50));
  t.equal(c.matchedBy, 'position');
  t.equal(c.matched, 469);
  t.same(c.unmatched, { before: 1, after: 0 }, 'one probe answered only the first run');
  t.same(c.moved, [
    { from: 'eu-central-1', to: 'us-east-1', count: 196 },
    { from: 'eu-central-1', to: 'ap-southeast-1', count: 1 },
  ]);
  t.same(c.stayed, { 'eu-central-1': 155, 'us-east-1': 63, 'us-west-2': 31, 'ap-southeast-1': 23 });
  t.equal(c.matrix['eu-central-1']?.['us-east-1'], 196);
});

const result = (prb: number, id: string | undefined) => ({ prb_id: prb, msm_id: 1, timestamp: 1, type: 'dns', ...(id ? { result: { rt: 1, abuf: abuf({ txt: id }) } } : { error: { timeout: 5000 } }) });

t.test('Atlas results match by probe id; probes with no answer are counted apart', async (t) => {
  const before = parseRun([result(1, 'i-0aaaaaaaaaaaaaaaa.eu-central-1a'), result(2, 'i-0aaaaaaaaaaaaaaaa.eu-central-1a'), result(3, 'i-0bbbbbbbbbbbbbbbb.us-east-1a'), result(4, undefined)]);
  const after = parseRun([result(2, 'i-0bbbbbbbbbbbbbbbb.us-east-1a'), result(1, 'i-0aaaaaaaaaaaaaaaa.eu-central-1b'), result(4, 'i-0aaaaaaaaaaaaaaaa.eu-central-1a'), result(5, 'i-0aaaaaaaaaaaaaaaa.eu-central-1a')]);
  const c = compareRuns(before, after);
  t.match(c, { matchedBy: 'id', matched: 3, unmatched: { before: 1, after: 1 }, noRegion: 1 });
  t.same(c.moved, [{ from: 'eu-central-1', to: 'us-east-1', count: 1 }]);
  t.same(c.stayed, { 'eu-central-1': 1 });
  t.same(compareRuns(before, before).moved, [], 'a run against itself: nobody moved');
});

t.test('match by position: several probes at one position are paired in order', async (t) => {
  const at = (region: string, lat = 1, lon = 2) => ({ latitude: lat, longitude: lon, region });
  const before: Run = { format: 'geojson', probes: [at('eu-central-1'), at('eu-central-1'), at('us-west-2', 5, 5)] };
  const after: Run = { format: 'geojson', probes: [at('us-east-1'), at('eu-central-1'), at('us-west-2', 5, 5.00001)] };
  const c = compareRuns(before, after);
  t.same(c.moved, [{ from: 'eu-central-1', to: 'us-east-1', count: 1 }]);
  t.same(c.stayed, { 'eu-central-1': 1, 'us-west-2': 1 }, 'positions equal to 4 decimals match');
  const byId = compareRuns(before, after, { matchBy: 'id' });
  t.equal(byId.matched, 0, 'no ids: nothing matches by id');
  t.throws(() => compareRuns(before, after, { matchBy: 'name' as never }), { code: 'PROBE_ERR_INVALID_OPTION', message: "matchBy must be one of 'auto', 'id', 'position', got \"name\"" });
});
