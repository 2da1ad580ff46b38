import t from 'tap';
import { Responder, resolveOptions, RCODE } from '../src/index.js';
import type { DnsOriginOptions } from '../src/index.js';
import { RateLimiter } from '../src/rrl.js';
import { decode, dnsPacket, fullRcode, header, ID, identity, query, txtOf } from './fixtures/helpers.js';
import { garbage } from './fixtures/floods.js';

const zone = { name: 'example.net', a: ['192.0.2.1', '192.0.2.2'], aaaa: ['2001:db8::1'] };
function responder(o: Partial<DnsOriginOptions> = {}): Responder {
  return new Responder(resolveOptions({ identity, version: '0.1.0', rrl: false, zone, ...o }));
}
const ask = (r: Responder, msg: Buffer, address = '192.0.2.53', tcp = false) => r.respond(msg, address, address.includes(':'), tcp);

t.test('CH TXT id.server and hostname.bind: the identity, TTL 0, no AA, RD copied, ID echoed', async (t) => {
  const r = responder();
  for (const name of ['id.server', 'hostname.bind', 'ID.SeRvEr', 'HOSTNAME.BIND']) {
    const out = ask(r, query(name, 'TXT', 'CH', { id: 4242 }));
    const h = header(out as Buffer);
    t.match(h, { id: 4242, qr: true, aa: false, tc: false, rd: true, ra: false, rcode: 0, qd: 1, an: 1, ns: 0, ar: 0 }, name);
    const p = decode(out);
    t.same(txtOf(p), [ID]);
    t.equal(p.answers?.[0]?.ttl, 0);
    t.equal(p.answers?.[0]?.name, name, 'owner echoes the query case (pointer to the question)');
    t.equal(p.questions?.[0]?.name, name);
  }
  const norec = header(ask(r, query('id.server', 'TXT', 'CH', { flags: 0 })) as Buffer);
  t.equal(norec.rd, false, '+norec: RD clear in the answer');
  const aaad = header(ask(r, query('id.server', 'TXT', 'CH', { flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.AUTHENTIC_DATA | dnsPacket.CHECKING_DISABLED })) as Buffer);
  t.match(aaad, { aa: false, rd: false }, 'AA/AD/CD in a query are not copied');
});

t.test('version.server / version.bind, other CH names and types: REFUSED', async (t) => {
  const r = responder();
  t.same(txtOf(decode(ask(r, query('version.server', 'TXT', 'CH')))), ['0.1.0']);
  t.same(txtOf(decode(ask(r, query('version.bind', 'TXT', 'CH')))), ['0.1.0']);
  t.same(txtOf(decode(ask(r, query('id.server', 'ANY', 'CH')))), [ID], 'ANY: the one TXT RRset (RFC 8482)');
  for (const [n, ty] of [['id.server', 'A'], ['foo.server', 'TXT'], ['authors.bind', 'TXT'], ['server', 'TXT']] as const) {
    t.equal(header(ask(r, query(n, ty, 'CH')) as Buffer).rcode, RCODE.REFUSED, `${n} ${ty}`);
  }
  const d = responder({ version: undefined });
  t.match(txtOf(decode(ask(d, query('version.bind', 'TXT', 'CH'))))[0], /^@anycast-origin\/dns-origin \d/);
});

t.test('hideIdentity / hideVersion: REFUSED', async (t) => {
  const r = responder({ hideIdentity: true, hideVersion: true });
  for (const n of ['id.server', 'hostname.bind', 'version.server', 'version.bind']) {
    t.equal(header(ask(r, query(n, 'TXT', 'CH')) as Buffer).rcode, RCODE.REFUSED, n);
  }
  t.equal(header(ask(r, query('id.example.net', 'TXT', 'IN')) as Buffer).rcode, RCODE.REFUSED, 'id.<zone> hidden too');
});

t.test('NSID only when asked; configurable bytes; false disables', async (t) => {
  const nsidQ = query('id.server', 'TXT', 'CH', { edns: { options: [{ code: 3, data: Buffer.alloc(0) }] } });
  const p = decode(ask(responder(), nsidQ));
  const opt = p.additionals?.find((a) => a.type === 'OPT') as unknown as { options: { code: number; data: Buffer }[]; udpPayloadSize: number };
  t.equal(opt.options.length, 1);
  t.equal(opt.options[0]?.code, 3);
  t.equal(opt.options[0]?.data.toString(), ID);
  t.equal(opt.udpPayloadSize, 1232);
  const plain = decode(ask(responder(), query('id.server', 'TXT', 'CH', { edns: {} })));
  t.same((plain.additionals?.find((a) => a.type === 'OPT') as unknown as { options: unknown[] }).options, [], 'no NSID unasked');
  t.equal(decode(ask(responder(), query('id.server', 'TXT', 'CH'))).additionals?.length, 0, 'no OPT without EDNS');
  const custom = decode(ask(responder({ nsid: Buffer.from([0xde, 0xad]) }), nsidQ));
  t.same((custom.additionals?.[0] as unknown as { options: { data: Buffer }[] }).options[0]?.data, Buffer.from([0xde, 0xad]));
  const off = decode(ask(responder({ nsid: false }), nsidQ));
  t.same((off.additionals?.[0] as unknown as { options: unknown[] }).options, []);
});

t.test('EDNS: BADVERS, DO copied, unknown options not echoed, two OPT = FORMERR', async (t) => {
  const r = responder();
  const bad = ask(r, query('id.server', 'TXT', 'CH', { edns: { version: 1 } })) as Buffer;
  t.equal(fullRcode(bad), RCODE.BADVERS);
  t.match(header(bad), { rcode: 0, qd: 1, an: 0, ar: 1 });
  const doQ = decode(ask(r, query('id.server', 'TXT', 'CH', { edns: { do: true, options: [{ code: 65001, data: Buffer.from('xy') }, { code: 10, data: Buffer.alloc(8, 1) }] } })));
  const opt = doQ.additionals?.[0] as unknown as { flags: number; options: unknown[] };
  t.equal(opt.flags & dnsPacket.DNSSEC_OK, dnsPacket.DNSSEC_OK);
  t.same(opt.options, []);
  const one = query('id.server', 'TXT', 'CH', { edns: {} });
  const two = Buffer.concat([one, one.subarray(one.length - 11)]);
  two.writeUInt16BE(2, 10);
  t.equal(header(ask(r, two) as Buffer).rcode, RCODE.FORMERR);
  const badLen = Buffer.from(one);
  badLen.writeUInt16BE(50, badLen.length - 2); // OPT rdlength past the end
  t.equal(header(ask(r, badLen) as Buffer).rcode, RCODE.FORMERR);
  const badOwner = Buffer.concat([query('id.server', 'TXT', 'CH'), Buffer.from([1, 0x61, 0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0])]);
  badOwner.writeUInt16BE(1, 10);
  t.equal(header(ask(r, badOwner) as Buffer).rcode, RCODE.FORMERR, 'OPT owner must be root');
});

t.test('hygiene: drops, NOTIMP, FORMERR, AXFR', async (t) => {
  const r = responder();
  t.equal(ask(r, Buffer.alloc(11)), null, 'under 12 octets: dropped');
  t.equal(ask(r, Buffer.alloc(0)), null);
  const resp = query('id.server', 'TXT', 'CH');
  resp[2] = (resp[2] as number) | 0x80;
  t.equal(ask(r, resp), null, 'QR=1: dropped');
  const status = query('id.server', 'TXT', 'CH');
  status[2] = ((status[2] as number) & 0x87) | (2 << 3);
  t.match(header(ask(r, status) as Buffer), { rcode: RCODE.NOTIMP, opcode: 2, qd: 0, rd: true });
  const update = query('example.net', 'SOA', 'IN');
  update[2] = ((update[2] as number) & 0x87) | (5 << 3);
  t.match(header(ask(r, update) as Buffer), { rcode: RCODE.NOTIMP, opcode: 5 });
  // No single question to read: dropped, as Knot (NSD answers FORMERR, at most 100 a second).
  const qd2 = query('id.server', 'TXT', 'CH');
  qd2.writeUInt16BE(2, 4);
  t.equal(ask(r, qd2), null, 'QDCOUNT 2: dropped');
  const status0 = Buffer.from([0xab, 0xcd, 2 << 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  t.match(header(ask(r, status0) as Buffer), { rcode: RCODE.NOTIMP, opcode: 2, qd: 0 }, 'opcode STATUS without a question: NOTIMP');
  const status2 = Buffer.from(status0);
  status2.writeUInt16BE(2, 4);
  t.equal(ask(r, status2), null, 'opcode STATUS with QDCOUNT 2: dropped');
  t.match(header(ask(r, Buffer.from([0xab, 0xcd, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0])) as Buffer), { id: 0xabcd, rcode: RCODE.FORMERR, qd: 0, rd: true }, 'QDCOUNT 0: FORMERR');
  t.equal(ask(r, query('id.server', 'TXT', 'CH').subarray(0, 20)), null, 'truncated question: dropped');
  t.equal(ask(r, query('id.server', 'TXT', 'CH').subarray(0, 26)), null, 'question without its class: dropped');
  const an1 = query('id.server', 'TXT', 'CH');
  an1.writeUInt16BE(1, 6);
  t.match(header(ask(r, an1) as Buffer), { rcode: RCODE.FORMERR, qd: 1 }, 'ANCOUNT 1: FORMERR with the question');
  const ptr = Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 16, 0, 3]);
  t.equal(ask(r, ptr), null, 'compression pointer in the question: dropped');
  const longLabel = Buffer.concat([Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 64]), Buffer.alloc(64, 0x61), Buffer.from([0, 0, 16, 0, 3])]);
  t.equal(ask(r, longLabel), null, 'label over 63: dropped');
  const labels = Buffer.concat([Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...Array.from({ length: 130 }, () => Buffer.from([1, 0x61])), Buffer.from([0, 0, 16, 0, 3])]);
  t.equal(ask(r, labels), null, 'name over 255 octets: dropped');
  t.match(header(ask(r, query('example.net', 'AXFR', 'IN')) as Buffer), { rcode: RCODE.NOTIMP, qd: 1 }, 'AXFR over UDP');
  t.match(header(ask(r, query('example.net', 'AXFR', 'IN'), '192.0.2.53', true) as Buffer), { rcode: RCODE.REFUSED }, 'AXFR over TCP');
  t.match(header(ask(r, Buffer.concat([query('id.server', 'TXT', 'CH'), Buffer.from([1, 2, 3])])) as Buffer), { rcode: 0, an: 1 }, 'trailing garbage ignored (as NSD)');
  const tsig = Buffer.concat([query('id.server', 'TXT', 'CH'), Buffer.from([3, 0x6b, 0x65, 0x79, 0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 0])]);
  tsig.writeUInt16BE(1, 10);
  t.match(header(ask(r, tsig) as Buffer), { rcode: RCODE.NOTAUTH }, 'TSIG with no keys: NOTAUTH');
  t.equal(r.counters.dropped, 10);
});

t.test('UDP size: 512 without EDNS, min(EDNS, 1232) with; TC when it does not fit', async (t) => {
  const longId = 'x'.repeat(250);
  const r = responder({ identity: { ...identity, id: longId } as typeof identity, nsid: Buffer.alloc(255, 0x6e) });
  const longName = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(50)}.id.server`;
  const big = ask(r, query('id.server', 'TXT', 'CH', { edns: { size: 512, options: [{ code: 3, data: Buffer.alloc(0) }] } })) as Buffer;
  t.ok(big.length <= 512, `${big.length} <= 512`);
  t.equal(header(big).tc, true);
  const fits = ask(r, query('id.server', 'TXT', 'CH', { edns: { size: 4096, options: [{ code: 3, data: Buffer.alloc(0) }] } })) as Buffer;
  t.equal(header(fits).tc, false);
  t.ok(fits.length <= 1232);
  const none = ask(r, query('id.server', 'TXT', 'CH')) as Buffer;
  t.equal(header(none).tc, false, `${none.length} fits 512`);
  const refusedLong = ask(r, query(longName, 'TXT', 'CH')) as Buffer;
  t.ok(refusedLong.length <= 512);
  const tcpBig = ask(r, query('id.server', 'TXT', 'CH', { edns: { size: 512, options: [{ code: 3, data: Buffer.alloc(0) }] } }), '192.0.2.1', true) as Buffer;
  t.equal(header(tcpBig).tc, false, 'TCP: no cap');
  t.ok(tcpBig.length > 512);
  const small = ask(r, query('id.server', 'TXT', 'CH', { edns: { size: 100 } })) as Buffer;
  t.equal(header(small).tc, false, 'EDNS sizes under 512 count as 512');
});

t.test('zone: SOA, NS (+glue), A, AAAA, id, whoami, NXDOMAIN, NODATA, REFUSED outside', async (t) => {
  const r = responder();
  const soa = decode(ask(r, query('example.net', 'SOA', 'IN')));
  t.equal(soa.flag_aa, true);
  t.match(soa.answers?.[0], { type: 'SOA', ttl: 300, data: { mname: 'example.net', rname: 'hostmaster.example.net', serial: 1, minimum: 60 } });
  const ns = decode(ask(r, query('EXAMPLE.net', 'NS', 'IN')));
  t.match(ns.answers?.[0], { type: 'NS', data: 'example.net', name: 'EXAMPLE.net' });
  t.same(ns.additionals?.map((a) => a.type), ['A', 'A', 'AAAA']);
  t.same(decode(ask(r, query('example.net', 'A', 'IN'))).answers?.map((a) => a.data), ['192.0.2.1', '192.0.2.2']);
  t.same(decode(ask(r, query('example.net', 'AAAA', 'IN'))).answers?.map((a) => a.data), ['2001:db8::1']);
  t.same(decode(ask(r, query('example.net', 'ANY', 'IN'))).answers?.map((a) => a.type), ['SOA'], 'ANY: one RRset');
  const id = decode(ask(r, query('id.example.net', 'TXT', 'IN')));
  t.same(txtOf(id), [ID]);
  t.equal(id.answers?.[0]?.ttl, 0);
  t.equal(id.flag_aa, true);
  const who = decode(ask(r, query('whoami.example.net', 'TXT', 'IN'), '198.51.100.7'));
  t.same(txtOf(who), ['198.51.100.7']);
  t.same(txtOf(decode(ask(r, query('whoami.example.net', 'TXT', 'IN'), '::ffff:198.51.100.8'))), ['198.51.100.8'], 'IPv4-mapped shown as IPv4');
  t.equal(decode(ask(r, query('whoami.example.net', 'A', 'IN'))).answers?.length, 0, 'whoami A: NODATA');
  const ecs = decode(ask(r, query('whoami.example.net', 'TXT', 'IN', { edns: { options: [{ code: 8, data: Buffer.from([0, 1, 24, 0, 203, 0, 113]) }] } }), '198.51.100.7'));
  t.same(txtOf(ecs), ['198.51.100.7', 'edns0-client-subnet 203.0.113.0/24']);
  const ecs6 = decode(ask(r, query('whoami.example.net', 'TXT', 'IN', { edns: { options: [{ code: 8, data: Buffer.from([0, 2, 48, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 1]) }] } }), '2001:db8::53'));
  t.same(txtOf(ecs6), ['2001:db8::53', 'edns0-client-subnet 2001:db8:1::/48']);
  const nx = decode(ask(r, query('nope.example.net', 'A', 'IN')));
  t.equal(nx.rcode, 'NXDOMAIN');
  t.match(nx.authorities?.[0], { type: 'SOA', name: 'example.net', ttl: 60 });
  t.equal(nx.flag_aa, true);
  t.equal(decode(ask(r, query('a.id.example.net', 'TXT', 'IN'))).rcode, 'NXDOMAIN');
  const nodata = decode(ask(r, query('example.net', 'MX', 'IN')));
  t.equal(nodata.rcode, 'NOERROR');
  t.equal(nodata.answers?.length, 0);
  t.equal(nodata.authorities?.[0]?.type, 'SOA');
  for (const n of ['example.org', 'net', 'xexample.net', 'example.net.evil']) {
    const h = header(ask(r, query(n, 'A', 'IN')) as Buffer);
    t.match(h, { rcode: RCODE.REFUSED, aa: false }, n);
  }
  t.equal(header(ask(responder({ zone: undefined }), query('example.net', 'A', 'IN')) as Buffer).rcode, RCODE.REFUSED, 'no zone: REFUSED');
  t.equal(header(ask(r, query('id.server', 'TXT', 'IN')) as Buffer).rcode, RCODE.REFUSED);
  t.equal(header(ask(r, query('example.net', 'A', 'HS')) as Buffer).rcode, RCODE.REFUSED);
});

t.test('zone options: ns, soa, ttl, string form', async (t) => {
  const r = responder({ zone: { name: 'Anycast.Example.', ttl: 60, ns: ['ns1.example.org', 'ns2.example.org'], soa: { serial: 2026112601, rname: 'ops.example.org', minimum: 30 } } });
  const soa = decode(ask(r, query('anycast.example', 'SOA', 'IN')));
  t.match(soa.answers?.[0], { ttl: 60, data: { mname: 'ns1.example.org', rname: 'ops.example.org', serial: 2026112601, minimum: 30 } });
  const ns = decode(ask(r, query('anycast.example', 'NS', 'IN')));
  t.same(ns.answers?.map((a) => a.data), ['ns1.example.org', 'ns2.example.org']);
  t.equal(ns.additionals?.length, 0, 'no glue for out-of-zone NS');
  t.equal(decode(ask(r, query('x.anycast.example', 'A', 'IN'))).authorities?.[0]?.ttl, 30, 'negative TTL min(ttl, minimum)');
  const s = responder({ zone: { name: 'example.com' } });
  t.same(txtOf(decode(ask(s, query('id.example.com', 'TXT', 'IN')))), [ID]);
});

t.test('RRL inside the responder: drop and slip (TC, no records)', async (t) => {
  let now = 1_000_000;
  const opts = resolveOptions({ identity, rrl: { responsesPerSecond: 5, slip: 2, windowSeconds: 2 } });
  const r = new Responder(opts, new RateLimiter(opts.rrl as Exclude<typeof opts.rrl, false>, () => now));
  const q = query('id.server', 'TXT', 'CH');
  const outs = Array.from({ length: 20 }, () => ask(r, q, '203.0.113.9'));
  t.equal(outs.slice(0, 5).filter((o) => o && !header(o).tc).length, 5, 'first 5 answered');
  const rest = outs.slice(5);
  const slipped = rest.filter((o) => o !== null);
  t.equal(slipped.length, 7, 'every 2nd limited response slips');
  t.ok(slipped.every((o) => header(o as Buffer).tc && header(o as Buffer).an === 0 && header(o as Buffer).qd === 1));
  t.match(header(ask(r, q, '203.0.114.9') as Buffer), { tc: false, an: 1 }, 'another /24 is answered');
  t.match(header(ask(r, q, '203.0.113.200') as Buffer | null ?? Buffer.alloc(12)), { an: 0 }, 'same /24 is limited');
  const limitedBefore = r.counters.rrlLimited;
  const tcp = Array.from({ length: 20 }, () => ask(r, q, '203.0.113.9', true));
  t.equal(tcp.filter((o) => o !== null && !header(o).tc && header(o).an === 1).length, 20, 'TCP is never limited: 20 of 20 answered in full');
  t.equal(r.counters.rrlLimited, limitedBefore, 'and TCP answers do not count against RRL');
  now += 10_000;
  t.match(header(ask(r, q, '203.0.113.9') as Buffer), { tc: false, an: 1 }, 'answered again after the window');
  t.equal(r.counters.rrlLimited, r.counters.rrlDropped + r.counters.rrlSlipped);
  t.ok(r.counters.rrlLimited >= 16);
});

t.test('hand-made malformed packets: loops, pointers, huge counts, bad OPT, long names', async (t) => {
  const r = responder();
  const hdr = (qd: number, an: number, ns: number, ar: number) => Buffer.from([0xab, 0xcd, 1, 0, 0, qd, 0, an, 0, ns, ar >> 8, ar & 255]);
  const q = Buffer.from([2, 0x69, 0x64, 6, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72, 0, 0, 16, 0, 3]);
  const cases: [string, Buffer, number | null][] = [
    ['header only, truncated', hdr(1, 0, 0, 0).subarray(0, 7), null],
    ['question name is a pointer loop to itself', Buffer.concat([hdr(1, 0, 0, 0), Buffer.from([0xc0, 12, 0, 16, 0, 3])]), null],
    ['question name points forward', Buffer.concat([hdr(1, 0, 0, 0), Buffer.from([0xc0, 20, 0, 16, 0, 3, 0, 0, 0])]), null],
    ['question label runs past the end', Buffer.concat([hdr(1, 0, 0, 0), Buffer.from([40, 0x61, 0x62])]), null],
    ['extended label type 0x40', Buffer.concat([hdr(1, 0, 0, 0), Buffer.from([0x41, 0, 0, 16, 0, 3])]), null],
    ['ARCOUNT 65535 with nothing after the question', Buffer.concat([hdr(1, 0, 0, 65535), q]), 1],
    ['QDCOUNT 255', Buffer.concat([hdr(255, 0, 0, 0), q]), null],
    ['additional owner is a pointer loop', Buffer.concat([hdr(1, 0, 0, 1), q, Buffer.from([0xc0, 27, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0])]), 1],
    ['additional owner pointer past the end', Buffer.concat([hdr(1, 0, 0, 1), q, Buffer.from([0xc0, 0xff, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0])]), 1],
    ['OPT rdlength past the end', Buffer.concat([hdr(1, 0, 0, 1), q, Buffer.from([0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 9, 0, 3])]), 1],
    ['OPT option length past its rdata', Buffer.concat([hdr(1, 0, 0, 1), q, Buffer.from([0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 4, 0, 3, 0, 9])]), 1],
    ['OPT option header cut short', Buffer.concat([hdr(1, 0, 0, 1), q, Buffer.from([0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 2, 0, 3])]), 1],
    ['OPT record cut short', Buffer.concat([hdr(1, 0, 0, 1), q, Buffer.from([0, 0, 41, 4])]), 1],
    ['name of 300 octets', Buffer.concat([hdr(1, 0, 0, 0), ...Array.from({ length: 5 }, () => Buffer.concat([Buffer.from([59]), Buffer.alloc(59, 0x61)])), Buffer.from([0, 0, 16, 0, 3])]), null],
    ['NSCOUNT 1', Buffer.concat([hdr(1, 0, 1, 0), q]), 1],
  ];
  for (const [name, msg, rcode] of cases) {
    const out = r.respond(msg, '192.0.2.1', false, false);
    if (rcode === null) { t.equal(out, null, name); continue; }
    t.ok(out, name);
    if (!out) continue;
    t.match(header(out), { id: 0xabcd, qr: true, rcode, an: 0 }, name);
    t.ok(out.length <= 512, `${name}: ${out.length} octets`);
  }
  t.same(txtOf(decode(r.respond(query('id.server', 'TXT', 'CH'), '192.0.2.1', false, false))), [ID], 'still answering');
});

t.test('the answer to a message depends on that message alone (no state carried over from the one before)', async (t) => {
  // The garbage of issue 18 and valid queries of every kind, interleaved: each through a fresh
  // engine, then all through one engine in order and in reverse, must give the same bytes.
  const valid = [
    query('id.server', 'TXT', 'CH', { edns: { size: 4096, do: true, options: [{ code: 3, data: Buffer.alloc(0) }] } }),
    query('whoami.example.net', 'TXT', 'IN', { edns: { options: [{ code: 8, data: Buffer.from([0, 1, 24, 0, 203, 0, 113]) }] } }),
    query('nope.example.net', 'A', 'IN', { edns: { version: 1 } }),
    query('example.net', 'NS', 'IN'),
    query('example.org', 'A', 'IN', { edns: { size: 512 } }),
  ];
  const msgs = garbage(2000, 18).flatMap((g, i) => [g, valid[i % valid.length] as Buffer]);
  const fresh = msgs.map((m) => responder().respond(m, '192.0.2.9', false, false));
  const hex = (b: Buffer | null) => (b === null ? 'none' : b.toString('hex'));
  const one = responder();
  const inOrder = msgs.map((m) => one.respond(m, '192.0.2.9', false, false));
  const reversed = [...msgs].reverse().map((m) => one.respond(m, '192.0.2.9', false, false)).reverse();
  t.same(inOrder.map(hex), fresh.map(hex), 'in order: the same answers as fresh engines give');
  t.same(reversed.map(hex), fresh.map(hex), 'in reverse: the same answers');
  t.equal(fresh.filter((o, i) => i % 2 === 1 && o !== null).length, 2000, 'every valid query answered');
});

t.test('RRL classes in the engine: an error flood and an NXDOMAIN flood leave positive answers to the same address alone', async (t) => {
  const now = 1_000_000;
  const opts = resolveOptions({ identity, zone, rrl: { responsesPerSecond: 10, slip: 0 } });
  const r = new Responder(opts, new RateLimiter(opts.rrl as Exclude<typeof opts.rrl, false>, () => now));
  const src = '203.0.113.9';
  const refused = Array.from({ length: 100 }, (_, i) => ask(r, query(`x${i}.example.org`, 'A', 'IN'), src));
  t.equal(refused.filter((o) => o !== null).length, 10, 'REFUSED: 10 of 100 sent');
  const formerr = Array.from({ length: 20 }, () => { const q = query('id.server', 'TXT', 'CH'); q.writeUInt16BE(1, 6); return ask(r, q, src); });
  t.equal(formerr.filter((o) => o !== null).length, 0, 'FORMERR shares the error bucket: none sent');
  const nx = Array.from({ length: 100 }, (_, i) => ask(r, query(`r${i}.example.net`, 'A', 'IN'), src));
  t.equal(nx.filter((o) => o !== null).length, 10, 'NXDOMAIN for 100 names: one bucket, 10 sent');
  t.match(header(ask(r, query('id.server', 'TXT', 'CH'), src) as Buffer), { rcode: 0, an: 1, tc: false }, 'id.server from the same address: answered in full');
  const ids = Array.from({ length: 30 }, () => ask(r, query('id.server', 'TXT', 'CH'), src));
  t.equal(ids.filter((o) => o !== null).length, 9, 'id.server limited on its own budget (10 a second)');
  t.match(header(ask(r, query('example.net', 'SOA', 'IN'), src) as Buffer), { rcode: 0, an: 1 }, 'another name has its own');
  // An answer too large for the client: the truncated class, per name.
  const bigOpts = resolveOptions({ identity: { ...identity, id: 'i'.repeat(250) } as typeof identity, nsid: Buffer.alloc(255, 0x6e), rrl: { responsesPerSecond: 5, slip: 0 } });
  const big = new Responder(bigOpts, new RateLimiter(bigOpts.rrl as Exclude<typeof bigOpts.rrl, false>, () => now));
  const nsidQ = query('id.server', 'TXT', 'CH', { edns: { size: 512, options: [{ code: 3, data: Buffer.alloc(0) }] } });
  const tcs = Array.from({ length: 10 }, () => ask(big, nsidQ, src));
  t.equal(tcs.filter((o) => o !== null && header(o).tc).length, 5, 'truncated answers: 5 of 10 sent');
  t.match(header(ask(big, query('version.bind', 'TXT', 'CH'), src) as Buffer), { rcode: 0, an: 1, tc: false }, 'a positive answer that fits still passes');
});

t.test('respondInto (TCP): the same bytes as respond(), written at an offset', async (t) => {
  const r = responder();
  const out = Buffer.alloc(70_000, 0xee);
  for (const q of [query('id.server', 'TXT', 'CH', { edns: { options: [{ code: 3, data: Buffer.alloc(0) }] } }), query('example.net', 'NS', 'IN'), query('whoami.example.net', 'TXT', 'IN')]) {
    const want = r.respond(q, '192.0.2.53', false, true) as Buffer;
    const n = r.respondInto(q, '192.0.2.53', false, out, 3);
    t.equal(n, want.length);
    t.same(out.subarray(3, 3 + n), want);
    t.equal(out[2], 0xee, 'nothing written before the offset');
  }
  t.equal(r.respondInto(Buffer.alloc(5), '192.0.2.53', false, out, 0), -1, 'no answer: -1');
});
