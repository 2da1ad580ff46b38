import t from 'tap';
import { createSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import { dig, needs } from '@anycast-origin/testkit';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { CHANNELS, createDnsOrigin } from '../src/index.js';
import { decode, header, ID, identity, query, startOrigin, tcpQuery, txtOf, udpQuery } from './fixtures/helpers.js';

const zone = { name: 'example.net', a: ['192.0.2.1'], aaaa: ['2001:db8::1'] };

// Both UDP paths: the batched addon (the default) and Node's own socket.
for (const udpBackend of ['mmsg', 'node'] as const) t.test(`dig (udpBackend ${udpBackend})`, needs('dig', 'bind9-dnsutils'), async (t) => {
  const { port, bound } = await startOrigin(t, { version: '0.1.0', zone, rrl: false, udpBackend });
  t.equal(bound.udpBackend, udpBackend === 'mmsg' ? 'mmsg' : 'udp_wrap');
  t.equal((await dig(port, ['id.server', 'txt', 'ch', '+short'])).trim(), `"${ID}"`, 'the seed NSD output, byte for byte');
  t.equal((await dig(port, ['hostname.bind', 'txt', 'ch', '+short'])).trim(), `"${ID}"`);
  t.equal((await dig(port, ['ID.SERVER', 'txt', 'ch', '+short'])).trim(), `"${ID}"`);
  t.equal((await dig(port, ['version.bind', 'txt', 'ch', '+short'])).trim(), '"0.1.0"');
  t.equal((await dig(port, ['id.server', 'txt', 'ch', '+short', '+tcp'])).trim(), `"${ID}"`, '+tcp');
  const nsid = await dig(port, ['id.server', 'txt', 'ch', '+nsid']);
  t.match(nsid, `; NSID: `);
  t.match(nsid, `("${ID}")`);
  t.notMatch(await dig(port, ['id.server', 'txt', 'ch']), 'NSID', 'no NSID unasked');
  const badvers = await dig(port, ['id.server', 'txt', 'ch', '+edns=1', '+noednsneg']);
  t.match(badvers, 'status: BADVERS');
  const opt = await dig(port, ['id.server', 'txt', 'ch', '+ednsopt=65001:abcd']);
  t.match(opt, 'status: NOERROR');
  t.notMatch(opt, /^; OPT=65001/m, 'unknown option not echoed');
  t.match(await dig(port, ['id.server', 'txt', 'ch', '+opcode=status']), /opcode: STATUS, status: NOTIMP/);
  const norec = await dig(port, ['id.server', 'txt', 'ch', '+norec']);
  t.match(norec, /flags: qr;/, '+norec: no rd, no aa');
  t.match(await dig(port, ['id.server', 'txt', 'ch']), /flags: qr rd;/);
  t.match(await dig(port, ['id.server', 'txt', 'ch', '+bufsize=512']), /udp: 1232/);
  t.match(await dig(port, ['id.server', 'a', 'ch']), 'status: REFUSED');
  t.match(await dig(port, ['example.net', 'soa']), /flags: qr aa rd;.*\n(.*\n)*example\.net\.\s+300\s+IN\s+SOA/);
  t.equal((await dig(port, ['id.example.net', 'txt', '+short'])).trim(), `"${ID}"`);
  t.equal((await dig(port, ['whoami.example.net', 'txt', '+short'])).trim(), '"127.0.0.1"');
  t.match(await dig(port, ['whoami.example.net', 'txt', '+subnet=198.51.100.0/24']), '"edns0-client-subnet 198.51.100.0/24"');
  t.match(await dig(port, ['nope.example.net', 'a']), 'status: NXDOMAIN');
  t.match(await dig(port, ['example.org', 'a']), 'status: REFUSED');
});

t.test('dig: an answer too large for UDP is retried over TCP', needs('dig', 'bind9-dnsutils'), async (t) => {
  const long = { ...identity, id: 'i'.repeat(250) } as typeof identity;
  const { port, origin } = await startOrigin(t, { identity: long, nsid: Buffer.alloc(255, 0x6e), rrl: false });
  const out = await dig(port, ['id.server', 'txt', 'ch', '+nsid', '+bufsize=512', '+ignore']);
  t.match(out, /flags: qr tc rd;/, '+ignore shows the truncated UDP answer');
  const retried = await dig(port, ['id.server', 'txt', 'ch', '+nsid', '+bufsize=512']);
  t.match(retried, `"${'i'.repeat(250)}"`);
  const s = await origin.stats();
  t.ok(s.truncated >= 2);
  t.ok(s.tcpQueries >= 1);
});

t.test('our client: UDP and TCP on the same port; IPv6 loopback', async (t) => {
  const { port } = await startOrigin(t, { rrl: false });
  t.same(txtOf(decode(await udpQuery(port, query('id.server', 'TXT', 'CH')))), [ID]);
  const r = await tcpQuery(port, [query('id.server', 'TXT', 'CH', { id: 1 }), query('hostname.bind', 'TXT', 'CH', { id: 2 }), query('nope.server', 'TXT', 'CH', { id: 3 })]);
  t.same(r.answers.map((a) => header(a).id), [1, 2, 3], 'several queries per connection, answered in order');
  t.same(r.answers.map((a) => header(a).rcode), [0, 0, 5]);
  const v6 = createDnsOrigin({ identity, host: '::1', port: 0, rrl: false });
  let bound: { udpPort: number } | undefined;
  try {
    bound = await v6.listen();
  } catch {
    t.comment('no ::1 on this machine');
  }
  t.teardown(() => v6.close());
  if (bound) {
    t.same(txtOf(decode(await udpQuery(bound.udpPort, query('id.server', 'TXT', 'CH'), { host: '::1' }))), [ID], 'UDP ::1');
    t.equal((await tcpQuery(bound.udpPort, [query('id.server', 'TXT', 'CH')], { host: '::1' })).answers.length, 1, 'TCP ::1');
  }
});

t.test('TCP framing: one byte at a time, and garbage frames', async (t) => {
  const { port } = await startOrigin(t, { rrl: false });
  const q = query('id.server', 'TXT', 'CH', { id: 77 });
  const framed = Buffer.concat([Buffer.from([0, q.length]), q]);
  const answers = await new Promise<Buffer[]>((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    s.setNoDelay(true);
    let buf = Buffer.alloc(0);
    s.on('error', reject);
    s.on('data', (d) => { buf = Buffer.concat([buf, d]); if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) { s.destroy(); resolve([buf.subarray(2)]); } });
    s.on('connect', () => {
      void (async () => {
        for (const byte of framed) { s.write(Buffer.from([byte])); await new Promise((r) => setTimeout(r, 2)); }
      })();
    });
  });
  t.equal(header(answers[0] as Buffer).id, 77);
  const junk = await tcpQuery(port, [Buffer.alloc(0), Buffer.alloc(5), query('id.server', 'TXT', 'CH', { id: 9 })], { expect: 1 });
  t.same(junk.answers.map((a) => header(a).id), [9], 'empty and short frames get no answer; the connection goes on');
});

t.test('TCP limits: idle timeout, total timeout, queries per connection, connection cap', async (t) => {
  const { port, origin } = await startOrigin(t, { rrl: false, tcp: { idleTimeoutMs: 200, totalTimeoutMs: 600, maxQueriesPerConnection: 2, maxConnections: 2 } });
  const t0 = Date.now();
  const idle = await tcpQuery(port, [], { raw: Buffer.alloc(0), expect: 1, timeoutMs: 3000 });
  t.ok(idle.closed, 'idle connection closed');
  t.ok(Date.now() - t0 < 1500, `closed after ${Date.now() - t0} ms`);
  const capped = await tcpQuery(port, [1, 2, 3].map((id) => query('id.server', 'TXT', 'CH', { id })), { expect: 4, timeoutMs: 3000 });
  t.same(capped.answers.map((a) => header(a).id), [1, 2, 3], 'cap 2, three queries read at once: all three answered (RFC 7766), then the server closes');
  t.ok(capped.closed);
  // Total timeout: keep the connection busy (no idle) past 600 ms.
  const t1 = Date.now();
  const busy = await new Promise<number>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.write(Buffer.from([0, 200])); // a 200-octet frame, trickled: never complete, never idle
    const iv = setInterval(() => s.write(Buffer.from([0])), 50);
    s.on('error', () => undefined);
    s.on('close', () => { clearInterval(iv); resolve(Date.now() - t1); });
  });
  t.ok(busy >= 500 && busy < 2500, `total timeout closed a busy connection after ${busy} ms`);
  // Cap: two held connections, a third is closed at once.
  const held = await Promise.all([0, 1].map(() => new Promise<ReturnType<typeof connect>>((resolve) => { const s = connect(port, '127.0.0.1', () => resolve(s)); s.on('error', () => undefined); })));
  t.teardown(() => held.forEach((s) => s.destroy()));
  await new Promise((r) => setTimeout(r, 50));
  const third = await tcpQuery(port, [query('id.server', 'TXT', 'CH')], { timeoutMs: 1000 }).catch(() => ({ answers: [], closed: true }));
  t.equal(third.answers.length, 0, `over the cap: no answer (${JSON.stringify(await origin.stats())})`);
  t.ok(third.closed);
  const s = await origin.stats();
  t.ok(s.tcpConnections <= 2);
  t.ok(s.tcpTimeouts >= 2);
});

t.test('TCP query cap: what was read is answered, then a clean close (FIN, not a reset); later queries are not read', async (t) => {
  const { port, origin } = await startOrigin(t, { rrl: false, tcp: { maxQueriesPerConnection: 2 } });
  const frame = (id: number) => { const q = query('id.server', 'TXT', 'CH', { id }); return Buffer.concat([Buffer.from([0, q.length]), q]); };
  const s = connect(port, '127.0.0.1');
  const ids: number[] = [];
  let buf = Buffer.alloc(0);
  let ended = false;
  let error: Error | undefined;
  s.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) { ids.push(header(buf.subarray(2)).id); buf = buf.subarray(2 + buf.readUInt16BE(0)); }
  });
  s.on('end', () => { ended = true; });
  s.on('error', (e) => { error = e; });
  await new Promise<void>((r) => s.on('connect', () => r()));
  s.write(Buffer.concat([1, 2, 3, 4, 5].map(frame))); // five queries in one segment: all read together
  await new Promise((r) => setTimeout(r, 300));
  t.same(ids, [1, 2, 3, 4, 5], 'all five answered, in order');
  t.ok(ended, 'then the server ended its side (FIN)');
  s.write(frame(6)); // after the server's FIN: read and discarded, no answer, no reset
  await new Promise((r) => setTimeout(r, 200));
  s.end();
  await new Promise<void>((r) => (s.closed ? r() : s.on('close', () => r())));
  t.same(ids, [1, 2, 3, 4, 5], 'nothing answered after the cap');
  t.equal(error, undefined, 'no ECONNRESET');
  const st = await origin.stats();
  t.equal(st.tcpQueries, 5);
  t.equal(st.tcpTimeouts, 1, 'the cap counts as a server-side close');
});

t.test('TCP: no query cap by default; thousands of answers to one segment arrive in order', async (t) => {
  // A 250-octet identity: 3000 answers of about 300 octets overflow the per-chunk answer buffer several times.
  const long = { ...identity, id: 'i'.repeat(250) } as typeof identity;
  const { port, origin } = await startOrigin(t, { identity: long, rrl: false });
  t.equal(origin.options.tcp.maxQueriesPerConnection, 0);
  const n = 3000;
  const r = await tcpQuery(port, Array.from({ length: n }, (_, id) => query('id.server', 'TXT', 'CH', { id })), { timeoutMs: 10_000 });
  t.equal(r.answers.length, n, `${r.answers.length} of ${n} answered`);
  t.ok(r.answers.every((a, i) => header(a).id === i && header(a).an === 1), 'in order, each the full answer');
  t.same(txtOf(decode(r.answers[n - 1])), ['i'.repeat(250)]);
  t.equal(r.closed, false, 'the connection stays open');
});

t.test('a client that never reads does not grow our memory without bound', async (t) => {
  const { port, origin } = await startOrigin(t, { rrl: false });
  const q = query('id.server', 'TXT', 'CH');
  const frame = Buffer.concat([Buffer.from([0, q.length]), q]);
  const burst = Buffer.concat(Array.from({ length: 20_000 }, () => frame));
  const s = connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  t.teardown(() => s.destroy());
  s.pause(); // never read
  await new Promise<void>((resolve) => s.on('connect', () => resolve()));
  for (let i = 0; i < 10; i++) s.write(burst);
  await new Promise((r) => setTimeout(r, 800));
  const st = await origin.stats();
  t.ok(st.tcpQueries < 200_000, `server stopped reading after ${st.tcpQueries} queries (backpressure)`);
  t.ok(st.tcpQueries > 0);
});

t.test('listen(): address in use is a coded error naming host:port (UDP taken, TCP taken)', async (t) => {
  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  t.teardown(() => udp.close());
  const udpPort = udp.address().port;
  const a = createDnsOrigin({ identity, port: udpPort });
  t.teardown(() => a.close());
  await t.rejects(a.listen(), { code: 'DNS_ORIGIN_ERR_ADDRESS_IN_USE', message: `address in use: 127.0.0.1:${udpPort} (UDP or TCP)`, name: 'AddressInUseError' });
  const tcp = createServer();
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => tcp.close());
  const tcpPort = (tcp.address() as { port: number }).port;
  const b = createDnsOrigin({ identity, port: tcpPort });
  t.teardown(() => b.close());
  await t.rejects(b.listen(), { code: 'DNS_ORIGIN_ERR_ADDRESS_IN_USE', message: new RegExp(`127\\.0\\.0\\.1:${tcpPort}`) });
  const c = createDnsOrigin({ identity, host: '192.0.2.1', port: 0 });
  t.teardown(() => c.close());
  await t.rejects(c.listen(), { code: 'DNS_ORIGIN_ERR_LISTEN', message: /192\.0\.2\.1:0/ }, 'an address not on this host');
});

t.test('diagnostics_channel: listening and tcp-closed are published (the library never logs)', async (t) => {
  const seen: { name: string; msg: unknown }[] = [];
  const onListening = (msg: unknown) => seen.push({ name: 'listening', msg });
  const onClosed = (msg: unknown) => seen.push({ name: 'tcp-closed', msg });
  subscribe(CHANNELS.listening, onListening);
  subscribe(CHANNELS.tcpClosed, onClosed);
  t.teardown(() => { unsubscribe(CHANNELS.listening, onListening); unsubscribe(CHANNELS.tcpClosed, onClosed); });
  const { port } = await startOrigin(t, { tcp: { idleTimeoutMs: 50 } });
  await tcpQuery(port, [], { raw: Buffer.alloc(0), expect: 1, timeoutMs: 1000 });
  t.match(seen, [{ name: 'listening', msg: { host: '127.0.0.1', udpPort: port, tcpPort: port, pid: process.pid } }, { name: 'tcp-closed', msg: { reason: 'idle-timeout', remoteAddress: '127.0.0.1' } }]);
});
