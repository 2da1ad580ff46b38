/**
 * The emulator object: lifecycle (start, close leaving nothing bound, wrong-state calls), the
 * port map of the entries, entries that cannot be bound, disabled accelerators, listener ranges
 * beyond maxBoundPorts, the deploy channel and the state snapshot.
 */
import t from 'tap';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { ApiError, BindError, DEPLOY_CHANNEL, ERROR_CHANNEL, InvalidStateError, createEmulator } from '../src/index.js';
import type { Emulator, EntryInfo } from '../src/index.js';
import { build, dnsOrigin, httpGet, httpOrigin, instanceId, onTcpBackend, startEmulator, TCP_BACKENDS } from './fixtures/lab.js';

type Out = Record<string, Record<string, string>>;

function canBind(protocol: 'TCP' | 'UDP', address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (protocol === 'TCP') {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen({ host: address, port, exclusive: true }, () => s.close(() => resolve(true)));
    } else {
      const s = createSocket('udp4');
      s.once('error', () => {
        s.close();
        resolve(false);
      });
      s.bind({ address, port, exclusive: true }, () => s.close(() => resolve(true)));
    }
  });
}

t.test('wrong-state calls throw InvalidStateError', async (t) => {
  const e = createEmulator({ addressPool: '127.81.0.0/24' });
  t.throws(() => e.apiUrl, InvalidStateError);
  await t.rejects(e.call('ListAccelerators', {}), { code: 'GA_EMULATOR_ERR_INVALID_STATE' });
  t.throws(() => e.deployed(), InvalidStateError);
  await e.start();
  await t.rejects(e.start(), { code: 'GA_EMULATOR_ERR_INVALID_STATE', message: /start\(\)/ });
  await e.close();
  await e.close();
  await t.rejects(e.call('ListAccelerators', {}), InvalidStateError);
  t.throws(() => createEmulator({ port: -1 }), { code: 'GA_EMULATOR_ERR_INVALID_OPTION', option: 'port' });
});

t.test('start() on a taken port: BindError, nothing left bound', async (t) => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => taken.close());
  const port = (taken.address() as { port: number }).port;
  const e = createEmulator({ port });
  const err = await e.start().then(() => undefined, (x: unknown) => x);
  t.ok(err instanceof BindError);
  t.match((err as BindError).message, `cannot bind TCP 127.0.0.1:${port}: EADDRINUSE`);
  await e.close();
});

t.test('entries: the port map, a port that cannot be bound, disabling, ranges beyond maxBoundPorts; close() leaves nothing bound', async (t) => {
  const errors: unknown[] = [];
  const onError = (m: unknown) => errors.push((m as { error: unknown }).error);
  subscribe(ERROR_CHANNEL, onError);
  t.teardown(() => unsubscribe(ERROR_CHANNEL, onError));
  const statuses: string[] = [];
  const onDeploy = (m: unknown) => statuses.push((m as { status: string }).status);
  subscribe(DEPLOY_CHANNEL, onDeploy);
  t.teardown(() => unsubscribe(DEPLOY_CHANNEL, onDeploy));

  // 127.82.0.1/.2 are this test's own addresses: fixed ports on them collide with nobody.
  const e: Emulator = createEmulator({ addressPool: '127.82.0.0/24', deploySeconds: 0.02, portMap: { 8000: 0 }, maxBoundPorts: 4 });
  await e.start();
  t.teardown(() => e.close());
  const squatter = createServer();
  await new Promise<void>((r) => squatter.listen({ host: '127.82.0.2', port: 18080, exclusive: true }, () => r()));
  t.teardown(() => squatter.close());
  const acc = (await e.call('CreateAccelerator', { Name: 'ports', IdempotencyToken: 'p' }) as Out).Accelerator as Record<string, string>;
  await e.deployed();
  const listen = async (Protocol: string, FromPort: number, ToPort: number) => {
    await e.call('CreateListener', { AcceleratorArn: acc.AcceleratorArn, Protocol, PortRanges: [{ FromPort, ToPort }], IdempotencyToken: `${Protocol}${FromPort}` });
    await e.deployed();
  };
  await listen('TCP', 80, 80);
  await listen('UDP', 53, 53);
  await listen('TCP', 8000, 8000);
  await listen('UDP', 2000, 2009);
  const entries = e.entries(acc.AcceleratorArn);
  const find = (address: string, protocol: string, listenerPort: number) => entries.find((x) => x.address === address && x.protocol === protocol && x.listenerPort === listenerPort) as EntryInfo;
  t.equal(find('127.82.0.1', 'TCP', 80).port, 18080, 'privileged ports: + 18000');
  t.equal(find('127.82.0.1', 'UDP', 53).port, 18053);
  t.ok((find('127.82.0.1', 'TCP', 8000).port ?? 0) > 0 && find('127.82.0.1', 'TCP', 8000).port !== 8000, 'portMap 0: ephemeral');
  t.equal(find('127.82.0.2', 'TCP', 80).port, null, 'a taken port is not bound...');
  t.match(find('127.82.0.2', 'TCP', 80).error, 'cannot bind TCP 127.82.0.2:18080: EADDRINUSE', '...and says why');
  t.ok(errors.some((x) => x instanceof BindError), 'and a BindError is published on the error channel');
  const state = e.state().accelerators[0];
  const udpRange = state?.listeners.find((l) => l.ports.includes(2000));
  t.same(udpRange?.ports, [2000, 2001, 2002], 'maxBoundPorts 4 per protocol: 53 and three of the range');
  t.same(udpRange?.unboundPorts, [2003, 2004, 2005, 2006, 2007, 2008, 2009]);
  t.ok(await canBind('UDP', '127.82.0.1', 2005), 'unbound ports stay free');
  t.equal(state?.status, 'DEPLOYED');
  t.same(state?.addresses, ['127.82.0.1', '127.82.0.2']);

  await e.call('UpdateAccelerator', { AcceleratorArn: acc.AcceleratorArn, Enabled: false });
  await e.deployed();
  t.same(e.entries(acc.AcceleratorArn), [], 'a disabled accelerator has no entries');
  t.ok(await canBind('TCP', '127.82.0.1', 18080));
  await e.call('UpdateAccelerator', { AcceleratorArn: acc.AcceleratorArn, Enabled: true });
  await e.deployed();
  t.equal(find('127.82.0.1', 'TCP', 80).port, 18080);
  t.equal(e.entries(acc.AcceleratorArn).length, entries.length, 'enabled again: bound again');
  t.same([...new Set(statuses)].sort(), ['DEPLOYED', 'IN_PROGRESS']);

  const bound = e.entries().filter((x) => x.port !== null);
  await e.close();
  for (const x of bound) t.ok(await canBind(x.protocol, x.address, x.port as number), `${x.protocol} ${x.address}:${x.port} free after close()`);
  t.same(e.entries(), []);
});

t.test('deployed() of an unknown accelerator rejects; deletion is published', async (t) => {
  const e = await startEmulator(t, { addressPool: '127.83.0.0/24' });
  await t.rejects(e.deployed('arn:aws:globalaccelerator::123456789012:accelerator/00000000-0000-0000-0000-000000000000'), ApiError);
  const statuses: string[] = [];
  const on = (m: unknown) => statuses.push((m as { status: string }).status);
  subscribe(DEPLOY_CHANNEL, on);
  t.teardown(() => unsubscribe(DEPLOY_CHANNEL, on));
  const acc = (await e.call('CreateAccelerator', { Name: 'gone', IdempotencyToken: 'g', Enabled: false }) as Out).Accelerator as Record<string, string>;
  await e.deployed();
  await e.call('DeleteAccelerator', { AcceleratorArn: acc.AcceleratorArn });
  await e.deployed();
  t.same(statuses, ['IN_PROGRESS', 'DEPLOYED', 'DELETED']);
});

for (const tcpBackend of TCP_BACKENDS) t.test(`the state snapshot: deployed configuration, entries, endpoints with health and counters (tcpBackend ${tcpBackend})`, onTcpBackend(tcpBackend), async (t) => {
  const e = await startEmulator(t, { tcpBackend, addressPool: '127.84.0.0/24', vantages: [{ address: '127.84.2.1', lat: 48.86, lon: 2.35, name: 'paris', edge: 'CDG50' }] });
  const http = await httpOrigin(t, 1, 'eu-west-3', '127.84.1.1');
  const dns = await dnsOrigin(t, 1, 'eu-west-3', '127.84.1.1');
  const built = await build(e, [
    { protocol: 'TCP', port: 80, groups: [{ region: 'eu-west-3', endpoints: [{ origin: http, weight: 200 }] }] },
    { protocol: 'UDP', port: 53, groups: [{ region: 'eu-west-3', endpoints: [{ origin: dns }] }] },
  ]);
  const entry = e.entries(built.acceleratorArn).find((x) => x.protocol === 'TCP') as EntryInfo;
  t.match((await httpGet(entry, '/', '127.84.2.1')).body, http.id);
  const s = e.state();
  const acc = s.accelerators[0];
  t.same(s.tcpBackend, { kind: tcpBackend, fallback: undefined }, 'the TCP relay asked for');
  t.match(acc, { name: 'lab', status: 'DEPLOYED', enabled: true });
  const l = acc?.listeners.find((x) => x.protocol === 'TCP');
  t.equal(l?.entries.length, 2, 'one entry per static address');
  const g = l?.endpointGroups[0];
  t.match(g, { region: 'eu-west-3', trafficDial: 100, healthCheck: { protocol: 'HTTP', port: 80, path: '/healthz', threshold: 2 } });
  t.match(g?.endpoints[0], { id: instanceId(1), weight: 200, clientIpPreservation: true, health: 'HEALTHY', address: '127.84.1.1', counters: { flows: 1, byVia: { dial: 1 } } });
  t.ok((g?.endpoints[0]?.counters.bytesOut ?? 0) > 0);
  t.same(s.vantages, [{ address: '127.84.2.1', lat: 48.86, lon: 2.35, override: [], edge: 'CDG50', name: 'paris' }]);
  t.match(s.endpoints, [{ id: instanceId(1), address: '127.84.1.1', region: 'eu-west-3', ports: { 80: http.port, 53: dns.port } }]);
  t.same(s.defaultLocation, { lat: 45.52, lon: -122.68 });
  t.same(JSON.parse(JSON.stringify(s)).apiUrl, e.apiUrl, 'JSON-serializable');
  t.match(e.metrics(), /anycast_ga_emulator_flows_total\{accelerator="lab",listener="[0-9a-f]{8}",protocol="TCP",region="eu-west-3",endpoint="i-00000000000000001",via="dial"\} 1/);
  t.throws(() => e.vantages.set('not-an-ip', { lat: 0, lon: 0 }), { code: 'GA_EMULATOR_ERR_INVALID_ARGUMENT', argument: 'vantage.address' });
  t.throws(() => e.endpoints.register('i-1', { address: '127.0.0.1' }), { name: 'InvalidArgumentError', argument: 'endpoint.id' });
});
