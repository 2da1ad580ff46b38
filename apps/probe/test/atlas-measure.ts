import t from 'tap';
import { atlasTable, readAtlasResults } from '../src/atlas.js';
import { measureAtlas, measurementRequest } from '../src/atlas-measure.js';
import { closedPort } from './fixtures/peers.js';
import { SEED_DIAL_100 } from './fixtures/atlas.js';
import { startFakeAtlas } from './fixtures/fake-atlas.js';
import type { FakeAtlasOptions, FakeProbe } from './fixtures/fake-atlas.js';

const KEY = 'a3b1c5d7-test-key';

/** The seed's dial-100 probes, each answered by an instance in the region it measured. */
async function seedProbes(): Promise<FakeProbe[]> {
  const run = await readAtlasResults(SEED_DIAL_100);
  return run.probes.map((p, i) => ({ id: 6000 + i, latitude: p.latitude as number, longitude: p.longitude as number, identity: `i-0${String(i).padStart(16, '0')}.${p.region}a` }));
}

async function fake(t: { teardown(fn: () => unknown): void }, o: Partial<FakeAtlasOptions> = {}) {
  const f = await startFakeAtlas({ key: KEY, probes: await seedProbes(), ...o });
  t.teardown(() => f.close());
  return f;
}

t.test("create, wait, fetch results and positions: the seed's table through the API", async (t) => {
  const f = await fake(t, { pageSize: 150 });
  const statuses: string[] = [];
  const m = await measureAtlas({ target: '192.0.2.1', probes: 470, key: KEY, apiUrl: f.url, pollSeconds: 0.01 }, { onStatus: (s) => statuses.push(s.status) });
  t.equal(m.measurementId, 80_000_001);
  t.equal(m.complete, true);
  t.same(statuses, ['Specified', 'Ongoing', 'Stopped']);
  t.same(f.created[0], measurementRequest({ target: '192.0.2.1', probes: 470, select: 'area=WW', description: 'probe: id.server CH TXT with NSID' }));
  t.match(f.created[0], {
    definitions: [{ type: 'dns', af: 4, target: '192.0.2.1', query_class: 'CHAOS', query_type: 'TXT', query_argument: 'id.server', set_nsid_bit: true, use_probe_resolver: false }],
    probes: [{ requested: 470, type: 'area', value: 'WW' }],
    is_oneoff: true,
  });
  t.equal(f.requests.filter((r) => r.startsWith('GET /api/v2/probes/')).length, 5, '470 probes: ids in batches of 200 (200, 200, 70), pages of 150 linked by next');
  t.same(atlasTable(m.run), atlasTable(await readAtlasResults(SEED_DIAL_100)), 'the same table as the seed run');
  t.equal(m.results.length, 470);
  t.match(m.results[0], { prb_id: 6000, latitude: 6.1685, longitude: 1.2275 }, 'positions written into the results');
  t.ok(f.requests.every((r) => !r.includes('atlas.ripe.net')), 'only the fake was asked');
});

t.test('an existing measurement (msm) is read without a key; IPv6 target sets af 6', async (t) => {
  const f = await fake(t, { pollsUntilStopped: 0 });
  const first = await measureAtlas({ target: '2001:db8::1', key: KEY, apiUrl: f.url, pollSeconds: 0.01 });
  t.equal((f.created[0]?.definitions as { af: number }[])[0]?.af, 6);
  const again = await measureAtlas({ msm: first.measurementId, apiUrl: f.url, pollSeconds: 0.01 });
  t.equal(f.created.length, 1, 'nothing created');
  t.equal(again.run.probes.length, 470);
});

t.test('waiting runs out: the results so far, marked incomplete', async (t) => {
  const f = await fake(t, { pollsUntilStopped: 1_000_000 });
  const m = await measureAtlas({ target: '192.0.2.1', key: KEY, apiUrl: f.url, pollSeconds: 0.02, waitSeconds: 0.1 });
  t.equal(m.complete, false);
  t.match(m.status, /^(Specified|Ongoing)$/, 'the status when the wait ran out (a loaded machine may poll only once)');
  t.equal(m.results.length, 470, 'the results so far are fetched');
});

t.test('failures: a clear error, never a crash or a hang', async (t) => {
  const f = await fake(t);
  await t.rejects(measureAtlas({ target: '192.0.2.1', key: 'wrong', apiUrl: f.url }), { code: 'PROBE_ERR_ATLAS_API', status: 403, message: /POST \/api\/v2\/measurements\/: HTTP 403: Forbidden: Authentication credentials were not provided/ });
  await t.rejects(measureAtlas({ target: '192.0.2.1', apiUrl: f.url }), { code: 'PROBE_ERR_INVALID_OPTION', option: 'key', message: /^key is required/ });
  await t.rejects(measureAtlas({ apiUrl: f.url, key: KEY }), { option: 'target', message: /^target is required/ });
  await t.rejects(measureAtlas({ target: '192.0.2.1', key: KEY, select: 'planet=Mars' }), { option: 'select', message: /^select must be TYPE=VALUE/ });
  await t.rejects(measureAtlas({ msm: 123, apiUrl: f.url }), { code: 'PROBE_ERR_ATLAS_API', status: 404, message: /Not Found: Not found\./ });

  const none = await fake(t, { finalStatus: 'No suitable probes', pollsUntilStopped: 1 });
  await t.rejects(measureAtlas({ target: '192.0.2.1', key: KEY, apiUrl: none.url, pollSeconds: 0.01 }), { code: 'PROBE_ERR_ATLAS_MEASUREMENT', message: 'measurement 80000001: ended with status "No suitable probes"' });

  const garbage = await fake(t, { garbageResults: true, pollsUntilStopped: 0 });
  await t.rejects(measureAtlas({ target: '192.0.2.1', key: KEY, apiUrl: garbage.url }), { code: 'PROBE_ERR_ATLAS_API', message: /not JSON/ });

  const foreign = await fake(t, { foreignNext: true, pageSize: 10, pollsUntilStopped: 0 });
  await t.rejects(measureAtlas({ target: '192.0.2.1', key: KEY, apiUrl: foreign.url }), { code: 'PROBE_ERR_ATLAS_API', message: /refusing to follow http:\/\/atlas\.example\.invalid/ });

  const port = await closedPort();
  await t.rejects(measureAtlas({ target: '192.0.2.1', key: KEY, apiUrl: `http://127.0.0.1:${port}`, requestTimeoutMs: 2000 }), { code: 'PROBE_ERR_ATLAS_API', message: /ECONNREFUSED/ });
});
