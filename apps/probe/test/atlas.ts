import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { atlasTable, parseRun, readAtlasResults, totalVariationDistance } from '../src/atlas.js';
import { SEED_DIAL_100, SEED_EU_DIAL_50, atlasResults, probeMetadata } from './fixtures/atlas.js';

t.test("the seed's GeoJSON runs: exactly their tables", async (t) => {
  const before = await readAtlasResults(SEED_DIAL_100);
  t.equal(before.format, 'geojson');
  t.same(atlasTable(before), {
    probes: 470,
    regions: {
      'eu-central-1': { count: 352, share: 0.7489 },
      'us-east-1': { count: 64, share: 0.1362 },
      'us-west-2': { count: 31, share: 0.066 },
      'ap-southeast-1': { count: 23, share: 0.0489 },
    },
    unknown: 0,
  });
  const after = await readAtlasResults(SEED_EU_DIAL_50);
  t.same(atlasTable(after), {
    probes: 469,
    regions: {
      'us-east-1': { count: 259, share: 0.5522 },
      'eu-central-1': { count: 155, share: 0.3305 },
      'us-west-2': { count: 31, share: 0.0661 },
      'ap-southeast-1': { count: 24, share: 0.0512 },
    },
    unknown: 0,
  });
  t.match(before.probes[0], { region: 'eu-central-1', latitude: 6.1685, longitude: 1.2275, rtMs: 137.837 }, 'position and time of a feature');
  t.equal(totalVariationDistance(atlasTable(before), atlasTable(before)), 0);
  t.equal(totalVariationDistance(atlasTable(before), atlasTable(after)), 0.4184);
  t.equal(totalVariationDistance({ regions: { a: { count: 1 } } }, { regions: { b: { count: 5 } } }), 1);
});

t.test('RIPE Atlas results of every firmware shape, positions from probe metadata', async (t) => {
  const dir = t.testdir({
    'results.json': JSON.stringify(atlasResults()),
    'results.ndjson': atlasResults().map((r) => JSON.stringify(r)).join('\n'),
    'probes.json': JSON.stringify(probeMetadata()),
  });
  const run = await readAtlasResults(join(dir, 'results.json'), { probesFile: join(dir, 'probes.json') });
  t.equal(run.format, 'atlas');
  t.equal(run.measurementId, 4242);
  const by = new Map(run.probes.map((p) => [p.probeId, p]));
  t.equal(run.probes.length, 8, 'one result per probe');
  t.match(by.get(1001), { identity: 'i-0123456789abcdef0.eu-central-1a', region: 'eu-central-1', rtMs: 12.5, latitude: 50.1, longitude: 8.7 }, 'fw 5020: TXT; the later of two results');
  t.match(by.get(1002), { identity: 'i-0bbbbbbbbbbbbbbbb.ap-southeast-1a', region: 'ap-southeast-1' }, 'NSID only, on a REFUSED answer');
  t.match(by.get(1003), { identity: 'i-0cccccccccccccccc.us-west-2c', region: 'us-west-2' }, 'fw 4790: answers with RDATA as a list, no abuf');
  t.match(by.get(1004), { identity: 'i-0dddddddddddddddd.eu-central-1b', region: 'eu-central-1' }, 'an abuf that does not decode: the answers then');
  t.match(by.get(1005), { identity: 'i-0eeeeeeeeeeeeeeee.us-east-1a', region: 'us-east-1', rtMs: 9 }, 'resultset: the first result with an identity');
  t.match(by.get(1006), { error: 'timeout: 5000' });
  t.notOk(by.get(1006)?.region);
  t.match(by.get(1007), { error: 'no TXT answer and no NSID' }, 'a real fw 4460 answer with an A record');
  t.match(by.get(1008), { identity: 'ns1.example.net', error: 'the identity names no region' });
  t.equal(by.get(1008)?.latitude, undefined, 'no metadata: no position');
  t.same(atlasTable(run), {
    probes: 8,
    regions: { 'eu-central-1': { count: 2, share: 0.25 }, 'ap-southeast-1': { count: 1, share: 0.125 }, 'us-east-1': { count: 1, share: 0.125 }, 'us-west-2': { count: 1, share: 0.125 } },
    unknown: 3,
  });

  const lines = await readAtlasResults(join(dir, 'results.ndjson'));
  t.same(atlasTable(lines), atlasTable(run), 'one result per line (format=txt) reads the same');
  t.equal(lines.probes.find((p) => p.probeId === 1001)?.latitude, undefined, 'without metadata, no positions');
});

t.test('positions written into the results (a sweep, atlas measure --out) and GeoJSON properties', async (t) => {
  const run = parseRun([{ ...atlasResults()[1], latitude: 52.37, longitude: 4.9 }]);
  t.match(run.probes[0], { latitude: 52.37, longitude: 4.9, region: 'eu-central-1' });
  const geo = parseRun({
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', geometry: { type: 'Point', coordinates: [139.7, 35.7] }, properties: { prb_id: 7, identity: 'i-0aaaaaaaaaaaaaaaa.ap-northeast-1a', time: 3.5 } },
      { type: 'Feature', geometry: { type: 'Point', coordinates: [500, 35.7] }, properties: { region: 'us-east-1' } },
      { type: 'Feature', geometry: { type: 'LineString', coordinates: [] }, properties: {} },
    ],
  });
  t.equal(geo.probes.length, 2, 'points only');
  t.match(geo.probes[0], { probeId: 7, region: 'ap-northeast-1', rtMs: 3.5, latitude: 35.7, longitude: 139.7 });
  t.equal(geo.probes[1]?.longitude, undefined, 'a position off the globe is dropped');
});

t.test('files that are not runs: a clear error naming the file, never a crash', async (t) => {
  const dir = t.testdir({ 'garbage.json': '{not json\n', 'object.json': '{"hello": 1}', 'lines.json': '{"prb_id": 1}\n{broken\n', 'probes.json': '{"nope": true}', 'ok.json': '[]' });
  await t.rejects(readAtlasResults(join(dir, 'missing.json')), { code: 'PROBE_ERR_INPUT', message: /missing\.json: cannot read/ });
  await t.rejects(readAtlasResults(join(dir, 'garbage.json')), { code: 'PROBE_ERR_INPUT', message: /garbage\.json: not JSON/ });
  await t.rejects(readAtlasResults(join(dir, 'object.json')), { code: 'PROBE_ERR_INPUT', message: /neither RIPE Atlas results .* nor a GeoJSON FeatureCollection/ });
  await t.rejects(readAtlasResults(join(dir, 'lines.json')), { code: 'PROBE_ERR_INPUT', message: /line 2 is not JSON/ });
  await t.rejects(readAtlasResults(join(dir, 'ok.json'), { probesFile: join(dir, 'probes.json') }), { code: 'PROBE_ERR_INPUT', message: /probes\.json: not RIPE Atlas probe metadata/ });
  t.same(atlasTable(await readAtlasResults(join(dir, 'ok.json'))), { probes: 0, regions: {}, unknown: 0 }, 'an empty run is a run');
  await t.rejects(readAtlasResults(join(dir, 'ok.json'), { probesFile: 7 as never }), { code: 'PROBE_ERR_INVALID_OPTION', option: 'probesFile' });
  writeFileSync(join(dir, 'weird.json'), JSON.stringify([{ prb_id: 3, type: 'ping', result: [{ rtt: 1 }] }, { prb_id: 4, result: 'x' }]));
  const odd = await readAtlasResults(join(dir, 'weird.json'));
  t.same(odd.probes.map((p) => p.error), ['not a DNS result (type "ping")', 'no result']);
});
