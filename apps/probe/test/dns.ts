import t from 'tap';
import packet from 'dns-packet';
import { dig, needs } from '@anycast-origin/testkit';
import { buildQuery, measureDns, readDnsAnswer } from '../src/dns.js';
import { EU, US_WEST, closedPort, startDnsOrigin, startDnsPeer, tcpServer, udpServer } from './fixtures/peers.js';

const ID = US_WEST.id;

t.test('our DNS origin over UDP and TCP: TXT identity, NSID, region', async (t) => {
  const server = await startDnsOrigin(t, US_WEST);
  for (const tcp of [false, true]) {
    const r = await measureDns({ server, count: 10, concurrency: 3, tcp, nsid: true });
    t.match(r, { target: server, total: 10, ok: 10, errors: 0 }, tcp ? 'tcp' : 'udp');
    t.same(r.answers, [{ identity: ID, region: 'us-west-2', count: 10, share: 1 }]);
    t.ok(r.latencyMs && r.latencyMs.p50 > 0);
    if (tcp) t.ok(r.connectMs && r.connectMs.p50 > 0, 'tcp: connect timed');
    else t.equal(r.connectMs, null, 'udp: no connect');
  }
  // dig, the seed's client, reads the same TXT
  const port = Number(server.split(':')[1]);
  t.equal((await dig(port, ['id.server', 'txt', 'ch', '+short'])).trim(), `"${ID}"`);
});

t.test('identity from NSID alone: a query the server refuses still names it by NSID', async (t) => {
  const server = await startDnsOrigin(t, EU);
  const withNsid = await measureDns({ server, count: 3, qname: 'example.', qclass: 'IN', qtype: 'A', nsid: true });
  t.match(withNsid, { total: 3, ok: 3, answers: [{ identity: EU.id, region: 'eu-central-1', count: 3 }] });
  const without = await measureDns({ server, count: 3, qname: 'example.', qclass: 'IN', qtype: 'A' });
  t.match(without, { total: 3, ok: 0, errorKinds: { rcode: 3 }, errorSamples: { rcode: 'REFUSED' } });
});

for (const name of ['nsd', 'knot'] as const) {
  t.test(`${name}: identity and NSID over UDP and TCP`, needs(name === 'nsd' ? 'nsd' : 'knotd', name), async (t) => {
    const server = await startDnsPeer(t, name, EU.id);
    for (const tcp of [false, true]) {
      const r = await measureDns({ server, count: 5, tcp, nsid: true });
      t.match(r, { total: 5, ok: 5, errors: 0 }, `${name} ${tcp ? 'tcp' : 'udp'}`);
      t.same(r.answers, [{ identity: EU.id, region: 'eu-central-1', count: 5, share: 1 }]);
    }
  });
}

t.test('NSID decoded from an answer that has no TXT', async (t) => {
  const port = await udpServer(t, (msg, from, sock) => {
    const q = packet.decode(msg);
    const answer = packet.encode({
      type: 'response', id: q.id, flags: packet.AUTHORITATIVE_ANSWER, questions: q.questions,
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, options: [{ code: 3, data: Buffer.from('i-0aaaaaaaaaaaaaaaa.ap-southeast-1b') }] } as never],
    });
    sock.send(answer, from.port, from.address);
  });
  const r = await measureDns({ server: `127.0.0.1:${port}`, count: 2, nsid: true });
  t.same(r.answers, [{ identity: 'i-0aaaaaaaaaaaaaaaa.ap-southeast-1b', region: 'ap-southeast-1', count: 2, share: 1 }]);
});

t.test('sourceAddress: the query leaves from that loopback address', async (t) => {
  const from: string[] = [];
  const port = await udpServer(t, (msg, rinfo, sock) => {
    from.push(rinfo.address);
    const q = packet.decode(msg);
    sock.send(packet.encode({ type: 'response', id: q.id, questions: q.questions, answers: [{ type: 'TXT', class: 'CH', name: 'id.server', data: ID }] }), rinfo.port, rinfo.address);
  });
  const r = await measureDns({ server: `127.0.0.1:${port}`, count: 3, sourceAddress: '127.0.0.43' });
  t.equal(r.ok, 3);
  t.same(from, ['127.0.0.43', '127.0.0.43', '127.0.0.43']);
});

t.test('failures are counted by kind, never thrown', async (t) => {
  t.test('refused over UDP (ICMP port unreachable) and TCP (RST)', async (t) => {
    const port = await closedPort();
    for (const tcp of [false, true]) {
      const r = await measureDns({ server: `127.0.0.1:${port}`, count: 2, tcp, timeoutMs: 1000 });
      t.match(r, { total: 2, ok: 0, errorKinds: { refused: 2 } }, tcp ? 'tcp' : 'udp');
    }
  });

  t.test('timeout: a server that never answers (UDP and TCP)', async (t) => {
    const udp = await udpServer(t, () => {});
    const tcp = await tcpServer(t, () => {});
    t.match(await measureDns({ server: `127.0.0.1:${udp}`, count: 2, concurrency: 2, timeoutMs: 100 }), { ok: 0, errorKinds: { timeout: 2 } });
    t.match(await measureDns({ server: `127.0.0.1:${tcp}`, count: 2, concurrency: 2, timeoutMs: 100, tcp: true }), { ok: 0, errorKinds: { timeout: 2 } });
  });

  t.test('garbage: bytes that are not DNS, a reply with another id, a TCP close mid-answer', async (t) => {
    let n = 0;
    const udp = await udpServer(t, (msg, from, sock) => {
      n++;
      if (n === 1) sock.send(Buffer.from('\xff\xfe garbage'), from.port, from.address);
      else if (n === 2) sock.send(Buffer.from([1]), from.port, from.address);
      else {
        const q = packet.decode(msg);
        sock.send(packet.encode({ type: 'response', id: ((q.id ?? 0) + 1) & 0xffff, questions: q.questions }), from.port, from.address);
      }
    });
    t.match(await measureDns({ server: `127.0.0.1:${udp}`, count: 3 }), { total: 3, ok: 0, errorKinds: { garbage: 3 } });
    const tcp = await tcpServer(t, (s) => s.once('data', () => s.end(Buffer.from([0, 40, 1, 2, 3]))));
    t.match(await measureDns({ server: `127.0.0.1:${tcp}`, count: 2, tcp: true }), { total: 2, ok: 0, errorKinds: { reset: 2 } });
  });

  t.test('rcode, truncated and no-identity answers', async (t) => {
    let n = 0;
    const port = await udpServer(t, (msg, from, sock) => {
      const q = packet.decode(msg);
      n++;
      const base = { type: 'response' as const, id: q.id, questions: q.questions };
      const reply = n % 3 === 1
        ? packet.encode({ ...base, flags: 5 }) // REFUSED
        : n % 3 === 2
          ? packet.encode({ ...base, flags: packet.TRUNCATED_RESPONSE })
          : packet.encode(base);
      sock.send(reply, from.port, from.address);
    });
    const r = await measureDns({ server: `127.0.0.1:${port}`, count: 6 });
    t.match(r, { total: 6, ok: 0, errors: 6, errorKinds: { rcode: 2, truncated: 2, 'no-identity': 2 } });
    t.equal(r.errorSamples.rcode, 'REFUSED');
  });
});

t.test('the query: CH TXT id.server with an empty NSID option, as RIPE Atlas sends it', async (t) => {
  const q = packet.decode(buildQuery({ qname: 'id.server', qclass: 'CH', qtype: 'TXT', nsid: true }, 7));
  t.match(q, { id: 7, questions: [{ name: 'id.server', type: 'TXT', class: 'CH' }] });
  const opt = q.additionals?.[0] as unknown as { type: string; options: { code: number; data: Buffer }[] };
  t.equal(opt.type, 'OPT');
  t.same(opt.options.map((o) => [o.code, o.data.length]), [[3, 0]]);
  t.throws(() => readDnsAnswer(buildQuery({ qname: 'id.server', qclass: 'CH', qtype: 'TXT', nsid: false }, 1)), /not a response/);
});

t.test('server option: ADDR, ADDR:PORT, [V6]:PORT; anything else refused', async (t) => {
  await t.rejects(measureDns({ server: 'dns.example:53' }), { option: 'server', message: /^server must be an IP address with an optional port/ });
  await t.rejects(measureDns({ server: '127.0.0.1:70000' }), { option: 'server', message: /^server must be/ });
  await t.rejects(measureDns({ server: '127.0.0.1', qclass: 'XX' as never }), { message: `qclass must be one of 'CH', 'IN', 'HS', 'ANY', got "XX"` });
  const v6 = await startDnsOrigin(t, US_WEST, '::1').catch(() => undefined);
  if (v6) {
    const port = v6.slice(v6.lastIndexOf(':') + 1);
    const r = await measureDns({ server: `[::1]:${port}`, count: 2 });
    t.equal(r.ok, 2, 'IPv6 loopback');
  }
});
