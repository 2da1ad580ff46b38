/**
 * Property-based mutation (fast-check): valid queries, bit-flipped, truncated, extended, with
 * header counts and lengths overwritten, plus plain random bytes. The engine never throws,
 * never answers a response or a short packet, and every answer is well-formed, echoes the ID
 * and fits what the query allows. A smaller run goes over real UDP and TCP sockets.
 */
import t from 'tap';
import fc from 'fast-check';
import { Responder, resolveOptions } from '../src/index.js';
import { decode, header, ID, identity, query, startOrigin, tcpQuery, txtOf, udpQuery } from './fixtures/helpers.js';
import { allowedUdpSize, mustDrop, plausible } from './fixtures/oracle.js';

const zone = { name: 'example.net', a: ['192.0.2.1'], aaaa: ['2001:db8::1'] };
// A long identity and NSID so that answers can outgrow 512 octets and truncation is exercised.
const longIdentity = { ...identity, id: `${'i'.repeat(200)}.${'z'.repeat(40)}` } as typeof identity;

const seeds: Buffer[] = [
  query('id.server', 'TXT', 'CH'),
  query('hostname.bind', 'TXT', 'CH', { edns: { options: [{ code: 3, data: Buffer.alloc(0) }] } }),
  query('version.bind', 'ANY', 'CH', { edns: { size: 4096, do: true } }),
  query('example.net', 'NS', 'IN', { edns: { options: [{ code: 3, data: Buffer.alloc(0) }, { code: 8, data: Buffer.from([0, 1, 24, 0, 192, 0, 2]) }] } }),
  query('whoami.example.net', 'TXT', 'IN', { edns: { options: [{ code: 8, data: Buffer.from([0, 2, 56, 0, 0x20, 1, 0xd, 0xb8, 0, 0, 0]) }] } }),
  query('nope.example.net', 'A', 'IN', { edns: { version: 1 } }),
  query('id.example.net', 'TXT', 'IN', { edns: { size: 512 } }),
];

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'u16'; at: number; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(600), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(600), value: fc.constantFrom(0, 0xc0, 0xc0 | 12, 0x3f, 0x40, 0xff, 0x29, 1) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(600) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(600), bytes: fc.uint8Array({ maxLength: 40 }) }),
  // Header counts (offsets 4..11) and record lengths: huge counts, forward pointers.
  fc.record({ kind: fc.constant('u16' as const), at: fc.oneof(fc.constantFrom(4, 6, 8, 10), fc.nat(600)), value: fc.oneof(fc.constantFrom(0, 1, 2, 0xffff, 0xc000 | 12, 0xc000 | 0x3fff), fc.nat(0xffff)) }),
);

function apply(base: Buffer, ms: Mutation[]): Buffer {
  let b = Buffer.from(base);
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
    if (m.kind === 'flip' && at < b.length) b[at] = (b[at] as number) ^ (1 << m.bit);
    else if (m.kind === 'set' && at < b.length) b[at] = m.value;
    else if (m.kind === 'truncate') b = b.subarray(0, at);
    else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
    else if (m.kind === 'u16' && at + 1 < b.length) b.writeUInt16BE(m.value, at);
  }
  return b;
}

const packet: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([s, ms]) => apply(s, ms)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)) },
);

function check(msg: Buffer, out: Buffer | null, tcp: boolean): string {
  if (mustDrop(msg)) return out === null ? '' : 'answered what a trusted server drops (short, QR=1, no one question)';
  if (out === null) return 'no answer to a query';
  if (!tcp && out.length > allowedUdpSize(msg)) return `UDP answer ${out.length} > ${allowedUdpSize(msg)}`;
  return plausible(msg, out, zone.name);
}

t.test('the engine: 20000 mutated packets, every invariant holds', async (t) => {
  const r = new Responder(resolveOptions({ identity: longIdentity, nsid: Buffer.alloc(255, 0x6e), rrl: false, zone }));
  fc.assert(fc.property(packet, fc.boolean(), (msg, tcp) => {
    const out = r.respond(msg, tcp ? '2001:db8::7' : '192.0.2.7', tcp, tcp);
    const why = check(msg, out, tcp);
    if (why) throw new Error(`${why}: query ${msg.toString('hex')} answer ${out?.toString('hex')}`);
  }), { numRuns: 20_000, seed: 20261126 });
  fc.assert(fc.property(packet, (msg) => {
    const out = r.respond(msg, '192.0.2.8', false, false);
    if (check(msg, out, false)) throw new Error(check(msg, out, false));
  }), { numRuns: 3000 }); // and a fresh random seed each run
  t.pass('no invariant broken');
  t.ok(r.counters.queries >= 23_000);
});

t.test('over real sockets: mutated packets then id.server still answers', async (t) => {
  const { port } = await startOrigin(t, { identity: longIdentity, nsid: Buffer.alloc(255, 0x6e), rrl: false, zone });
  const samples = fc.sample(packet, { numRuns: 300, seed: 42 });
  for (let i = 0; i < samples.length; i += 30) {
    await Promise.all(samples.slice(i, i + 30).map(async (msg) => {
      const out = await udpQuery(port, msg, { timeoutMs: 500 });
      const why = check(msg, out, false);
      if (why) t.fail(`${why}: ${msg.toString('hex')}`);
    }));
  }
  const tcp = await tcpQuery(port, [...samples.slice(0, 100), query('id.server', 'TXT', 'CH', { id: 0xfeed })], { expect: 1000, timeoutMs: 1500 });
  t.equal(header(tcp.answers[tcp.answers.length - 1] as Buffer).id, 0xfeed, 'TCP: answered after 100 mutated frames');
  const after = decode(await udpQuery(port, query('id.server', 'TXT', 'CH')));
  t.same(txtOf(after), [longIdentity.id], 'UDP: still answering');
  t.not(ID, longIdentity.id);
});
