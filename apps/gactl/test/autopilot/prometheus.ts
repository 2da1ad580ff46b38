import t from 'tap';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidOptionError, InvalidStateError } from '../../src/errors.js';
import { NO_ENDPOINT, prometheusQueries, prometheusSource } from '../../src/autopilot/sources.js';
import { fakeServer } from './fixtures/servers.js';

const EU = 'eu-central-1';
const US = 'us-east-1';
const AP = 'ap-southeast-1';
const NOW = 1_700_000_000; // Prometheus's evaluation time, s

type Series = { metric: Record<string, string>; value: [number, string] }[];
const vector = (result: Series) => ({ status: 'success', data: { resultType: 'vector', result } });
const row = (id: string, region: string, v: number | string, at = NOW) => ({ metric: { id, region }, value: [at, String(v)] as [number, string] });

/** A fake Prometheus: checks the path and the query against the documented ones, answers what `answers` says. */
async function fakePrometheus(t: { teardown(fn: () => unknown): void }, window: number) {
  const srv = await fakeServer(t);
  const q = prometheusQueries(window);
  const answers: { http: unknown; dns: unknown; fresh: unknown; status?: number; raw?: string } = { http: vector([]), dns: vector([]), fresh: vector([]) };
  const unknown: string[] = [];
  srv.handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '', 'http://x');
    const query = url.searchParams.get('query');
    const which = query === q.http ? 'http' : query === q.dns ? 'dns' : query === q.fresh ? 'fresh' : undefined;
    if (req.method !== 'GET' || url.pathname !== '/prom/api/v1/query' || which === undefined) {
      unknown.push(`${req.method} ${req.url}`);
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'unexpected query' }));
      return;
    }
    res.writeHead(answers.status ?? 200, { 'content-type': 'application/json' }).end(answers.raw ?? JSON.stringify(answers[which]));
  };
  return { srv, answers, unknown, url: `${srv.url}/prom/` };
}

t.test('the documented queries', async (t) => {
  t.same(prometheusQueries(60), {
    http: 'sum by (id, region) (rate(anycast_http_origin_requests_total{route!~"healthz|metrics"}[60s]) * on(job, instance) group_left(id, region) anycast_http_origin_info)',
    dns: 'sum by (id, region) (rate(anycast_dns_origin_queries_total[60s]) * on(job, instance) group_left(id, region) anycast_dns_origin_info)',
    fresh: 'max by (id, region) (timestamp(anycast_http_origin_info))',
  });
});

t.test('load per endpoint and Region; stale, missing and unexpected series', async (t) => {
  const p = await fakePrometheus(t, 30);
  const s = prometheusSource({ url: p.url, window: 30, now: () => 42 });
  t.teardown(() => s.close());
  t.equal(s.kind, 'prometheus');
  p.answers.http = vector([
    row('i-eu1.eu-central-1a', EU, 120.5), row('i-eu2', EU, 10), row('i-us1.us-east-1a', US, 3),
    row('i-us2.us-east-1b', US, 1), row('i-ap1.ap-southeast-1a', AP, 7),
  ]);
  p.answers.dns = vector([row('i-eu1.eu-central-1a', EU, 30), row('i-us2.us-east-1b', US, 2)]);
  p.answers.fresh = vector([
    row('i-eu1.eu-central-1a', EU, NOW - 10), row('i-eu2', EU, NOW - 60), row('i-us1.us-east-1a', US, NOW - 61),
    row('i-us2.us-east-1b', US, NOW - 5), row('i-us3.us-east-1c', US, NOW - 5), row('i-ap1.ap-southeast-1a', AP, NOW - 5),
  ]);
  const r = await s.read([{ id: 'i-eu1', region: EU }, { id: 'i-eu2', region: EU }, { id: 'i-us1', region: US }, { id: 'i-us2', region: US }, { id: 'i-us3', region: US }]);
  t.equal(r.at, 42);
  t.equal(r.intervalSeconds, 30, 'the rates are over the window');
  t.same(r.regions.get(EU), {
    region: EU, rate: 160.5, http: 130.5, dns: 30,
    endpoints: [{ id: 'i-eu1', rate: 150.5, http: 120.5, dns: 30 }, { id: 'i-eu2', rate: 10, http: 10, dns: 0 }],
  }, 'a sample 60 s old is fresh with a 30 s window; no DNS series is no DNS load');
  t.equal(r.regions.get(US)!.rate, null);
  t.equal(r.regions.get(US)!.why, 'i-us1: stale: last sample 61 s old; i-us3: no rate yet (fewer than two samples in 30 s)');
  t.same(r.regions.get(US)!.endpoints[1], { id: 'i-us2', rate: 3, http: 1, dns: 2 });
  t.same(r.regions.get(AP), { region: AP, rate: 0, http: 0, dns: 0, why: NO_ENDPOINT, endpoints: [] }, 'a Region with series but no expected endpoint');
  t.same(p.unknown, [], 'only the documented queries, on <url>/api/v1/query');
  t.equal(p.srv.requests.length, 3);

  const gone = await s.read([{ id: 'i-gone', region: EU }]);
  t.equal(gone.regions.get(EU)!.why, 'i-gone: no series in Prometheus (not scraped, or down)');
});

t.test('series that do not fit: two for one endpoint, another Region, a NaN rate', async (t) => {
  const p = await fakePrometheus(t, 60);
  const s = prometheusSource({ url: p.url, window: 60 });
  t.teardown(() => s.close());
  p.answers.fresh = vector([row('i-a.eu-central-1a', EU, NOW), row('i-a', EU, NOW), row('i-b', US, NOW), row('i-c', EU, NOW), row('i-d', EU, NOW), row('i-e', EU, NOW)]);
  p.answers.http = vector([row('i-c', EU, 'NaN'), row('i-d', EU, 1), row('i-d.x', EU, 1), row('i-e', EU, 1)]);
  p.answers.dns = vector([row('i-e', EU, '-1')]);
  const r = await s.read([{ id: 'i-a', region: EU }, { id: 'i-b', region: EU }, { id: 'i-c', region: EU }, { id: 'i-d', region: EU }, { id: 'i-e', region: EU }]);
  const errors = Object.fromEntries(r.regions.get(EU)!.endpoints.map((e) => [e.id, e.error]));
  t.same(errors, {
    'i-a': '2 series (i-a.eu-central-1a in eu-central-1, i-a in eu-central-1)',
    'i-b': 'Prometheus has it in Region us-east-1, the endpoint\'s group is in eu-central-1',
    'i-c': 'Prometheus answered a rate of NaN',
    'i-d': '2 series (i-d in eu-central-1, i-d.x in eu-central-1)',
    'i-e': 'Prometheus answered a rate of -1',
  });
  t.same(r.regions.get(US), { region: US, rate: 0, http: 0, dns: 0, why: NO_ENDPOINT, endpoints: [] });
  p.answers.dns = vector([row('i-e', EU, 1), row('i-e.y', EU, 1)]);
  p.answers.fresh = vector([row('i-e', EU, '')]);
  t.equal((await s.read([{ id: 'i-e', region: EU }])).regions.get(EU)!.why, 'i-e: stale: last sample ? s old', 'a timestamp that is no number');
  p.answers.fresh = vector([row('i-e', '', NOW)]);
  t.equal((await s.read([{ id: 'i-e', region: EU }])).regions.get(EU)!.why, 'i-e: 2 series (i-e in eu-central-1, i-e.y in eu-central-1)', 'an info without region is taken for any');
});

t.test('a Prometheus that fails: every Region without a figure, and why', async (t) => {
  const p = await fakePrometheus(t, 60);
  const s = prometheusSource({ url: p.url, window: 60, timeoutMs: 300 });
  t.teardown(() => s.close());
  const exp = [{ id: 'i-1', region: EU }, { id: 'i-2', region: EU }, { id: 'i-3', region: US }];
  const cases: [string, () => void, RegExp][] = [
    ['an error answer', () => { p.answers.status = 422; p.answers.raw = JSON.stringify({ status: 'error', errorType: 'execution', error: 'many-to-many matching not allowed' }); }, /: execution: many-to-many matching not allowed \(i-1, i-2\)$/],
    ['HTML', () => { p.answers.status = 502; p.answers.raw = '<html>bad gateway</html>'; }, /: HTTP 502, not JSON \(is http:\/\/127\.0\.0\.1:\d+\/prom a Prometheus server\?\)/],
    ['JSON of another kind', () => { p.answers.status = 200; p.answers.raw = JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }); }, /HTTP 200, not a vector answer \(data\.resultType: /],
    ['a bad value pair', () => { p.answers.raw = JSON.stringify(vector([{ metric: {}, value: ['x', 1] } as never])); }, /not a vector answer \(data\.result\.0\.value\.0: /],
    ['a 500 with a vector', () => { p.answers.status = 500; p.answers.raw = JSON.stringify(vector([])); }, /HTTP 500, not a vector answer \(i-1, i-2\)$/],
    ['not JSON with 200', () => { p.answers.status = 200; p.answers.raw = 'up 1'; }, /HTTP 200, not JSON \(i-1, i-2\)$/],
    ['a stall', () => { p.srv.handle = () => { /* never */ }; }, /timed out after 300 ms/],
  ];
  for (const [what, set, re] of cases) {
    set();
    const r = await s.read(exp);
    t.equal(r.regions.get(EU)!.rate, null, what);
    t.match(r.regions.get(EU)!.why, /^prometheus http:\/\/127\.0\.0\.1:\d+\/prom: /, what);
    t.match(r.regions.get(EU)!.why, re, what);
    t.match(r.regions.get(US)!.why, /^i-3: prometheus /, what);
  }
  const down = prometheusSource({ url: 'http://127.0.0.1:1', window: 60 });
  t.teardown(() => down.close());
  t.equal((await down.read(exp)).regions.get(US)!.why, 'i-3: prometheus http://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1');
  t.same([...(await down.read([])).regions], [], 'nothing expected, nothing known');
});

t.test('options are checked; a closed source refuses to read', async (t) => {
  t.throws(() => prometheusSource({ window: 60 } as never), InvalidOptionError);
  t.throws(() => prometheusSource({ url: 'ftp://x', window: 60 }), /url must be an http:\/\/ or https:\/\/ URL/);
  t.throws(() => prometheusSource({ url: 'http://x', window: 0 }), /window must be an integer 1\.\.86400/);
  t.throws(() => prometheusSource({ url: 'http://x', window: 60, timeoutMs: 0 }), /timeoutMs must be an integer/);
  const s = prometheusSource({ url: 'http://127.0.0.1:1', window: 60 });
  s.close();
  s.close();
  await t.rejects(s.read([]), InvalidStateError);
});
