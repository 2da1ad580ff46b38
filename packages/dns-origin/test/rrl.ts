import t from 'tap';
import { createSocket } from 'node:dgram';
import { PerformanceObserver } from 'node:perf_hooks';
import { RateLimiter, resolveOptions } from '../src/index.js';
import { ipv6Bytes, RRL_CLASS, RRL_DROP, RRL_PASS, RRL_SLIP } from '../src/rrl.js';
import { nameKey } from '../src/responses.js';
import { ipBytes } from '@anycast-origin/net';
import fc from 'fast-check';
import type { ResolvedRrl } from '../src/options.js';
import { header, identity, query, startOrigin, udpQuery } from './fixtures/helpers.js';

const rrl = (o: Record<string, number> = {}): ResolvedRrl => resolveOptions({ identity, rrl: o }).rrl as ResolvedRrl;

const A = RRL_CLASS.ANSWER;
const name = (s: string) => Buffer.from(nameKey(s), 'latin1');
const ID_SERVER = name('id.server');

t.test('prefixes: /24 and /56 by default, configurable, IPv4-mapped as IPv4', async (t) => {
  const now = 0;
  const l = new RateLimiter(rrl({ responsesPerSecond: 1, slip: 0 }), () => now);
  t.equal(l.check('192.0.2.1', false, A), RRL_PASS);
  t.equal(l.check('192.0.2.250', false, A), RRL_DROP, 'same /24');
  t.equal(l.check('192.0.3.1', false, A), RRL_PASS, 'next /24');
  t.equal(l.check('::ffff:192.0.3.9', true, A), RRL_DROP, 'IPv4-mapped counts as that IPv4 /24');
  t.equal(l.check('2001:db8:0:100::1', true, A), RRL_PASS);
  t.equal(l.check('2001:db8:0:1ff::2', true, A), RRL_DROP, 'same /56');
  t.equal(l.check('2001:db8:0:200::1', true, A), RRL_PASS, 'next /56');
  t.equal(l.check('2001:db8:0:2ff:ffff:ffff:ffff:ffff', true, A), RRL_DROP, 'same /56, written out in full');
  t.equal(l.check('::1', true, A), RRL_PASS);
  t.equal(l.check('::1', true, A), RRL_DROP, '::1');
  const narrow = new RateLimiter(rrl({ responsesPerSecond: 1, ipv4PrefixLength: 32, ipv6PrefixLength: 128 }), () => now);
  t.equal(narrow.check('192.0.2.1', false, A), RRL_PASS);
  t.equal(narrow.check('192.0.2.2', false, A), RRL_PASS, '/32: per address');
  t.equal(narrow.check('2001:db8::1', true, A), RRL_PASS);
  t.equal(narrow.check('2001:db8::2', true, A), RRL_PASS, '/128: per address');
  t.equal(narrow.check('2001:db8:0:0:0:0:0:2', true, A), RRL_DROP, 'the same address written out');
  t.same([...ipv6Bytes('2001:db8::1')], [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  t.same([...ipv6Bytes('::1')], [...new Array(15).fill(0), 1]);
  t.same([...ipv6Bytes('::')], new Array(16).fill(0));
  t.same([...ipv6Bytes('fe80::1%eth0')].slice(0, 2), [0xfe, 0x80]);
  t.same([...ipv6Bytes('2001:db8::')], [0x20, 1, 0xd, 0xb8, ...new Array(12).fill(0)]);
  t.same([...ipv6Bytes('::ffff:192.0.2.7')], [...new Array(10).fill(0), 0xff, 0xff, 192, 0, 2, 7]);
  t.same([...ipv6Bytes('64:ff9b::192.0.2.33')], [0, 0x64, 0xff, 0x9b, ...new Array(8).fill(0), 192, 0, 2, 33]);
  t.same([...ipv6Bytes('1:2:3:4:5:6:7:8')], [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
  t.same([...ipv6Bytes('ABCD:EF01::')].slice(0, 4), [0xab, 0xcd, 0xef, 0x01], 'upper-case hex');
});

t.test('the allocation-free IPv6 parser reads what @anycast-origin/net reads (fast-check addresses, every spelling)', async (t) => {
  // Except the deprecated IPv4-compatible form `::a.b.c.d` (RFC 4291 2.5.5.1), which ipaddr.js
  // 2.5 reads as IPv4-mapped; no socket reports a peer that way.
  const compatible = (a: string) => /^::[\d.]+$/.test(a);
  t.same([...ipv6Bytes('::1.2.3.4')], [...new Array(12).fill(0), 1, 2, 3, 4], '::1.2.3.4 is IPv4-compatible, not mapped');
  fc.assert(fc.property(fc.ipV6().filter((a) => !compatible(a)), (a) => {
    const want = ipBytes(a);
    const ours = [...ipv6Bytes(a)];
    // net gives IPv4-mapped addresses as their 4 IPv4 octets.
    const expected = want.length === 4 ? [...new Array(10).fill(0), 0xff, 0xff, ...want] : want;
    if (ours.join(',') !== expected.join(',')) throw new Error(`${a}: ${ours.join(',')} != ${expected.join(',')}`);
  }), { numRuns: 20_000, seed: 18 });
  t.pass('20000 addresses agree');
});

t.test('token bucket: rate, window (debt), slip', async (t) => {
  let now = 0;
  const l = new RateLimiter(rrl({ responsesPerSecond: 10, windowSeconds: 3, slip: 3 }), () => now);
  const v = Array.from({ length: 40 }, () => l.check('198.51.100.1', false, A, ID_SERVER, ID_SERVER.length));
  t.equal(v.filter((x) => x === RRL_PASS).length, 10, 'burst of one second');
  t.same(v.slice(10, 16), [RRL_DROP, RRL_DROP, RRL_SLIP, RRL_DROP, RRL_DROP, RRL_SLIP], 'every 3rd limited one slips');
  now += 1000;
  t.equal(l.check('198.51.100.1', false, A, ID_SERVER, ID_SERVER.length), RRL_DROP, 'in debt after flooding: still limited a second later');
  now += 4000;
  t.equal(l.check('198.51.100.1', false, A, ID_SERVER, ID_SERVER.length), RRL_PASS, 'after the window it recovers');
});

t.test('response classes: an error flood does not limit answers to the same prefix', async (t) => {
  const now = 0;
  const l = new RateLimiter(rrl({ responsesPerSecond: 5, slip: 0 }), () => now);
  const src = '203.0.113.7';
  const VERSION = name('version.bind');
  const errors = Array.from({ length: 50 }, () => l.check(src, false, RRL_CLASS.ERROR));
  t.equal(errors.filter((v) => v === RRL_PASS).length, 5, 'errors: 5 of 50 pass');
  t.equal(l.check('203.0.113.99', false, RRL_CLASS.ERROR), RRL_DROP, 'errors are limited per prefix');
  t.equal(l.check(src, false, A, ID_SERVER, ID_SERVER.length), RRL_PASS, 'a positive answer from the same address still passes');
  t.equal(l.check(src, false, RRL_CLASS.NEGATIVE, ID_SERVER, ID_SERVER.length), RRL_PASS, 'so does a negative one');
  t.equal(l.check(src, false, RRL_CLASS.TRUNCATED, ID_SERVER, ID_SERVER.length), RRL_PASS, 'and a truncated one');
  // Positive answers: one bucket per query name.
  for (let i = 0; i < 10; i++) l.check(src, false, A, ID_SERVER, ID_SERVER.length);
  t.equal(l.check(src, false, A, ID_SERVER, ID_SERVER.length), RRL_DROP, 'id.server flooded: limited');
  t.equal(l.check(src, false, A, VERSION, VERSION.length), RRL_PASS, 'version.bind has its own bucket');
  // Negative answers: one bucket per prefix, whatever the name (a random-subdomain flood).
  const negatives = Array.from({ length: 20 }, (_, i) => { const n = name(`r${i}.example.net`); return l.check(src, false, RRL_CLASS.NEGATIVE, n, n.length); });
  t.equal(negatives.filter((v) => v === RRL_PASS).length, 4, 'NXDOMAIN for 20 different names share one bucket (1 spent above)');
});

t.test('the table is bounded', async (t) => {
  const l = new RateLimiter({ ...rrl({ ipv4PrefixLength: 32 }), maxEntries: 1000 }, () => 0);
  for (let i = 0; i < 10_000; i++) l.check(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, false, A);
  t.ok(l.size <= 1000, `${l.size} entries`);
  t.ok(l.size >= 900, `${l.size} entries: the table is used, not emptied`);
});

t.test('eviction keeps what is being limited: a flooded prefix stays limited while many others pass', async (t) => {
  let now = 0;
  const l = new RateLimiter({ ...rrl({ responsesPerSecond: 10, windowSeconds: 10, slip: 0, ipv4PrefixLength: 32 }), maxEntries: 256 }, () => now);
  const flooders = ['198.51.100.1', '198.51.100.2', '198.51.100.3'];
  for (const f of flooders) for (let i = 0; i < 100; i++) l.check(f, false, A);
  for (const f of flooders) t.equal(l.check(f, false, A), RRL_DROP, `${f} limited`);
  // 100 times the table's size in one-off sources, 10 ms apart in steps (well inside the window).
  for (let i = 0; i < 25_600; i++) {
    if (i % 1000 === 0) now += 10;
    l.check(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, false, A);
  }
  t.ok(l.size <= 256, `${l.size} entries`);
  for (const f of flooders) t.equal(l.check(f, false, A), RRL_DROP, `${f} still limited after the churn`);
  // A source seen once just now keeps its spent token too (the table was not emptied).
  const recent = '10.0.99.255';
  t.equal(l.check(recent, false, A), RRL_PASS);
});

t.test('check() allocates nothing per response (no garbage collection over a million)', async (t) => {
  const l = new RateLimiter(rrl({ responsesPerSecond: 1_000_000 }), () => 0);
  const addrs = Array.from({ length: 64 }, (_, i) => (i % 2 ? `2001:db8:${i}::${i}` : `192.0.${i}.7`));
  const run = (n: number) => { for (let i = 0; i < n; i++) { const a = addrs[i & 63] as string; l.check(a, a.includes(':'), A, ID_SERVER, ID_SERVER.length); } };
  run(200_000); // warm up (JIT)
  await new Promise((r) => setTimeout(r, 50));
  let collections = 0;
  const obs = new PerformanceObserver((list) => { collections += list.getEntries().length; });
  obs.observe({ entryTypes: ['gc'] });
  run(1_000_000);
  await new Promise((r) => setTimeout(r, 50)); // gc entries are delivered asynchronously
  obs.disconnect();
  t.equal(collections, 0, `${collections} garbage collections during 1e6 checks`);
});

t.test('flood from one /24 is limited while another /24 is answered', async (t) => {
  const { port, origin } = await startOrigin(t, { rrl: { responsesPerSecond: 50, windowSeconds: 2, slip: 2 } });
  const flood = createSocket('udp4');
  await new Promise<void>((r) => flood.bind(0, '127.0.0.1', () => r()));
  t.teardown(() => flood.close());
  let floodAnswers = 0;
  let floodTc = 0;
  flood.on('message', (m) => { if (header(m).tc) floodTc++; else floodAnswers++; });
  const q = query('id.server', 'TXT', 'CH');
  // A bounded flood: 1500 queries paced over about a second (about 1500 q/s).
  const sent = 1500;
  const blast = (async () => {
    for (let i = 0; i < sent; i += 15) {
      for (let j = 0; j < 15; j++) flood.send(q, port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  // Meanwhile another prefix (127.0.1.0/24, still loopback) asks and is answered every time.
  const other: (Buffer | null)[] = [];
  for (let i = 0; i < 20; i++) other.push(await udpQuery(port, query('id.server', 'TXT', 'CH', { id: i }), { bind: '127.0.1.1', timeoutMs: 1000 }));
  await blast;
  await new Promise((r) => setTimeout(r, 300));
  t.equal(other.filter((o) => o !== null && !header(o).tc && header(o).an === 1).length, 20, 'the other prefix got every answer, untruncated');
  const s = await origin.stats();
  const received = s.udpQueries - 20;
  // 50/s with a one-second burst: about 50 + 50 x (flood seconds) full answers at most.
  t.ok(floodAnswers <= 250, `flood: ${floodAnswers} full answers of ${received} received (${sent} sent)`);
  t.ok(floodTc > 0, `${floodTc} slipped (TC)`);
  t.ok(s.rrlLimited >= received - 250, `stats: ${s.rrlLimited} limited`);
  t.equal(s.rrlLimited, s.rrlDropped + s.rrlSlipped);
  // A real client behind the flooded prefix retries over TCP, which is never limited.
  const { tcpQuery } = await import('./fixtures/helpers.js');
  t.equal((await tcpQuery(port, [q])).answers.length, 1, 'TCP still answers the flooded prefix');
});

t.test('rrl: false answers everything', async (t) => {
  const { port, origin } = await startOrigin(t, { rrl: false });
  const s = createSocket('udp4');
  t.teardown(() => s.close());
  let n = 0;
  s.on('message', () => n++);
  const q = query('id.server', 'TXT', 'CH');
  for (let i = 0; i < 500; i++) { s.send(q, port, '127.0.0.1'); if (i % 50 === 0) await new Promise((r) => setImmediate(r)); }
  await new Promise((r) => setTimeout(r, 400));
  t.ok(n >= 450, `${n} of 500 answered`);
  t.equal((await origin.stats()).rrlLimited, 0);
});
