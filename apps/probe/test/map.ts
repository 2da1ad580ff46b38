import t from 'tap';
import { PNG } from 'pngjs';
import { readAtlasResults } from '../src/atlas.js';
import type { ProbeResult, Run } from '../src/atlas.js';
import { PALETTE, SEED_COLORS, UNKNOWN_COLOR, mapLayout, regionColors, renderMap, renderMapPng } from '../src/map.js';
import { SEED_DIAL_100, SEED_EU_DIAL_50 } from './fixtures/atlas.js';

function rgb(hex: string): [number, number, number] {
  return [Number.parseInt(hex.slice(1, 3), 16), Number.parseInt(hex.slice(3, 5), 16), Number.parseInt(hex.slice(5, 7), 16)];
}

function pixel(png: PNG, x: number, y: number): [number, number, number] {
  const i = (Math.round(y) * png.width + Math.round(x)) * 4;
  return [png.data[i] as number, png.data[i + 1] as number, png.data[i + 2] as number];
}

/** A probe of `region` whose dot no dot of another region overlaps (so its centre pixel is its colour). */
function clearProbe(run: Run, region: string, width: number, box: (p: ProbeResult) => boolean): ProbeResult {
  const layout = mapLayout(width);
  const xy = (p: ProbeResult) => layout.project(p.longitude as number, p.latitude as number);
  const others = run.probes.filter((p) => p.region !== region).map(xy);
  const found = run.probes.find((p) => {
    if (p.region !== region || !box(p)) return false;
    const [x, y] = xy(p);
    return others.every(([ox, oy]) => Math.hypot(ox - x, oy - y) > 2 * layout.dotRadius + 1);
  });
  if (!found) throw new Error(`no ${region} probe clear of other regions`);
  return found;
}

t.test('the PNG of the dial-100 run: decodes, has the size, and a European probe is eu-central-1 green', async (t) => {
  const run = await readAtlasResults(SEED_DIAL_100);
  const png = PNG.sync.read(renderMapPng(run, { width: 1200 }));
  const layout = mapLayout(1200);
  t.equal(png.width, 1200);
  t.ok(png.height > layout.mapHeight && png.height < layout.mapHeight + 200, `map ${layout.mapHeight} px high plus the legend: ${png.height}`);

  const europe = clearProbe(run, 'eu-central-1', 1200, (p) => (p.latitude ?? 0) > 45 && (p.latitude ?? 0) < 56 && (p.longitude ?? 0) > 0 && (p.longitude ?? 0) < 20);
  t.same(pixel(png, ...layout.project(europe.longitude as number, europe.latitude as number)), rgb(SEED_COLORS['eu-central-1'] as string), `probe at ${europe.latitude},${europe.longitude}`);
  const us = clearProbe(run, 'us-east-1', 1200, (p) => (p.longitude ?? 0) < -60 && (p.latitude ?? 0) > 25);
  t.same(pixel(png, ...layout.project(us.longitude as number, us.latitude as number)), rgb(SEED_COLORS['us-east-1'] as string), 'a North American probe is us-east-1 blue');
  const [px, py] = layout.project(-135, -25); // between graticule lines
  t.same(pixel(png, px, py), rgb('#eaf2fa'), 'the South Pacific is ocean');
  const [lx, ly] = layout.project(25, 15);
  t.same(pixel(png, lx, ly), rgb('#d9d9d9'), 'the Sahara is land');
});

t.test('the dial-50 map: a probe that moved is drawn in us-east-1 blue', async (t) => {
  const before = await readAtlasResults(SEED_DIAL_100);
  const after = await readAtlasResults(SEED_EU_DIAL_50);
  const png = PNG.sync.read(renderMapPng(after, { width: 1200 }));
  const layout = mapLayout(1200);
  const key = (p: ProbeResult) => `${p.latitude},${p.longitude}`;
  const wasEu = new Set(before.probes.filter((p) => p.region === 'eu-central-1').map(key));
  const moved = clearProbe(after, 'us-east-1', 1200, (p) => wasEu.has(key(p)));
  t.same(pixel(png, ...layout.project(moved.longitude as number, moved.latitude as number)), rgb(SEED_COLORS['us-east-1'] as string));
});

t.test('the SVG: a dot per placed probe, land, a legend with counts', async (t) => {
  const run = await readAtlasResults(SEED_DIAL_100);
  const svg = renderMap(run);
  t.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="1600" height="\d+"/);
  t.equal((svg.match(/<circle /g) ?? []).length, 470 + 4, '470 probes and 4 legend swatches');
  t.match(svg, 'eu-central-1  352 (74.9%)');
  t.match(svg, 'ap-southeast-1  23 (4.9%)');
  t.match(svg, '>470 probes<');
  t.ok(svg.length > 100_000, 'the land is drawn (Natural Earth 1:50m)');

  const odd: Run = { format: 'atlas', measurementId: 9, probes: [
    { probeId: 1, latitude: 10, longitude: 10, region: 'sa-east-1' },
    { probeId: 2, latitude: 20, longitude: 20, error: 'timeout' },
    { probeId: 3, region: 'sa-east-1' },
  ] };
  const s2 = renderMap(odd, { width: 640, title: 'a <b> & "c"' });
  t.equal((s2.match(/<circle /g) ?? []).length, 2 + 2, 'unplaced probes are left out of the map, not the legend');
  t.match(s2, 'a &lt;b&gt; &amp; &quot;c&quot;');
  t.match(s2, `fill="${UNKNOWN_COLOR}"`);
  t.match(s2, 'no region  1');
  t.throws(() => renderMap(odd, { width: 10 }), { code: 'PROBE_ERR_INVALID_OPTION', message: 'width must be an integer 320..8000 (px), got 10' });
});

t.test("colours: the seed's for its four regions, a fixed distinct one for any other", async (t) => {
  const c = regionColors(['us-east-1', 'sa-east-1', 'eu-central-1', 'eu-west-1', 'ap-northeast-1', 'us-west-2', 'ap-southeast-1']);
  for (const r of ['us-east-1', 'eu-central-1', 'us-west-2', 'ap-southeast-1']) t.equal(c[r], SEED_COLORS[r]);
  t.equal(new Set(Object.values(c)).size, 7, 'all distinct');
  for (const r of ['sa-east-1', 'eu-west-1', 'ap-northeast-1']) t.ok(PALETTE.includes(c[r] as string));
  t.equal(regionColors(['sa-east-1'])['sa-east-1'], c['sa-east-1'], 'a region keeps its colour from map to map');
  const many = regionColors(Array.from({ length: 20 }, (_, i) => `xx-test-${i + 1}`));
  t.equal(Object.keys(many).length, 20, 'more regions than colours still get one each');
});
