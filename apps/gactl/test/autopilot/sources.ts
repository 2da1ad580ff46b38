import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dig, needs } from '@anycast-origin/testkit';
import { InvalidOptionError, InvalidStateError, TargetsFileError } from '../../src/errors.js';
import { FIRST_SAMPLE, NO_ENDPOINT, readTargetsFile, scrapeSource } from '../../src/autopilot/sources.js';
import type { Expected, LoadSource, MissingTarget, Target } from '../../src/autopilot/sources.js';
import { fakeServer, originPage, startHost } from './fixtures/servers.js';

const EU = 'eu-central-1';
const US = 'us-east-1';

/** A clock the test moves. */
function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let ms = start;
  return { now: () => ms, advance: (d) => { ms += d; } };
}

function source(t: { teardown(fn: () => unknown): void }, targets: Target[] | (() => never), opts: { now?: () => number; timeoutMs?: number } = {}): LoadSource {
  const s = scrapeSource({ targets: typeof targets === 'function' ? targets : () => targets, ...opts });
  t.teardown(() => s.close());
  return s;
}

t.test('real origins: HTTP requests but /healthz and /metrics, plus DNS queries on both transports, per second', needs('dig', 'bind9-dnsutils'), async (t) => {
  const eu = await startHost(t, 'i-0123456789abcdef0', 'eu-central-1a');
  const us = await startHost(t, 'i-0fedcba9876543210', 'us-east-1b');
  const dir = t.testdir();
  const file = join(dir, 'targets.json');
  writeFileSync(file, JSON.stringify([
    { id: 'i-0123456789abcdef0', region: EU, metrics: eu.metrics },
    { id: 'i-0fedcba9876543210', region: US, metrics: us.metrics },
  ]));
  const c = clock();
  const s = source(t, readTargetsFile(file), { now: c.now });
  t.equal(s.kind, 'targets');
  const expected: Expected[] = [{ id: 'i-0123456789abcdef0', region: EU }];

  const first = await s.read(expected);
  t.equal(first.intervalSeconds, null);
  t.same(first.regions.get(EU), { region: EU, rate: null, http: null, dns: null, why: FIRST_SAMPLE, endpoints: [{ id: 'i-0123456789abcdef0', rate: null, http: null, dns: null, error: FIRST_SAMPLE }] });
  t.same(first.regions.get(US), { region: US, rate: 0, http: 0, dns: 0, why: NO_ENDPOINT, endpoints: [] }, 'a Region whose endpoints take no traffic: 0, not scraped');

  for (const path of ['/', '/', '/json', '/json', '/nowhere', '/healthz', '/healthz', '/metrics']) await fetch(`${eu.http}${path}`).then((r) => r.arrayBuffer());
  await dig(eu.dnsPort, ['id.server', 'txt', 'ch', '+short']);
  await dig(eu.dnsPort, ['id.server', 'txt', 'ch', '+short']);
  await dig(eu.dnsPort, ['id.server', 'txt', 'ch', '+short', '+tcp']);
  await dig(eu.dnsPort, ['hostname.bind', 'txt', 'ch', '+short', '+tcp']);
  await fetch(`${us.http}/`).then((r) => r.arrayBuffer());
  c.advance(2000);

  const second = await s.read(expected);
  t.equal(second.intervalSeconds, 2);
  t.same(second.regions.get(EU), {
    region: EU, rate: 4.5, http: 2.5, dns: 2,
    endpoints: [{ id: 'i-0123456789abcdef0', rate: 4.5, http: 2.5, dns: 2 }],
  }, '5 user requests (a 404 is load too) and 4 queries in 2 s; health checks and scrapes are not load');
  t.equal(second.regions.get(US)?.rate, 0);

  c.advance(1000);
  const third = await s.read(expected);
  t.equal(third.regions.get(EU)?.rate, 0, 'only the scrapes since: no load');

  // us-east-1 takes traffic now: its first scrape has no rate yet, and that holds its Region only.
  const both: Expected[] = [...expected, { id: 'i-0fedcba9876543210', region: US }];
  c.advance(1000);
  const fourth = await s.read(both);
  t.equal(fourth.regions.get(EU)?.rate, 0);
  t.equal(fourth.regions.get(US)?.rate, null);
  t.equal(fourth.regions.get(US)?.why, FIRST_SAMPLE);
});

t.test('counters: restarts, series that appear, DNS counters that come and go, the clock', async (t) => {
  const srv = await fakeServer(t);
  let page = originPage({ id: 'i-1.eu-central-1a', region: EU, http: { root: 100, json: 50, healthz: 1000, metrics: 20 }, dns: { udp: 40, tcp: 10 } });
  srv.handle = (_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(page);
  const c = clock();
  const s = source(t, [{ id: 'i-1', region: EU, metrics: `${srv.url}/metrics` }], { now: c.now });
  const exp: Expected[] = [{ id: 'i-1', region: EU }];
  const rate = async (ms: number) => {
    c.advance(ms);
    const r = (await s.read(exp)).regions.get(EU)!;
    return { rate: r.rate, http: r.http, dns: r.dns, why: r.why };
  };
  t.same(await rate(0), { rate: null, http: null, dns: null, why: FIRST_SAMPLE });
  page = originPage({ id: 'i-1.eu-central-1a', region: EU, http: { root: 130, json: 60, healthz: 5000, metrics: 21, 'root/404': 10 }, dns: { udp: 60, tcp: 10 } });
  t.same(await rate(10_000), { rate: 7, http: 5, dns: 2, why: undefined }, '(30 + 10 + 10 new 404s) / 10 s; DNS 20 / 10 s');
  page = originPage({ id: 'i-1.eu-central-1a', region: EU, http: { root: 8, json: 2, healthz: 3, metrics: 1 }, dns: { udp: 5, tcp: 5 } });
  t.same(await rate(5000), { rate: 4, http: 2, dns: 2, why: undefined }, 'a restart: counters below the last values count from 0');
  page = originPage({ id: 'i-1.eu-central-1a', region: EU, http: { root: 8, json: 2 }, dns: null });
  t.match(await rate(1000), { rate: null, why: /i-1: no anycast_dns_origin_queries_total on the page \(the previous scrape had them\)/ });
  t.same(await rate(1000), { rate: 0, http: 0, dns: 0, why: undefined }, 'a host without DNS: DNS load 0');
  page = originPage({ id: 'i-1.eu-central-1a', region: EU, http: { root: 8, json: 2 }, dns: { udp: 500, tcp: 0 } });
  t.match(await rate(1000), { rate: null, why: /new on the page \(no rate yet\)/ }, 'DNS counters that appear are not a burst of 500 queries');
  t.match(await rate(0), { rate: null, why: /no time since the previous scrape \(0 s\)/ });
  t.same(await rate(1000), { rate: 0, http: 0, dns: 0, why: undefined });
});

t.test('what makes a Region\'s rate null, and what does not', async (t) => {
  const good = await fakeServer(t);
  let goodRoot = 0;
  good.handle = (_req, res) => res.writeHead(200).end(originPage({ id: 'i-good', region: EU, http: { root: goodRoot } }));
  const bad = await fakeServer(t, '127.0.0.2');
  const body = { text: '', status: 200 };
  bad.handle = (_req, res) => res.writeHead(body.status).end(body.text);
  const stall = await fakeServer(t);
  stall.handle = () => { /* never answers */ };
  const c = clock();
  const s = source(t, [
    { id: 'i-good', region: EU, metrics: `${good.url}/metrics` },
    { id: 'i-bad', region: EU, metrics: `${bad.url}/metrics` },
    { id: 'i-stall', region: US, metrics: `${stall.url}/metrics` },
    { id: 'i-drained', region: US, metrics: 'http://127.0.0.1:1/metrics' },
  ], { now: c.now, timeoutMs: 300 });
  const exp: Expected[] = [{ id: 'i-good', region: EU }, { id: 'i-bad', region: EU }, { id: 'i-good', region: EU }];

  const cases: [string, number, string, RegExp][] = [
    ['garbage', 200, '<html><body>502 Bad Gateway</body></html>', /i-bad: http:\/\/127\.0\.0\.2:\d+\/metrics: not a metrics page: line 1: expected a metric name/],
    ['a 500', 500, originPage({ id: 'i-bad', region: EU, http: {} }), /i-bad: http:\/\/127\.0\.0\.2:\d+\/metrics: HTTP 500$/],
    ['another host\'s page', 200, originPage({ id: 'i-good', region: EU, http: { root: 1 } }), /the page is "i-good"'s, not i-bad's \(wrong address\?\)/],
    ['a page of a host whose id only starts like it', 200, originPage({ id: 'i-badx', region: EU, http: {} }), /the page is "i-badx"'s/],
    ['another Region\'s page', 200, originPage({ id: 'i-bad.us-east-1a', region: US, http: {} }), /the page is of Region us-east-1, the endpoint's group is in eu-central-1/],
    ['no info', 200, 'anycast_http_origin_requests_total{route="root",status="200"} 1\n', /no anycast_http_origin_info on the page/],
    ['two infos', 200, `${originPage({ id: 'i-bad', region: EU, http: {} })}anycast_http_origin_info{id="x",region="",version=""} 1\n`, /2 anycast_http_origin_info samples/],
    ['no request counters', 200, 'anycast_http_origin_info{id="i-bad",region="",version=""} 1\n', /no anycast_http_origin_requests_total on the page/],
    ['an empty page', 200, '', /no anycast_http_origin_info on the page \(not an origin's \/metrics\?\)/],
    ['a counter that is not one', 200, originPage({ id: 'i-bad', region: EU, http: { root: -1 } }), /anycast_http_origin_requests_total\{"route":"root","status":"200"\} is -1, not a counter/],
    ['a DNS counter that is not one', 200, originPage({ id: 'i-bad', region: EU, http: {} }).replace('transport="udp"} 0', 'transport="udp"} NaN'), /transport":"udp"\} is NaN, not a counter/],
  ];
  for (const [what, status, text, why] of cases) {
    body.status = status;
    body.text = text;
    c.advance(1000);
    goodRoot += 10;
    const r = await s.read(exp);
    const region = r.regions.get(EU)!;
    t.equal(region.rate, null, what);
    t.match(region.why, why, what);
    t.equal(region.endpoints.length, 2, `${what}: an endpoint listed twice (two listeners) counts once`);
    t.ok(region.endpoints.find((e) => e.id === 'i-good')!.rate === null || region.endpoints.find((e) => e.id === 'i-good')!.rate === 10, `${what}: the good endpoint still has its own rate`);
  }

  body.status = 200;
  body.text = originPage({ id: 'i-bad', region: EU, http: { root: 5 } });
  c.advance(1000);
  t.match((await s.read(exp)).regions.get(EU), { rate: null, why: FIRST_SAMPLE }, 'i-bad\'s first good page');
  body.text = originPage({ id: 'i-bad', region: EU, http: { root: 25 } });
  c.advance(1000);
  goodRoot += 30;
  t.match((await s.read(exp)).regions.get(EU), { rate: 50, http: 50, dns: 0 }, '(20 + 30) / 1 s over both endpoints');

  // A page that never comes, and a port nobody listens on.
  const t0 = Date.now();
  const r = await s.read([{ id: 'i-stall', region: US }, { id: 'i-drained', region: US }]);
  t.ok(Date.now() - t0 < 5000, 'the scrape gives up at its timeout');
  t.match(r.regions.get(US)!.why, /i-stall: http:\/\/127\.0\.0\.1:\d+\/metrics: timed out after 300 ms/);
  t.match(r.regions.get(US)!.why, /i-drained: http:\/\/127\.0\.0\.1:1\/metrics: connect ECONNREFUSED 127\.0\.0\.1:1/);
  t.same(r.regions.get(EU), { region: EU, rate: 0, http: 0, dns: 0, why: NO_ENDPOINT, endpoints: [] });
  t.equal(good.requests.length, cases.length + 2, 'no scrape of endpoints not expected');
});

t.test('targets: missing, twice, without an address, failing; no endpoint expected', async (t) => {
  const c = clock();
  const s = scrapeSource({
    kind: 'ec2',
    now: c.now,
    targets: (expected) => expected.flatMap((e): (Target | MissingTarget)[] => e.id === 'i-none' ? []
      : e.id === 'i-twice' ? [{ id: e.id, region: e.region, metrics: 'http://127.0.0.1:1/metrics' }, { id: e.id, region: e.region, metrics: 'http://127.0.0.1:2/metrics' }]
        : [{ id: e.id, region: e.region, metrics: null, why: 'instance is stopped' }]),
  });
  t.teardown(() => s.close());
  t.equal(s.kind, 'ec2');
  const r = await s.read([{ id: 'i-none', region: EU }, { id: 'i-twice', region: EU }, { id: 'i-stopped', region: US }, { id: 'i-stopped2', region: US }]);
  t.equal(r.regions.get(EU)!.why, 'i-none: no metrics address (not among the targets); i-twice: 2 targets for this endpoint');
  t.equal(r.regions.get(US)!.why, 'instance is stopped (i-stopped, i-stopped2)', 'one reason several endpoints share is said once');
  const empty = await s.read([]);
  t.same([...empty.regions], [], 'nothing expected, no targets asked, no Region');

  const failing = source(t, () => { throw new Error('DescribeInstances exploded'); });
  const f = await failing.read([{ id: 'i-1', region: EU }]);
  t.equal(f.regions.get(EU)!.why, 'i-1: no metrics address: DescribeInstances exploded');
  const rejecting = scrapeSource({ targets: () => Promise.reject(new Error('nope')) });
  t.teardown(() => rejecting.close());
  t.equal((await rejecting.read([{ id: 'i-1', region: EU }])).regions.get(EU)!.why, 'i-1: no metrics address: nope');
});

t.test('options are checked; a closed source refuses to read', async (t) => {
  t.throws(() => scrapeSource({} as never), InvalidOptionError);
  t.throws(() => scrapeSource({ targets: [] as never }), /targets must be a function/);
  t.throws(() => scrapeSource({ targets: () => [], timeoutMs: 0 }), /timeoutMs must be an integer 1\.\.300000/);
  t.throws(() => scrapeSource({ targets: () => [], concurrency: 0 }), /concurrency must be an integer 1\.\.1024/);
  t.throws(() => scrapeSource({ targets: () => [], now: 5 as never }), /now must be a function returning ms/);
  const s = scrapeSource({ targets: () => [] });
  s.close();
  s.close();
  await t.rejects(s.read([]), InvalidStateError);
});

t.test('concurrency: at most N scrapes in flight', async (t) => {
  const srv = await fakeServer(t);
  let inFlight = 0;
  let most = 0;
  srv.handle = (req, res) => {
    inFlight++;
    most = Math.max(most, inFlight);
    const id = (req.url ?? '').split('/')[1]!;
    setTimeout(() => {
      inFlight--;
      res.writeHead(200).end(originPage({ id, region: EU, http: {} }));
    }, 30);
  };
  const targets = Array.from({ length: 7 }, (_, i) => ({ id: `i-${i}`, region: EU, metrics: `${srv.url}/i-${i}/metrics` }));
  const s = scrapeSource({ targets: () => targets, concurrency: 2 });
  t.teardown(() => s.close());
  const r = await s.read(targets.map(({ id, region }) => ({ id, region })));
  t.equal(r.regions.get(EU)!.endpoints.length, 7);
  t.equal(r.regions.get(EU)!.why, FIRST_SAMPLE);
  t.equal(most, 2);
});

t.test('readTargetsFile: a targets list or the lab\'s state file; a bad file says where and what', async (t) => {
  const dir = t.testdir({
    'list.json': JSON.stringify([{ id: 'i-1', region: EU, metrics: 'http://127.0.0.2:8080/metrics', note: 'extra keys are fine' }]),
    'lab.json': JSON.stringify({
      api: 'http://127.0.0.1:1', accelerator: { arn: 'arn:x', ipAddresses: [] }, listeners: [], vantagePoints: [],
      endpoints: [
        { id: 'i-0a', region: EU, availabilityZone: 'eu-central-1a', address: '127.0.1.1', http: 8080, dns: 8053 },
        { id: 'i-0b', region: US, availabilityZone: 'us-east-1a', address: '::1', http: 8081, dns: 8054 },
      ],
    }),
    'not-json.json': '{ nope',
    'number.json': '42',
    'empty.json': '[]',
    'twice.json': JSON.stringify([{ id: 'i-1', region: EU, metrics: 'http://a/metrics' }, { id: 'i-2', region: EU, metrics: 'http://b/metrics' }, { id: 'i-1', region: US, metrics: 'http://c/metrics' }]),
    'bad-url.json': JSON.stringify([{ id: 'i-1', region: EU, metrics: 'http://a/metrics' }, { id: 'i-2', region: EU, metrics: 'ftp://b/metrics' }]),
    'bad-region.json': JSON.stringify([{ id: 'i-1', region: 'Europe', metrics: 'http://a/metrics' }]),
    'no-id.json': JSON.stringify([{ region: EU, metrics: 'http://a/metrics' }]),
    'lab-bad-port.json': JSON.stringify({ endpoints: [{ id: 'i-0a', region: EU, address: '127.0.1.1', http: '8080' }] }),
    'lab-bad-address.json': JSON.stringify({ endpoints: [{ id: 'i-0a', region: EU, address: 'localhost', http: 8080 }] }),
  });
  t.same(readTargetsFile(join(dir, 'list.json')), [{ id: 'i-1', region: EU, metrics: 'http://127.0.0.2:8080/metrics' }]);
  t.same(readTargetsFile(join(dir, 'lab.json')), [
    { id: 'i-0a', region: EU, metrics: 'http://127.0.1.1:8080/metrics' },
    { id: 'i-0b', region: US, metrics: 'http://[::1]:8081/metrics' },
  ]);
  const bad: [string, RegExp][] = [
    ['missing.json', /missing\.json: cannot read it: ENOENT/],
    ['not-json.json', /not-json\.json: not JSON: /],
    ['number.json', /must be a JSON list of \{ id, region, metrics \} or the lab's state file/],
    ['empty.json', /empty\.json: lists no endpoint/],
    ['twice.json', /endpoint i-1 twice \(entries 0 and 2\)/],
    ['bad-url.json', /bad-url\.json: \[1\] \(i-2\)\.metrics must be an http:\/\/ or https:\/\/ URL, got "ftp:\/\/b\/metrics"/],
    ['bad-region.json', /\[0\] \(i-1\)\.region must be an AWS Region name like eu-central-1, got "Europe"/],
    ['no-id.json', /\[0\]\.id is missing/],
    ['lab-bad-port.json', /\(a lab state file\) endpoints\[0\] \(i-0a\)\.http expected number, received string, got "8080"/],
    ['lab-bad-address.json', /endpoints\[0\] \(i-0a\)\.address must be an IP address, got "localhost"/],
  ];
  for (const [file, re] of bad) {
    t.throws(() => readTargetsFile(join(dir, file)), TargetsFileError, file);
    t.throws(() => readTargetsFile(join(dir, file)), { message: re, code: 'GACTL_ERR_TARGETS_FILE', exitCode: 2 }, file);
  }
});

t.test('a page larger than any origin renders is cut off', async (t) => {
  const srv = await fakeServer(t);
  srv.handle = (_req, res) => res.writeHead(200).end(`${originPage({ id: 'i-1', region: EU, http: {} })}${'# padding\n'.repeat(900_000)}`);
  const s = source(t, [{ id: 'i-1', region: EU, metrics: `${srv.url}/metrics` }]);
  t.match((await s.read([{ id: 'i-1', region: EU }])).regions.get(EU)!.why, /^i-1: http:\/\/127\.0\.0\.1:\d+\/metrics: answer larger than 8388608 bytes$/);
});
