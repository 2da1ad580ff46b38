import t from 'tap';
import packet from 'dns-packet';
import { needs } from '@anycast-origin/testkit';
import { atlasTable, parseRun } from '../src/atlas.js';
import { readDnsAnswer } from '../src/dns.js';
import { sweep } from '../src/sweep.js';
import type { VantagePoint } from '../src/options.js';
import { EU, US_WEST, closedPort, startDnsOrigin, startDnsPeer, startHttpOrigin, udpServer } from './fixtures/peers.js';

/** Vantage points on their own loopback addresses, as the lab lays them out. */
function vantage(n: number, subnet = 1): VantagePoint[] {
  return Array.from({ length: n }, (_, i) => ({ id: 9000 + i, address: `127.0.${subnet}.${i + 1}`, latitude: 50 + i / 10, longitude: 8 + i / 10, name: `v${i}` }));
}

t.test('DNS: one query per vantage point, written as RIPE Atlas results with NSID in abuf', async (t) => {
  const server = await startDnsOrigin(t, US_WEST);
  const [host, port] = server.split(':') as [string, string];
  const r = await sweep({ protocol: 'dns', target: server, vantagePoints: vantage(5), msmId: 77 });
  t.equal(r.results.length, 5);
  t.equal(r.answered, 5);
  const first = r.results[0] as Record<string, unknown> & { result: Record<string, unknown> };
  t.match(first, { fw: 5000, msm_id: 77, prb_id: 9000, from: '127.0.1.1', src_addr: '127.0.1.1', dst_addr: host, dst_port: port, af: 4, proto: 'UDP', type: 'dns', latitude: 50, longitude: 8, name: 'v0' });
  t.ok(typeof first.timestamp === 'number' && (first.result.rt as number) > 0);
  const wire = Buffer.from(first.result.abuf as string, 'base64');
  t.equal(first.result.size, wire.length);
  t.match(first.result, { ANCOUNT: 1, QDCOUNT: 1, ARCOUNT: 1 });
  const decoded = readDnsAnswer(wire);
  t.same(decoded.txt, [US_WEST.id]);
  t.equal(decoded.nsid, US_WEST.id, 'the NSID bit was set and answered');
  // the same results, read back as a run: the Atlas reader, table and positions
  const back = parseRun(JSON.parse(JSON.stringify(r.results)));
  t.same(atlasTable(back), { probes: 5, regions: { 'us-west-2': { count: 5, share: 1 } }, unknown: 0 });
  t.match(back.probes[4], { probeId: 9004, latitude: 50.4, longitude: 8.4 });
});

t.test('each query leaves from its vantage point: a catchment by source address', async (t) => {
  const seen = new Set<string>();
  const port = await udpServer(t, (msg, from, sock) => {
    seen.add(from.address);
    const id = from.address.startsWith('127.0.2.') ? EU.id : US_WEST.id;
    const q = packet.decode(msg);
    const wantsNsid = (q.additionals ?? []).some((a) => a.type === 'OPT');
    sock.send(packet.encode({
      type: 'response', id: q.id, flags: packet.AUTHORITATIVE_ANSWER, questions: q.questions,
      answers: [{ type: 'TXT', class: 'CH', name: 'id.server', data: id }],
      additionals: wantsNsid ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, options: [{ code: 3, data: Buffer.from(id) }] } as never] : [],
    }), from.port, from.address);
  });
  const points = [...vantage(3, 1), ...vantage(4, 2).map((v) => ({ ...v, id: `eu-${v.id}` }))];
  const r = await sweep({ protocol: 'dns', target: `127.0.0.1:${port}`, vantagePoints: points, concurrency: 3 });
  t.same([...seen].sort(), points.map((p) => p.address).sort());
  t.same(atlasTable(r.run).regions, { 'eu-central-1': { count: 4, share: 0.5714 }, 'us-west-2': { count: 3, share: 0.4286 } });
  t.equal(r.run.probes.find((p) => p.probeId === 'eu-9000')?.region, 'eu-central-1', 'string vantage ids kept');
});

t.test('DNS over TCP to NSD: the NSID answer too', needs('nsd', 'nsd'), async (t) => {
  const server = await startDnsPeer(t, 'nsd', EU.id);
  const r = await sweep({ protocol: 'dns', target: server, vantagePoints: vantage(2), tcp: true });
  t.equal(r.answered, 2);
  t.match(r.results[0], { proto: 'TCP' });
  t.equal(readDnsAnswer(Buffer.from((r.results[0] as { result: { abuf: string } }).result.abuf, 'base64')).nsid, EU.id);
});

t.test('HTTP: one GET per vantage point, an Atlas HTTP result carrying the body', async (t) => {
  const url = await startHttpOrigin(t, EU);
  const r = await sweep({ protocol: 'http', target: url, vantagePoints: vantage(3) });
  t.equal(r.answered, 3);
  t.match(r.results[1], { type: 'http', prb_id: 9001, from: '127.0.1.2', uri: url, result: [{ res: 200, method: 'GET', src_addr: '127.0.1.2', body: `hostname: ${EU.id}\n` }] });
  t.same(atlasTable(r.run).regions, { 'eu-central-1': { count: 3, share: 1 } });
});

t.test('no answer: an Atlas error per vantage point, never a throw', async (t) => {
  const port = await closedPort();
  const silent = await udpServer(t, () => {});
  const refused = await sweep({ protocol: 'dns', target: `127.0.0.1:${port}`, vantagePoints: vantage(2), timeoutMs: 1000 });
  t.equal(refused.answered, 0);
  t.match(refused.results[0], { error: { socket: /ECONNREFUSED/ } });
  const timeout = await sweep({ protocol: 'dns', target: `127.0.0.1:${silent}`, vantagePoints: vantage(2), timeoutMs: 100 });
  t.match(timeout.results[0], { error: { timeout: 100 } });
  t.same(atlasTable(timeout.run), { probes: 2, regions: {}, unknown: 2 });
  const http = await sweep({ protocol: 'http', target: `http://127.0.0.1:${port}/`, vantagePoints: vantage(1) });
  t.match(http.results[0], { type: 'http', result: [{ err: /ECONNREFUSED/ }] });
  t.equal(http.answered, 0);
});

t.test('options: target matches the protocol; vantage points are checked', async (t) => {
  await t.rejects(sweep({ protocol: 'http', target: '127.0.0.1:53', vantagePoints: vantage(1) }), { option: 'target', message: /^target must be an http:\/\/ or https:\/\/ URL for protocol http/ });
  await t.rejects(sweep({ protocol: 'dns', target: 'http://127.0.0.1/', vantagePoints: vantage(1) }), { option: 'target', message: /for protocol dns/ });
  await t.rejects(sweep({ protocol: 'dns', target: '127.0.0.1', vantagePoints: [] }), { code: 'PROBE_ERR_INVALID_OPTION', option: 'vantagePoints' });
  await t.rejects(sweep({ protocol: 'dns', target: '127.0.0.1', vantagePoints: [{ id: 1, address: 'tokyo', latitude: 0, longitude: 0 }] }), { code: 'PROBE_ERR_INVALID_OPTION', message: /^vantagePoints/ });
});
