import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { atlasTable, readAtlasResults, SEED_COLORS } from '@anycast-origin/probe';
import { meanMoved, meanTable } from '../src/experiment.js';
import type { ExperimentResults } from '../src/experiment.js';
import { assertNothingLeft, blocks, spawnLab, waitFor } from './fixtures/lab.js';

const B = blocks(111);
/** The experiment on this test's own address blocks (its ports are ephemeral by default). */
const flags = ['--origin-addresses', B.origins, '--vantage-addresses', B.vantages, '--entry-addresses', B.entries];

/** Pixels of a colour (`#rrggbb`) in a PNG. */
function pixelsOf(png: PNG, hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4) if (png.data[i] === r && png.data[i + 1] === g && png.data[i + 2] === b) n++;
  return n;
}

t.test('the mean of several sweeps: counts averaged (exactly for the distance, rounded for people), moves averaged', async (t) => {
  const a = { probes: 10, unknown: 1, regions: { 'eu-central-1': { count: 6, share: 0.6 }, 'us-east-1': { count: 3, share: 0.3 } } };
  const b = { probes: 10, unknown: 0, regions: { 'eu-central-1': { count: 3, share: 0.3 }, 'us-east-1': { count: 6, share: 0.6 }, 'ap-southeast-1': { count: 1, share: 0.1 } } };
  const m = meanTable([a, b]);
  t.same(m.exact, { regions: { 'eu-central-1': { count: 4.5 }, 'us-east-1': { count: 4.5 }, 'ap-southeast-1': { count: 0.5 } } });
  t.same(m.table, { probes: 10, unknown: 1, regions: { 'eu-central-1': { count: 5, share: 0.45 }, 'us-east-1': { count: 5, share: 0.45 }, 'ap-southeast-1': { count: 1, share: 0.05 } } });
  t.same(meanMoved([[{ from: 'a', to: 'b', count: 4 }, { from: 'a', to: 'c', count: 1 }], [{ from: 'a', to: 'b', count: 6 }]]), [{ from: 'a', to: 'b', count: 5 }, { from: 'a', to: 'c', count: 1 }]);
  t.same(meanMoved([[{ from: 'a', to: 'c', count: 1 }], [], []]), [], 'a move that averages to less than half a probe is dropped');
});

t.test('experiment --quick runs every step of the seed article and writes the report, two maps and results.json', async (t) => {
  const out = t.testdir({});
  const t0 = Date.now();
  const lab = spawnLab(t, ['experiment', '--quick', '--out', out, ...flags]);
  const exit = await lab.exit;
  t.same(exit, { code: 0, signal: null }, 'exit 0: every check passed');
  if (exit.code !== 0) t.comment(lab.stderr().slice(-3000));
  t.comment(`experiment --quick took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await assertNothingLeft(t, B);

  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ExperimentResults;
  await t.test('results.json has the contract\'s shape', async (t) => {
    t.same(Object.keys(results), ['http', 'atlas', 'failover', 'drain']);
    t.same(Object.keys(results.http), ['tokyo', 'amsterdam', 'new-york', 'seattle']);
    for (const r of Object.values(results.http)) t.same(Object.keys(r), ['regions', 'identities']);
    t.same(Object.keys(results.atlas), ['dial100', 'euDial50']);
    t.same(Object.keys(results.atlas.dial100), ['probes', 'regions', 'tvd']);
    t.same(Object.keys(results.atlas.euDial50), ['probes', 'regions', 'tvd', 'moved']);
    t.same(Object.keys(results.failover), ['failedAfterWindow', 'secondsToFailover', 'secondsToRecover']);
    t.same(Object.keys(results.drain), ['requests', 'failed']);
  });

  await t.test('1. each city lands in its nearest region, balanced over its two instances', async (t) => {
    const expected = { tokyo: 'ap-southeast-1', amsterdam: 'eu-central-1', 'new-york': 'us-east-1', seattle: 'us-west-2' };
    for (const [city, region] of Object.entries(expected)) {
      const r = results.http[city];
      t.same(r?.regions, { [region]: 100 }, `${city}: 100 requests from ${region}`);
      const ids = Object.entries(r?.identities ?? {});
      t.equal(ids.length, 2, `${city}: both instances answered`);
      for (const [id, n] of ids) {
        t.match(id, new RegExp(`^i-0[0-9a-f]{16}\\.${region}[ab]$`));
        t.ok(n >= 30 && n <= 70, `${city}: ${id} answered ${n} of 100`);
      }
    }
  });

  await t.test('2. and 3. the simulated RIPE Atlas runs are close to the real ones', async (t) => {
    const d100 = results.atlas.dial100;
    t.equal(d100.probes, 470, '470 vantage points held');
    t.equal(Object.values(d100.regions).reduce((n, c) => n + c, 0), 470, 'every one answered');
    t.ok(d100.tvd <= 0.05, `dial 100: total variation distance ${d100.tvd} <= 0.05`);
    const d50 = results.atlas.euDial50;
    t.ok(d50.tvd <= 0.15, `EU dial 50: total variation distance ${d50.tvd} <= 0.15`);
    t.equal(d50.probes, 470);
    t.ok(Math.abs(Object.values(d50.regions).reduce((n, c) => n + c, 0) - 470) <= 2, 'the mean of three sweeps of 470 (rounded)');
    t.ok((d50.regions['eu-central-1'] ?? 0) < (d100.regions['eu-central-1'] ?? 0) * 0.7, 'eu-central-1 lost about half of its probes');
    const top = d50.moved[0];
    t.match(top, { from: 'eu-central-1', to: 'us-east-1' }, 'most moved from eu-central-1 to us-east-1, as in the seed\'s run');
    t.ok(d50.moved.every((m) => m.from === 'eu-central-1'), 'only eu-central-1 probes moved');
    // the sweeps are written in RIPE Atlas's format: probe reads them back to the same table
    const back = atlasTable(await readAtlasResults(join(out, 'atlas-dial-100.json')));
    t.same(Object.fromEntries(Object.entries(back.regions).map(([r, v]) => [r, v.count])), d100.regions);
  });

  await t.test('4. and 5. the drills', async (t) => {
    const f = results.failover;
    t.equal(f.failedAfterWindow, 0, 'no request failed after the health window');
    t.type(f.secondsToFailover, 'number');
    t.type(f.secondsToRecover, 'number');
    // health checks every 0.5 s, threshold 3: failover after about 1.5 s (at most the window, 2.5 s)
    t.ok((f.secondsToFailover as number) > 0.5 && (f.secondsToFailover as number) <= 2.5 + 0.5, `failover after ${f.secondsToFailover} s`);
    // from the restart: the origins' start-up, then threshold passing checks (at least two intervals)
    t.ok((f.secondsToRecover as number) >= 1 && (f.secondsToRecover as number) <= 30, `recovery after ${f.secondsToRecover} s`);
    t.ok(results.drain.requests > 20, `${results.drain.requests} requests in the drain drill`);
    t.equal(results.drain.failed, 0, 'no request failed in the drain drill');
  });

  await t.test('report.md puts the figures beside the seed\'s and lists the checks', async (t) => {
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    for (const h of ['## 1. The HTTP test', '## 2. The RIPE Atlas run, every dial at 100', '## 3. eu-central-1 at dial 50', '## 4. Failover drill', '## 5. Drain drill', '## Checks']) t.match(report, h);
    t.match(report, `| eu-central-1 | ${results.atlas.dial100.regions['eu-central-1']} |`);
    t.match(report, '| 352 | 74.9% |', 'the seed\'s dial-100 count for eu-central-1');
    t.match(report, '| 155 | 33.0% |', 'the seed\'s dial-50 count for eu-central-1');
    t.match(report, `**${results.atlas.dial100.tvd}**`);
    t.match(report, `**${results.atlas.euDial50.tvd}**`);
    t.match(report, /then the same sweep, 3 times: .* \(distances of each: 0\.\d+, 0\.\d+, 0\.\d+\)/);
    t.match(report, /`probe predict` \(the routing model, from the lab's dial-100 run\) expects 0\.1\d*/);
    t.match(report, '| eu-central-1 -> us-east-1 |');
    t.match(report, `| failed after the health window | ${results.failover.failedAfterWindow} | 0 |`);
    t.match(report, '![catchment at dial 100](map-dial-100.png)');
    t.notMatch(report, '- [ ]', 'no check failed');
    t.match(report, /All 14 checks passed/);
    t.match(lab.stdout(), /anycast-lab experiment: 14 of 14 checks passed/);
  });

  await t.test('the maps are pictures: PNGs of the world with the probes in their region\'s colour', async (t) => {
    const m100 = PNG.sync.read(readFileSync(join(out, 'map-dial-100.png')));
    const m50 = PNG.sync.read(readFileSync(join(out, 'map-eu-dial-50.png')));
    t.equal(m100.width, 1000);
    t.ok(m100.height > 400 && m100.height < 1000, `height ${m100.height}`);
    const eu100 = pixelsOf(m100, SEED_COLORS['eu-central-1'] as string);
    const eu50 = pixelsOf(m50, SEED_COLORS['eu-central-1'] as string);
    const us100 = pixelsOf(m100, SEED_COLORS['us-east-1'] as string);
    const us50 = pixelsOf(m50, SEED_COLORS['us-east-1'] as string);
    t.ok(eu100 > 1000, `eu-central-1 dots on the dial-100 map (${eu100} px)`);
    t.ok(eu50 < eu100 && us50 > us100, `EU at 50: fewer green (${eu100} -> ${eu50} px), more blue (${us100} -> ${us50} px)`);
  });
});

t.test('experiment interrupted (SIGINT) or killed (SIGKILL) mid-run: nothing is left running', async (t) => {
  const out = t.testdir({});
  const a = spawnLab(t, ['experiment', '--quick', '--out', join(out, 'a'), ...flags]);
  await waitFor('the first sweep', () => a.logs().some((l) => String(l.msg).startsWith('atlas sweep at dial 100')) || (a.child.exitCode !== null && 'exited'), 120_000);
  a.child.kill('SIGINT');
  t.same(await a.exit, { code: 130, signal: null });
  t.match(a.stderr(), /anycast-lab: experiment interrupted/);
  await assertNothingLeft(t, B);

  const b = spawnLab(t, ['experiment', '--quick', '--out', join(out, 'b'), ...flags]);
  await waitFor('the failover drill\'s kill', () => b.logs().some((l) => String(l.msg).startsWith('killed ')) || (b.child.exitCode !== null && 'exited'), 120_000);
  b.child.kill('SIGKILL');
  await b.exit;
  await assertNothingLeft(t, B);
});
