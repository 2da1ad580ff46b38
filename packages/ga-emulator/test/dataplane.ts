/**
 * The data plane with real origins behind it: the seed's experiment on one machine. DNS
 * origins answer `id.server` with their identity, so every flow says which endpoint served it;
 * HTTP origins echo the client address in /json; the DNS origin's whoami.<zone> does the same.
 */
import t from 'tap';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { FLOW_CHANNEL } from '../src/index.js';
import type { Emulator } from '../src/index.js';
import {
  build, dnsOrigin, entryOf, firstTxt, httpGet, httpOrigin, onTcpBackend, pool, query, startEmulator, tally, TCP_BACKENDS, udpAsk, waitFor,
} from './fixtures/lab.js';
import type { Origin } from './fixtures/lab.js';

const BERLIN = { lat: 52.52, lon: 13.4 };
/** Berlin vantages: each subtest sends from its own, so flows of an earlier subtest (kept until idle) do not count. */
const BERLINERS = Array.from({ length: 8 }, (_, i) => `127.41.0.${i + 1}`);
const CLIENT = BERLINERS[0] as string;

/** `n` UDP flows (a new source port each) from `address`: the region of the origin that answered each. */
async function udpFlows(emulator: Emulator, acceleratorArn: string, n: number, address = CLIENT): Promise<Map<string, number>> {
  const entry = entryOf(emulator, acceleratorArn, 'UDP', 53);
  const ids = await pool(n, 48, async () => firstTxt(await udpAsk(entry, query('id.server'), { address })));
  return tally(ids);
}

const regionOf = (id: string) => id.slice(id.indexOf('.') + 1, -1);
const byRegion = (ids: Map<string, number>) => {
  const m = new Map<string, number>();
  for (const [id, n] of ids) m.set(regionOf(id), (m.get(regionOf(id)) ?? 0) + n);
  return m;
};

async function update(emulator: Emulator, groupArn: string, input: Record<string, unknown>, acceleratorArn: string): Promise<void> {
  await emulator.call('UpdateEndpointGroup', { EndpointGroupArn: groupArn, ...input });
  await emulator.deployed(acceleratorArn);
}

t.test('dials, weights, failover and fail-open over 10,000 UDP flows to real DNS origins', async (t) => {
  const emulator = await startEmulator(t, { addressPool: '127.41.128.0/24', vantages: BERLINERS.map((address) => ({ address, ...BERLIN, name: 'berlin' })), udp: { maxFlows: 12_000, idleTimeoutSeconds: 5 } });
  const o: Origin[] = [];
  const regions = ['eu-central-1', 'eu-central-1', 'us-east-1', 'us-east-1', 'us-west-2', 'ap-southeast-1', 'sa-east-1'];
  for (const [i, region] of regions.entries()) o.push(await dnsOrigin(t, i + 1, region, `127.41.1.${i + 1}`));
  const [fra1, fra2, iad1, iad2, pdx, sin, gru] = o as [Origin, Origin, Origin, Origin, Origin, Origin, Origin];
  const built = await build(emulator, [{
    protocol: 'UDP', port: 53, groups: [
      { region: 'eu-central-1', endpoints: [{ origin: fra1 }, { origin: fra2 }] },
      { region: 'us-east-1', endpoints: [{ origin: iad1 }, { origin: iad2 }] },
      { region: 'us-west-2', endpoints: [{ origin: pdx }] },
      { region: 'ap-southeast-1', endpoints: [{ origin: sin }] },
      { region: 'sa-east-1', endpoints: [{ origin: gru }] },
    ],
  }]);
  const acc = built.acceleratorArn;
  const groups = built.listeners[0]?.groups as Map<string, string>;
  const group = (r: string) => groups.get(r) as string;

  await t.test('dial 100: every flow stays in the closest Region', async (t) => {
    const got = byRegion(await udpFlows(emulator, acc, 500));
    t.same([...got.keys()], ['eu-central-1']);
  });

  await t.test('dial 50 moves 50% +- 2% of 10,000 flows to the next closest group', async (t) => {
    await update(emulator, group('eu-central-1'), { TrafficDialPercentage: 50 }, acc);
    const got = byRegion(await udpFlows(emulator, acc, 10_000, BERLINERS[1]));
    const moved = (got.get('us-east-1') ?? 0) / 10_000;
    t.ok(Math.abs(moved - 0.5) <= 0.02, `${(moved * 100).toFixed(2)}% went to us-east-1`);
    t.equal((got.get('eu-central-1') ?? 0) + (got.get('us-east-1') ?? 0), 10_000, 'nothing went further');
    await update(emulator, group('eu-central-1'), { TrafficDialPercentage: 100 }, acc);
  });

  await t.test('weights 1:3 split a group 25/75 +- 2% of 10,000 flows', async (t) => {
    await update(emulator, group('eu-central-1'), { EndpointConfigurations: [{ EndpointId: fra1.instanceId, Weight: 1 }, { EndpointId: fra2.instanceId, Weight: 3 }] }, acc);
    const got = await udpFlows(emulator, acc, 10_000, BERLINERS[2]);
    const share = (got.get(fra1.id) ?? 0) / 10_000;
    t.ok(Math.abs(share - 0.25) <= 0.02, `weight 1 of 1:3 took ${(share * 100).toFixed(2)}%`);
    t.equal((got.get(fra1.id) ?? 0) + (got.get(fra2.id) ?? 0), 10_000);
  });

  await t.test('failover: next closest groups in proximity order, dials ignored, three at most; then fail-open', async (t) => {
    // us-east-1 at dial 0: failover still picks it (AWS: "the endpoint group chosen for failover might be one that has a traffic dial set to zero").
    await update(emulator, group('us-east-1'), { TrafficDialPercentage: 0 }, acc);
    const zero = (g: string, eps: Origin[]) => update(emulator, group(g), { EndpointConfigurations: eps.map((e) => ({ EndpointId: e.instanceId, Weight: 0 })) }, acc);
    await zero('eu-central-1', [fra1, fra2]);
    t.same([...byRegion(await udpFlows(emulator, acc, 300, BERLINERS[3])).keys()], ['us-east-1'], 'eu-central-1 has no endpoint with weight > 0: us-east-1, dial 0 or not');
    await zero('us-east-1', [iad1, iad2]);
    t.same([...byRegion(await udpFlows(emulator, acc, 300, BERLINERS[4])).keys()], ['us-west-2'], 'then us-west-2');
    await zero('us-west-2', [pdx]);
    t.same([...byRegion(await udpFlows(emulator, acc, 300, BERLINERS[5])).keys()], ['ap-southeast-1'], 'then ap-southeast-1, the third group tried');
    await zero('ap-southeast-1', [sin]);
    // sa-east-1 is healthy but fifth: beyond the three tries. Fail open to a random endpoint of the closest group.
    const open = await udpFlows(emulator, acc, 2000, BERLINERS[6]);
    t.same([...byRegion(open).keys()], ['eu-central-1'], 'fail open to the closest group, not to the fifth');
    t.ok(Math.abs((open.get(fra1.id) ?? 0) / 2000 - 0.5) < 0.05, 'a random endpoint of it (uniform, weights ignored)');
    const eps = emulator.state().accelerators[0]?.listeners[0]?.endpointGroups.find((g) => g.region === 'eu-central-1')?.endpoints ?? [];
    t.ok(eps.every((e) => e.counters.byVia['fail-open'] > 0), 'counted as fail-open');
  });
});

t.test('client affinity: SOURCE_IP keeps a client on one endpoint, NONE spreads its flows', async (t) => {
  const emulator = await startEmulator(t, { addressPool: '127.42.128.0/24', udp: { maxFlows: 1024, idleTimeoutSeconds: 5 } });
  const a = await dnsOrigin(t, 11, 'us-west-2', '127.42.1.1');
  const b = await dnsOrigin(t, 12, 'us-west-2', '127.42.1.2');
  const c = await dnsOrigin(t, 13, 'us-west-2', '127.42.1.3');
  const none = await build(emulator, [{ protocol: 'UDP', port: 53, groups: [{ region: 'us-west-2', endpoints: [{ origin: a }, { origin: b }, { origin: c }] }] }], 'none');
  const sticky = await build(emulator, [{ protocol: 'UDP', port: 53, affinity: 'SOURCE_IP', groups: [{ region: 'us-west-2', endpoints: [{ origin: a }, { origin: b }, { origin: c }] }] }], 'sticky');
  t.equal((await udpFlows(emulator, none.acceleratorArn, 300, '127.42.2.1')).size, 3, 'NONE: one client\'s flows reach every endpoint');
  const perClient: number[] = [];
  const endpoints = new Set<string>();
  for (let i = 1; i <= 20; i++) {
    const got = await udpFlows(emulator, sticky.acceleratorArn, 30, `127.42.2.${i}`);
    perClient.push(got.size);
    for (const k of got.keys()) endpoints.add(k);
  }
  t.same([...new Set(perClient)], [1], 'SOURCE_IP: every client stays on one endpoint across source ports');
  t.equal(endpoints.size, 3, 'and clients spread over the endpoints');
});

for (const tcpBackend of TCP_BACKENDS) t.test(`flows keep their endpoint through dial, weight and health changes; only new flows move (tcpBackend ${tcpBackend})`, onTcpBackend(tcpBackend), async (t) => {
  const emulator = await startEmulator(t, { tcpBackend, addressPool: '127.43.128.0/24', vantages: [{ address: '127.43.2.1', ...BERLIN }] });
  const fraHttp = await httpOrigin(t, 21, 'eu-central-1', '127.43.1.1');
  const iadHttp = await httpOrigin(t, 22, 'us-east-1', '127.43.1.2');
  const fraDns = await dnsOrigin(t, 21, 'eu-central-1', '127.43.1.1');
  const iadDns = await dnsOrigin(t, 22, 'us-east-1', '127.43.1.2');
  const built = await build(emulator, [
    { protocol: 'TCP', port: 80, groups: [{ region: 'eu-central-1', endpoints: [{ origin: fraHttp }] }, { region: 'us-east-1', endpoints: [{ origin: iadHttp }] }] },
    { protocol: 'UDP', port: 53, groups: [{ region: 'eu-central-1', endpoints: [{ origin: fraDns }] }, { region: 'us-east-1', endpoints: [{ origin: iadDns }] }] },
  ]);
  const acc = built.acceleratorArn;
  const tcpEntry = entryOf(emulator, acc, 'TCP', 80);
  const udpEntry = entryOf(emulator, acc, 'UDP', 53);

  // A keep-alive HTTP connection and a UDP flow (one fixed source port), both in eu-central-1.
  const conn: Socket = connect({ host: tcpEntry.address, port: tcpEntry.port as number, localAddress: '127.43.2.1' });
  t.teardown(() => conn.destroy());
  await new Promise<void>((r) => conn.once('connect', () => r()));
  const ask = (): Promise<string> => new Promise((resolve) => {
    let raw = '';
    const onData = (d: Buffer) => {
      raw += d.toString();
      const m = /\r\n\r\n(hostname: \S+)\n/.exec(raw);
      if (m?.[1]) {
        conn.off('data', onData);
        resolve(m[1]);
      }
    };
    conn.on('data', onData);
    conn.write('GET / HTTP/1.1\r\nHost: lab\r\n\r\n');
  });
  const udp = createSocket('udp4');
  t.teardown(() => udp.close());
  await new Promise<void>((r) => udp.bind({ address: '127.43.2.1', port: 0 }, () => r()));
  const askUdp = (): Promise<string> => new Promise((resolve) => {
    udp.once('message', (m) => resolve(firstTxt(m)));
    udp.send(query('id.server'), udpEntry.port as number, udpEntry.address);
  });
  t.equal(await ask(), `hostname: ${fraHttp.id}`);
  t.equal(await askUdp(), fraDns.id);

  const [tcpGroups, udpGroups] = built.listeners.map((l) => l.groups) as [Map<string, string>, Map<string, string>];
  for (const g of [tcpGroups.get('eu-central-1'), udpGroups.get('eu-central-1')]) {
    await emulator.call('UpdateEndpointGroup', { EndpointGroupArn: g, TrafficDialPercentage: 0 });
    await emulator.deployed(acc);
  }
  t.equal(await ask(), `hostname: ${fraHttp.id}`, 'dial 0: the open TCP connection stays');
  t.equal(await askUdp(), fraDns.id, 'dial 0: the UDP flow stays');
  t.match((await httpGet(tcpEntry, '/', '127.43.2.1')).body, iadHttp.id, 'a new TCP flow goes to us-east-1');
  t.equal(firstTxt(await udpAsk(udpEntry, query('id.server'), { address: '127.43.2.1' })), iadDns.id, 'a new UDP flow too');

  await emulator.call('UpdateEndpointGroup', { EndpointGroupArn: tcpGroups.get('eu-central-1'), TrafficDialPercentage: 100, EndpointConfigurations: [{ EndpointId: fraHttp.instanceId, Weight: 0 }] });
  await emulator.deployed(acc);
  t.equal(await ask(), `hostname: ${fraHttp.id}`, 'weight 0: still the same connection and endpoint');

  await iadHttp.close();
  await waitFor(() => emulator.state().accelerators[0]?.listeners[0]?.endpointGroups.find((g) => g.region === 'us-east-1')?.endpoints[0]?.health === 'UNHEALTHY', 5000, 'us-east-1 UNHEALTHY');
  t.equal(await ask(), `hostname: ${fraHttp.id}`, 'health changes elsewhere do not move it either');
  t.equal(emulator.state().activeFlows.tcp, 1);
});

for (const tcpBackend of TCP_BACKENDS) t.test(`client IP preservation: the endpoint sees the client's address (on) or the entry's (off) (tcpBackend ${tcpBackend})`, onTcpBackend(tcpBackend), async (t) => {
  const emulator = await startEmulator(t, { tcpBackend, addressPool: '127.44.128.0/24' });
  const http = await httpOrigin(t, 31, 'us-west-2', '127.44.1.1');
  const dns = await dnsOrigin(t, 31, 'us-west-2', '127.44.1.1');
  for (const preserve of [true, false]) {
    const built = await build(emulator, [
      { protocol: 'TCP', port: 80, groups: [{ region: 'us-west-2', endpoints: [{ origin: http, preserve }] }] },
      { protocol: 'UDP', port: 53, groups: [{ region: 'us-west-2', endpoints: [{ origin: dns, preserve }] }] },
    ], `preserve-${preserve}`);
    const tcpEntry = entryOf(emulator, built.acceleratorArn, 'TCP', 80);
    const udpEntry = entryOf(emulator, built.acceleratorArn, 'UDP', 53);
    const client = '127.44.2.7';
    const json = JSON.parse((await httpGet(tcpEntry, '/json', client)).body) as { clientAddress: string };
    t.equal(json.clientAddress, preserve ? client : tcpEntry.address, `HTTP /json clientAddress with preservation ${preserve}`);
    const whoami = firstTxt(await udpAsk(udpEntry, query('whoami.lab.test', 'IN'), { address: client }));
    t.equal(whoami, preserve ? client : udpEntry.address, `DNS whoami.lab.test with preservation ${preserve}`);
  }
});

t.test('a new endpoint gets no traffic until it passes a health check', async (t) => {
  const emulator = await startEmulator(t, { addressPool: '127.45.128.0/24' });
  const up = await dnsOrigin(t, 41, 'us-west-2', '127.45.1.1');
  const late = await dnsOrigin(t, 42, 'us-west-2', '127.45.1.2');
  const port = late.port;
  await late.close();
  const built = await build(emulator, [{ protocol: 'UDP', port: 53, groups: [{ region: 'us-west-2', healthCheck: { intervalSeconds: 0.1, threshold: 3 }, endpoints: [{ origin: up }] }] }]);
  const group = built.listeners[0]?.groups.get('us-west-2') as string;
  const seen: string[] = [];
  const onFlow = (m: unknown) => seen.push((m as { endpointId: string }).endpointId);
  subscribe(FLOW_CHANNEL, onFlow);
  t.teardown(() => unsubscribe(FLOW_CHANNEL, onFlow));
  emulator.endpoints.register(late.instanceId, { address: late.address, region: 'us-west-2', ports: { 53: port } });
  await emulator.call('AddEndpoints', { EndpointGroupArn: group, EndpointConfigurations: [{ EndpointId: late.instanceId, Weight: 255 }] });
  await emulator.deployed(built.acceleratorArn);
  const entry = entryOf(emulator, built.acceleratorArn, 'UDP', 53);
  await udpFlows(emulator, built.acceleratorArn, 200, '127.45.2.1');
  t.notOk(seen.includes(late.instanceId), 'INITIAL (and then UNHEALTHY): no flow');
  const relit = await dnsOrigin(t, 42, 'us-west-2', '127.45.1.2', port);
  await waitFor(() => emulator.state().accelerators[0]?.listeners[0]?.endpointGroups[0]?.endpoints.find((e) => e.id === relit.instanceId)?.health === 'HEALTHY', 5000, 'HEALTHY');
  const ids = await pool(200, 32, async () => firstTxt(await udpAsk(entry, query('id.server'), { address: '127.45.2.2' })));
  t.ok(ids.filter((i) => i === relit.id).length > 100, 'once healthy it takes its weight\'s share (255 of 383)');
});

for (const tcpBackend of TCP_BACKENDS) t.test(`floods: new UDP flows beyond the limit, idle TCP connections beyond the limit, oversized datagrams (tcpBackend ${tcpBackend})`, onTcpBackend(tcpBackend), async (t) => {
  const emulator = await startEmulator(t, { tcpBackend, addressPool: '127.46.128.0/24', udp: { maxFlows: 50, maxDatagramBytes: 1200 }, tcp: { maxConnections: 40 } });
  const http = await httpOrigin(t, 51, 'us-west-2', '127.46.1.1');
  const dns = await dnsOrigin(t, 51, 'us-west-2', '127.46.1.1');
  const built = await build(emulator, [
    { protocol: 'TCP', port: 80, groups: [{ region: 'us-west-2', endpoints: [{ origin: http }] }] },
    { protocol: 'UDP', port: 53, groups: [{ region: 'us-west-2', endpoints: [{ origin: dns }] }] },
  ]);
  const tcpEntry = entryOf(emulator, built.acceleratorArn, 'TCP', 80);
  const udpEntry = entryOf(emulator, built.acceleratorArn, 'UDP', 53);

  const flood = createSocket('udp4');
  t.teardown(() => flood.close());
  await new Promise<void>((r) => flood.bind({ address: '127.46.2.1', port: 0 }, () => r()));
  const senders = await pool(300, 50, async (i) => {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind({ address: `127.46.3.${(i % 250) + 1}`, port: 0 }, () => r()));
    s.send(query('id.server'), udpEntry.port as number, udpEntry.address);
    return s;
  });
  t.teardown(() => senders.forEach((s) => s.close()));
  flood.send(Buffer.alloc(4000, 1), udpEntry.port as number, udpEntry.address);
  flood.send(Buffer.alloc(65_507, 2), udpEntry.port as number, udpEntry.address);
  await waitFor(() => emulator.state().drops.oversized === 2, 2000, 'two oversized datagrams dropped');
  t.ok(emulator.state().activeFlows.udp <= 50, 'UDP flows stay within udp.maxFlows');
  t.ok(emulator.state().drops.evicted >= 250, `old flows were evicted (${emulator.state().drops.evicted})`);
  t.equal(firstTxt(await udpAsk(udpEntry, query('id.server'), { address: '127.46.2.2' })), dns.id, 'UDP still serves');

  const idle: Socket[] = [];
  t.teardown(() => idle.forEach((s) => s.destroy()));
  for (let i = 0; i < 100; i++) {
    const s = connect({ host: tcpEntry.address, port: tcpEntry.port as number, localAddress: '127.46.4.1' });
    s.on('error', () => undefined);
    idle.push(s);
  }
  await Promise.all(idle.map((s) => new Promise((r) => { s.once('connect', r); s.once('close', r); })));
  await waitFor(() => emulator.state().activeFlows.tcp <= 40, 2000, 'TCP connections within tcp.maxConnections');
  const half = connect({ host: tcpEntry.address, port: tcpEntry.port as number, localAddress: '127.46.4.2' });
  half.on('error', () => undefined);
  t.teardown(() => half.destroy());
  half.end('GET /json HTTP/1.1\r\nHost: lab\r\n'); // half a request, then FIN
  t.match((await httpGet(tcpEntry, '/', '127.46.4.3')).body, `hostname: ${http.id}`, 'TCP still serves');
});
