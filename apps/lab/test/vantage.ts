import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { greatCircleKm, nearestRegion } from '@anycast-origin/ga-emulator/routing';
import { CITIES, SEED_CITIES } from '../src/cities.js';
import { defaultVantagePoints, readVantageFile } from '../src/vantage.js';

t.test("the default vantage points: the seed's four cities first, then world cities on every continent", async (t) => {
  const v = defaultVantagePoints();
  t.same(v.slice(0, 4).map((c) => c.name), ['tokyo', 'amsterdam', 'new-york', 'seattle']);
  t.ok(v.length >= 40, 'a few dozen');
  t.equal(new Set(v.map((c) => c.name)).size, v.length, 'unique names');
  t.same(SEED_CITIES, CITIES.slice(0, 4));
  // each seed city lands in the region the seed saw it in: its nearest of the four
  const regions = ['us-east-1', 'us-west-2', 'eu-central-1', 'ap-southeast-1'];
  const nearest = (name: string) => {
    const c = v.find((x) => x.name === name);
    return c && nearestRegion({ lat: c.latitude, lon: c.longitude }, regions);
  };
  t.same(['tokyo', 'amsterdam', 'new-york', 'seattle'].map(nearest), ['ap-southeast-1', 'eu-central-1', 'us-east-1', 'us-west-2']);
  // coordinates are plausible: Amsterdam is ~360 km from Frankfurt
  const ams = v[1] as { latitude: number; longitude: number };
  t.ok(Math.abs(greatCircleKm({ lat: ams.latitude, lon: ams.longitude }, { lat: 50.11, lon: 8.68 }) - 365) < 20);
});

t.test('a vantage file: a list of { name, latitude, longitude }, or the state file', async (t) => {
  const dir = t.testdir({
    'list.json': JSON.stringify([{ name: 'berlin', latitude: 52.52, longitude: 13.4 }, { name: 'perth', latitude: -31.95, longitude: 115.86, id: 9, address: '127.1.1.1' }]),
    'state.json': JSON.stringify({ api: 'x', vantagePoints: [{ id: 1, name: 'tokyo', address: '127.20.0.1', latitude: 35.68, longitude: 139.69 }] }),
  });
  t.same(readVantageFile(join(dir, 'list.json')), [{ name: 'berlin', latitude: 52.52, longitude: 13.4 }, { name: 'perth', latitude: -31.95, longitude: 115.86 }]);
  t.same(readVantageFile(join(dir, 'state.json')), [{ name: 'tokyo', latitude: 35.68, longitude: 139.69 }]);
});

t.test('a bad vantage file is one message naming the file and the entry', async (t) => {
  const dir = t.testdir({});
  const cases: [string, string, RegExp][] = [
    ['missing.json', '', /missing\.json: cannot read: ENOENT/],
    ['notjson.json', '{', /notjson\.json: not JSON/],
    ['empty.json', '[]', /empty\.json: the file must be a non-empty JSON list of \{ name, latitude, longitude \}, got \[\]/],
    ['lat.json', '[{"name":"a","latitude":95,"longitude":0}]', /lat\.json: \[0\]\.latitude must be a number -90\.\.90, got 95/],
    ['lon.json', '[{"name":"a","latitude":0,"longitude":0},{"name":"b","latitude":0}]', /lon\.json: \[1\]\.longitude must be a number -180\.\.180, got nothing/],
    ['name.json', '[{"name":"a b","latitude":0,"longitude":0}]', /name\.json: \[0\]\.name must be a name of 1\.\.64 letters, digits, dots, hyphens and underscores, got "a b"/],
    ['item.json', '[3]', /item\.json: \[0\] must be an object \{ name, latitude, longitude \}, got 3/],
  ];
  for (const [name, text, message] of cases) {
    if (text) writeFileSync(join(dir, name), text);
    t.throws(() => readVantageFile(join(dir, name)), { code: 'LAB_ERR_INPUT', message }, name);
  }
});
