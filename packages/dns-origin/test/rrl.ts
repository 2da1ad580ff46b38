import t from 'tap';
import { createSocket } from 'node:dgram';
import { RateLimiter, resolveOptions } from '../src/index.js';
import { RRL_DROP, RRL_PASS, RRL_SLIP } from '../src/rrl.js';
import type { ResolvedRrl } from '../src/options.js';
import { header, identity, query, startOrigin, udpQuery } from './fixtures/helpers.js';

const rrl = (o: Record<string, number> = {}): ResolvedRrl => resolveOptions({ identity, rrl: o }).rrl as ResolvedRrl;

t.test('prefixes: /24 and /56 by default, configurable, IPv4-mapped as IPv4', async (t) => {
  const now = 0;
  const l = new RateLimiter(rrl({ responsesPerSecond: 1, slip: 0 }), () => now);
  t.equal(l.check('192.0.2.1', false), RRL_PASS);
  t.equal(l.check('192.0.2.250', false), RRL_DROP, 'same /24');
  t.equal(l.check('192.0.3.1', false), RRL_PASS, 'next /24');
  t.equal(l.check('::ffff:192.0.3.9', true), RRL_DROP, 'IPv4-mapped counts as that IPv4 /24');
  t.equal(l.check('2001:db8:0:100::1', true), RRL_PASS);
  t.equal(l.check('2001:db8:0:1ff::2', true), RRL_DROP, 'same /56');
  t.equal(l.check('2001:db8:0:200::1', true), RRL_PASS, 'next /56');
  const narrow = new RateLimiter(rrl({ responsesPerSecond: 1, ipv4PrefixLength: 32, ipv6PrefixLength: 128 }), () => now);
  t.equal(narrow.check('192.0.2.1', false), RRL_PASS);
  t.equal(narrow.check('192.0.2.2', false), RRL_PASS, '/32: per address');
  t.equal(l.check('fe80::1%eth0', true), RRL_PASS, 'a scoped address: the scope is not part of the key');
  t.equal(l.check('fe80::2%eth1', true), RRL_DROP, 'same /56 whatever the scope');
});

t.test('token bucket: rate, window (debt), slip', async (t) => {
  let now = 0;
  const l = new RateLimiter(rrl({ responsesPerSecond: 10, windowSeconds: 3, slip: 3 }), () => now);
  const v = Array.from({ length: 40 }, () => l.check('198.51.100.1', false));
  t.equal(v.filter((x) => x === RRL_PASS).length, 10, 'burst of one second');
  t.same(v.slice(10, 16), [RRL_DROP, RRL_DROP, RRL_SLIP, RRL_DROP, RRL_DROP, RRL_SLIP], 'every 3rd limited one slips');
  now += 1000;
  t.equal(l.check('198.51.100.1', false), RRL_DROP, 'in debt after flooding: still limited a second later');
  now += 4000;
  t.equal(l.check('198.51.100.1', false), RRL_PASS, 'after the window it recovers');
});

t.test('the table is bounded', async (t) => {
  const l = new RateLimiter({ ...rrl({ ipv4PrefixLength: 32 }), maxEntries: 1000 }, () => 0);
  for (let i = 0; i < 10_000; i++) l.check(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, false);
  t.ok(l.size <= 1000, `${l.size} entries`);
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
