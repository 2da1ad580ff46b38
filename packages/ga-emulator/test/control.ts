/**
 * The control plane's rules through emulator.call() (in-process; test/api/*.ts goes through
 * HTTP with the SDK and the AWS CLI): resources, defaults, quotas, the port-range and
 * port-override rules, transactions in progress, idempotency, pagination, tags.
 */
import t from 'tap';
import type { Test } from 'tap';
import { ApiError } from '../src/index.js';
import type { Emulator } from '../src/index.js';
import { instanceId, startEmulator } from './fixtures/lab.js';

type Out = Record<string, unknown>;
const obj = (x: unknown) => x as Record<string, unknown>;

async function rejects(t: Test, p: Promise<unknown>, awsName: string, message?: RegExp | string): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  t.ok(err instanceof ApiError, `${awsName}: rejected with ApiError`);
  t.equal((err as ApiError).awsName, awsName, `${awsName}: ${(err as Error)?.message}`);
  t.equal((err as ApiError).code, 'GA_EMULATOR_ERR_API');
  if (message) t.match((err as Error).message, message);
}

const token = () => `${Math.random()}`;

async function accelerator(e: Emulator, input: Out = {}): Promise<Out> {
  const acc = obj(obj(await e.call('CreateAccelerator', { Name: 'acc', IdempotencyToken: token(), ...input })).Accelerator);
  await e.deployed(acc.AcceleratorArn as string);
  return acc;
}
async function listener(e: Emulator, acc: Out, input: Out = {}): Promise<Out> {
  const l = obj(obj(await e.call('CreateListener', { AcceleratorArn: acc.AcceleratorArn, Protocol: 'TCP', PortRanges: [{ FromPort: 80, ToPort: 80 }], IdempotencyToken: token(), ...input })).Listener);
  await e.deployed(acc.AcceleratorArn as string);
  return l;
}
async function group(e: Emulator, acc: Out, l: Out, input: Out = {}): Promise<Out> {
  const g = obj(obj(await e.call('CreateEndpointGroup', { ListenerArn: l.ListenerArn, EndpointGroupRegion: 'us-west-2', IdempotencyToken: token(), ...input })).EndpointGroup);
  await e.deployed(acc.AcceleratorArn as string);
  return g;
}

t.test('accelerators: shapes like AWS\'s, IN_PROGRESS then DEPLOYED, addresses from the pool, BYOIP loopback only', async (t) => {
  const e = await startEmulator(t, { addressPool: '127.51.0.0/24', deploySeconds: 0.2 });
  const created = obj(obj(await e.call('CreateAccelerator', { Name: 'my-acc.1', IdempotencyToken: 'a', Tags: [{ Key: 'k', Value: 'v' }] })).Accelerator);
  t.match(created.AcceleratorArn, /^arn:aws:globalaccelerator::123456789012:accelerator\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  t.match(created.DnsName, /^a[0-9a-f]{16}\.awsglobalaccelerator\.com$/);
  t.same(created.IpSets, [{ IpFamily: 'IPv4', IpAddresses: ['127.51.0.1', '127.51.0.2'], IpAddressFamily: 'IPv4' }]);
  t.equal(created.Status, 'IN_PROGRESS');
  t.equal(created.Enabled, true);
  t.equal(created.IpAddressType, 'IPV4');
  t.type(created.CreatedTime, 'number', 'timestamps as epoch seconds (AWS JSON 1.1)');
  const again = obj(obj(await e.call('CreateAccelerator', { Name: 'my-acc.1', IdempotencyToken: 'a' })).Accelerator);
  t.equal(again.AcceleratorArn, created.AcceleratorArn, 'a repeated IdempotencyToken returns the first result');
  await e.deployed();
  t.equal(obj(obj(await e.call('DescribeAccelerator', { AcceleratorArn: created.AcceleratorArn })).Accelerator).Status, 'DEPLOYED');
  const byoip = obj(obj(await e.call('CreateAccelerator', { Name: 'byoip', IdempotencyToken: 'b', IpAddresses: ['127.51.9.9'] })).Accelerator);
  t.same((byoip.IpSets as Out[])[0]?.IpAddresses, ['127.51.9.9', '127.51.0.3'], 'one given address, the second from the pool');
  await rejects(t, e.call('CreateAccelerator', { Name: 'x', IdempotencyToken: 'c', IpAddresses: ['192.0.2.1'] }), 'InvalidArgumentException', /loopback/);
  await rejects(t, e.call('CreateAccelerator', { Name: 'x', IdempotencyToken: 'd', IpAddresses: ['127.51.9.9'] }), 'InvalidArgumentException', /already used/);
  await rejects(t, e.call('CreateAccelerator', { Name: '-bad', IdempotencyToken: 'e' }), 'InvalidArgumentException', /Name/);
  await rejects(t, e.call('CreateAccelerator', { Name: 'x', IdempotencyToken: 'f', IpAddressType: 'DUAL_STACK' }), 'InvalidArgumentException', /DUAL_STACK/);
  await rejects(t, e.call('CreateAccelerator', { IdempotencyToken: 'g' }), 'InvalidArgumentException', "Value null at 'name' failed to satisfy constraint: Member must not be null");
  await rejects(t, e.call('CreateAccelerator', { Name: 5, IdempotencyToken: 'h' }), 'SerializationException');
  await rejects(t, e.call('DescribeAccelerator', { AcceleratorArn: 'arn:aws:globalaccelerator::123456789012:accelerator/00000000-0000-0000-0000-000000000000' }), 'AcceleratorNotFoundException');
  await rejects(t, e.call('DescribeAccelerator', { AcceleratorArn: 'nonsense' }), 'InvalidArgumentException');
  await rejects(t, e.call('CreateCustomRoutingAccelerator', { Name: 'x', IdempotencyToken: 'i' }), 'UnsupportedOperationException');
  await rejects(t, e.call('MakeCoffee', {}), 'UnknownOperationException');
});

t.test('quota, update, disable and delete rules', async (t) => {
  const e = await startEmulator(t, { addressPool: '127.52.0.0/24', quotas: { accelerators: 2, listenersPerAccelerator: 1 } });
  const a = await accelerator(e);
  await accelerator(e);
  await rejects(t, e.call('CreateAccelerator', { Name: 'third', IdempotencyToken: token() }), 'LimitExceededException');
  const l = await listener(e, a);
  await rejects(t, e.call('CreateListener', { AcceleratorArn: a.AcceleratorArn, Protocol: 'UDP', PortRanges: [{ FromPort: 53, ToPort: 53 }], IdempotencyToken: token() }), 'LimitExceededException');
  await rejects(t, e.call('DeleteAccelerator', { AcceleratorArn: a.AcceleratorArn }), 'AcceleratorNotDisabledException');
  const updated = obj(obj(await e.call('UpdateAccelerator', { AcceleratorArn: a.AcceleratorArn, Enabled: false, Name: 'renamed' })).Accelerator);
  t.same([updated.Enabled, updated.Name, updated.Status], [false, 'renamed', 'IN_PROGRESS']);
  await e.deployed();
  await rejects(t, e.call('DeleteAccelerator', { AcceleratorArn: a.AcceleratorArn }), 'AssociatedListenerFoundException');
  await e.call('DeleteListener', { ListenerArn: l.ListenerArn });
  await e.deployed();
  t.same(await e.call('DeleteAccelerator', { AcceleratorArn: a.AcceleratorArn }), {});
  await rejects(t, e.call('DescribeAccelerator', { AcceleratorArn: a.AcceleratorArn }), 'AcceleratorNotFoundException');
  t.equal((obj(await e.call('ListAccelerators', {})).Accelerators as unknown[]).length, 1);
});

t.test('transactions in progress: all mutating calls, only the modeled ones, or none', async (t) => {
  for (const mode of ['all', 'modeled', 'off'] as const) {
    const e = await startEmulator(t, { addressPool: '127.53.0.0/24', deploySeconds: 30, transactionInProgress: mode });
    e.endpoints.register(instanceId(1), { address: '127.53.1.1' });
    const a = obj(obj(await e.call('CreateAccelerator', { Name: 'a', IdempotencyToken: token() })).Accelerator);
    const update = e.call('UpdateAccelerator', { AcceleratorArn: a.AcceleratorArn, Name: 'b' });
    if (mode === 'all') await rejects(t, update, 'TransactionInProgressException');
    else t.ok(await update, `${mode}: UpdateAccelerator goes through while IN_PROGRESS`);
    if (mode !== 'all') {
      const l = obj(obj(await e.call('CreateListener', { AcceleratorArn: a.AcceleratorArn, Protocol: 'TCP', PortRanges: [{ FromPort: 80, ToPort: 80 }], IdempotencyToken: token() })).Listener);
      const g = obj(obj(await e.call('CreateEndpointGroup', { ListenerArn: l.ListenerArn, EndpointGroupRegion: 'us-west-2', IdempotencyToken: token() })).EndpointGroup);
      const add = e.call('AddEndpoints', { EndpointGroupArn: g.EndpointGroupArn, EndpointConfigurations: [{ EndpointId: instanceId(1) }] });
      if (mode === 'modeled') await rejects(t, add, 'TransactionInProgressException');
      else t.ok(await add, 'off: AddEndpoints goes through too');
    }
    t.ok(await e.call('TagResource', { ResourceArn: a.AcceleratorArn, Tags: [{ Key: 'x', Value: 'y' }] }), 'tags never wait for a deployment');
    t.equal(obj(obj(await e.call('DescribeAccelerator', { AcceleratorArn: a.AcceleratorArn })).Accelerator).Status, 'IN_PROGRESS');
  }
});

t.test('listeners: port ranges checked, overlaps refused per protocol, ClientAffinity default NONE', async (t) => {
  const e = await startEmulator(t, { addressPool: '127.54.0.0/24' });
  const a = await accelerator(e);
  const l = await listener(e, a, { PortRanges: [{ FromPort: 80, ToPort: 81 }, { FromPort: 443, ToPort: 443 }] });
  t.same([l.Protocol, l.ClientAffinity, l.PortRanges], ['TCP', 'NONE', [{ FromPort: 80, ToPort: 81 }, { FromPort: 443, ToPort: 443 }]]);
  t.match(l.ListenerArn, new RegExp(`^${a.AcceleratorArn as string}/listener/[0-9a-f]{8}$`));
  await rejects(t, e.call('CreateListener', { AcceleratorArn: a.AcceleratorArn, Protocol: 'TCP', PortRanges: [{ FromPort: 81, ToPort: 90 }], IdempotencyToken: token() }), 'InvalidPortRangeException', /overlaps/);
  t.ok(await listener(e, a, { Protocol: 'UDP', PortRanges: [{ FromPort: 80, ToPort: 80 }] }), 'the same port over UDP is another listener');
  await rejects(t, e.call('CreateListener', { AcceleratorArn: a.AcceleratorArn, Protocol: 'TCP', PortRanges: [{ FromPort: 9, ToPort: 8 }], IdempotencyToken: token() }), 'InvalidPortRangeException');
  await rejects(t, e.call('CreateListener', { AcceleratorArn: a.AcceleratorArn, Protocol: 'SCTP', PortRanges: [{ FromPort: 7, ToPort: 7 }], IdempotencyToken: token() }), 'InvalidArgumentException', /enum value set: \[TCP, UDP\]/);
  await rejects(t, e.call('CreateListener', { AcceleratorArn: a.AcceleratorArn, Protocol: 'TCP', PortRanges: [{ FromPort: 0, ToPort: 7 }], IdempotencyToken: token() }), 'InvalidArgumentException', /greater than or equal to 1/);
  await rejects(t, e.call('CreateListener', { AcceleratorArn: a.AcceleratorArn, Protocol: 'TCP', PortRanges: [], IdempotencyToken: token() }), 'InvalidArgumentException', /length greater than or equal to 1/);
  const u = obj(obj(await e.call('UpdateListener', { ListenerArn: l.ListenerArn, ClientAffinity: 'SOURCE_IP' })).Listener);
  t.same([u.ClientAffinity, u.PortRanges], ['SOURCE_IP', l.PortRanges], 'omitted members unchanged');
  await rejects(t, e.call('DescribeListener', { ListenerArn: `${a.AcceleratorArn as string}/listener/00000000` }), 'ListenerNotFoundException');
});

t.test('endpoint groups: defaults, one per Region, registry and Region checks, health-check rules, port overrides', async (t) => {
  const e = await startEmulator(t, { addressPool: '127.55.0.0/24', quotas: { endpointsPerGroup: 3 }, healthCheck: { minIntervalSeconds: 10 } });
  for (let i = 1; i <= 5; i++) e.endpoints.register(instanceId(i), { address: `127.55.1.${i}`, region: 'us-west-2' });
  e.endpoints.register('eipalloc-0123456789abcdef0', { address: '127.55.1.9' });
  e.endpoints.register(instanceId(9), { address: '127.55.1.10', region: 'eu-central-1' });
  const a = await accelerator(e);
  const l = await listener(e, a, { PortRanges: [{ FromPort: 80, ToPort: 80 }, { FromPort: 8000, ToPort: 8001 }] });
  const g = await group(e, a, l, { EndpointConfigurations: [{ EndpointId: instanceId(1) }] });
  t.same({ ...g, EndpointGroupArn: undefined }, {
    EndpointGroupArn: undefined,
    EndpointGroupRegion: 'us-west-2',
    EndpointDescriptions: [{ EndpointId: instanceId(1), Weight: 128, HealthState: 'INITIAL', HealthReason: 'Initial health checking', ClientIPPreservationEnabled: true }],
    TrafficDialPercentage: 100,
    HealthCheckPort: 80,
    HealthCheckProtocol: 'TCP',
    HealthCheckIntervalSeconds: 30,
    ThresholdCount: 3,
    PortOverrides: [],
  }, 'AWS\'s defaults: weight 128, dial 100, TCP on the first listener port, every 30 s, threshold 3, EC2 preservation on');
  t.match(g.EndpointGroupArn, new RegExp(`^${l.ListenerArn as string}/endpoint-group/[0-9a-f]{12}$`));
  await rejects(t, e.call('CreateEndpointGroup', { ListenerArn: l.ListenerArn, EndpointGroupRegion: 'us-west-2', IdempotencyToken: token() }), 'EndpointGroupAlreadyExistsException');
  await rejects(t, e.call('CreateEndpointGroup', { ListenerArn: l.ListenerArn, EndpointGroupRegion: 'mars-north-1', IdempotencyToken: token() }), 'InvalidArgumentException');
  await rejects(t, e.call('CreateEndpointGroup', { ListenerArn: l.ListenerArn, EndpointGroupRegion: 'eu-central-1', IdempotencyToken: token(), EndpointConfigurations: [{ EndpointId: instanceId(1) }] }), 'InvalidArgumentException', /is in us-west-2/);
  await rejects(t, e.call('CreateEndpointGroup', { ListenerArn: l.ListenerArn, EndpointGroupRegion: 'eu-central-1', IdempotencyToken: token(), EndpointConfigurations: [{ EndpointId: instanceId(7) }] }), 'InvalidArgumentException', /does not exist/);
  await rejects(t, e.call('CreateEndpointGroup', { ListenerArn: l.ListenerArn, EndpointGroupRegion: 'eu-central-1', IdempotencyToken: token(), TrafficDialPercentage: 100.5 }), 'InvalidArgumentException', /less than or equal to 100/);
  await rejects(t, e.call('CreateEndpointGroup', { ListenerArn: l.ListenerArn, EndpointGroupRegion: 'eu-central-1', IdempotencyToken: token(), HealthCheckIntervalSeconds: 20 }), 'InvalidArgumentException', /10 or 30/);
  await rejects(t, e.call('CreateEndpointGroup', { ListenerArn: l.ListenerArn, EndpointGroupRegion: 'eu-central-1', IdempotencyToken: token(), ThresholdCount: 11 }), 'InvalidArgumentException');
  await rejects(t, e.call('CreateEndpointGroup', { ListenerArn: l.ListenerArn, EndpointGroupRegion: 'eu-central-1', IdempotencyToken: token(), HealthCheckPath: 'no-slash' }), 'InvalidArgumentException', /pattern/);
  await rejects(t, e.call('CreateEndpointGroup', { ListenerArn: l.ListenerArn, EndpointGroupRegion: 'eu-central-1', IdempotencyToken: token(), EndpointConfigurations: [{ EndpointId: instanceId(9), Weight: 256 }] }), 'InvalidArgumentException', /255/);
  const eip = await group(e, a, l, { EndpointGroupRegion: 'eu-central-1', EndpointConfigurations: [{ EndpointId: 'eipalloc-0123456789abcdef0' }, { EndpointId: instanceId(9), Weight: 0 }] });
  t.same((eip.EndpointDescriptions as Out[]).map((d) => [d.ClientIPPreservationEnabled, d.Weight]), [[false, 128], [true, 0]], 'Elastic IPs do not preserve client IPs');
  await rejects(t, e.call('UpdateEndpointGroup', { EndpointGroupArn: eip.EndpointGroupArn, EndpointConfigurations: [{ EndpointId: 'eipalloc-0123456789abcdef0', ClientIPPreservationEnabled: true }] }), 'InvalidArgumentException', /not supported/);

  // UpdateEndpointGroup replaces EndpointConfigurations when given, keeps omitted members.
  const dialed = obj(obj(await e.call('UpdateEndpointGroup', { EndpointGroupArn: g.EndpointGroupArn, TrafficDialPercentage: 37.5, HealthCheckProtocol: 'HTTP', HealthCheckPath: '/healthz' })).EndpointGroup);
  t.same([dialed.TrafficDialPercentage, dialed.HealthCheckPath, (dialed.EndpointDescriptions as Out[]).length], [37.5, '/healthz', 1], 'omitted EndpointConfigurations: endpoints kept');
  await e.deployed();
  const replaced = obj(obj(await e.call('UpdateEndpointGroup', { EndpointGroupArn: g.EndpointGroupArn, EndpointConfigurations: [{ EndpointId: instanceId(2), Weight: 7 }] })).EndpointGroup);
  t.same((replaced.EndpointDescriptions as Out[]).map((d) => [d.EndpointId, d.Weight]), [[instanceId(2), 7]], 'given: the list replaces the old one');
  t.equal(replaced.TrafficDialPercentage, 37.5, 'and the dial stays');
  await e.deployed();
  const cleared = obj(obj(await e.call('UpdateEndpointGroup', { EndpointGroupArn: g.EndpointGroupArn, EndpointConfigurations: [] })).EndpointGroup);
  t.same(cleared.EndpointDescriptions, [], 'an empty list clears the group');
  await e.deployed();

  const added = obj(await e.call('AddEndpoints', { EndpointGroupArn: g.EndpointGroupArn, EndpointConfigurations: [{ EndpointId: instanceId(3) }, { EndpointId: instanceId(4), Weight: 1 }] }));
  t.same((added.EndpointDescriptions as Out[]).map((d) => d.EndpointId), [instanceId(3), instanceId(4)]);
  await e.deployed();
  await e.call('AddEndpoints', { EndpointGroupArn: g.EndpointGroupArn, EndpointConfigurations: [{ EndpointId: instanceId(4), Weight: 9 }] });
  await e.deployed();
  const after = obj(obj(await e.call('DescribeEndpointGroup', { EndpointGroupArn: g.EndpointGroupArn })).EndpointGroup);
  t.same((after.EndpointDescriptions as Out[]).map((d) => [d.EndpointId, d.Weight]), [[instanceId(3), 128], [instanceId(4), 9]], 'adding a present endpoint updates it');
  await rejects(t, e.call('AddEndpoints', { EndpointGroupArn: g.EndpointGroupArn, EndpointConfigurations: [{ EndpointId: instanceId(1) }, { EndpointId: instanceId(2) }] }), 'LimitExceededException');
  await e.call('RemoveEndpoints', { EndpointGroupArn: g.EndpointGroupArn, EndpointIdentifiers: [{ EndpointId: instanceId(3) }, { EndpointId: instanceId(5) }] });
  await e.deployed();
  t.same((obj(obj(await e.call('DescribeEndpointGroup', { EndpointGroupArn: g.EndpointGroupArn })).EndpointGroup).EndpointDescriptions as Out[]).map((d) => d.EndpointId), [instanceId(4)], 'removing an absent endpoint is not an error');

  // Port overrides: listener port of this listener, endpoint ports outside every listener range, no duplicates.
  const po = (PortOverrides: Out[]) => e.call('UpdateEndpointGroup', { EndpointGroupArn: g.EndpointGroupArn, PortOverrides });
  await rejects(t, po([{ ListenerPort: 81, EndpointPort: 8080 }]), 'InvalidArgumentException', /not a port of the listener/);
  await rejects(t, po([{ ListenerPort: 80, EndpointPort: 8001 }]), 'InvalidArgumentException', /inside a listener port range/);
  await rejects(t, po([{ ListenerPort: 80, EndpointPort: 9000 }, { ListenerPort: 8000, EndpointPort: 9000 }]), 'InvalidArgumentException');
  const ok = obj(obj(await po([{ ListenerPort: 80, EndpointPort: 8080 }])).EndpointGroup);
  t.same([ok.PortOverrides, ok.HealthCheckPort], [[{ ListenerPort: 80, EndpointPort: 8080 }], 80], 'the health check keeps the original port');
  await e.deployed();
  await e.call('DeleteEndpointGroup', { EndpointGroupArn: g.EndpointGroupArn });
  await rejects(t, e.call('DescribeEndpointGroup', { EndpointGroupArn: g.EndpointGroupArn }), 'EndpointGroupNotFoundException');
});

t.test('sub-10 s health-check intervals when the emulator allows them', async (t) => {
  const e = await startEmulator(t, { addressPool: '127.56.0.0/24', healthCheck: { minIntervalSeconds: 0.25 } });
  const a = await accelerator(e);
  const l = await listener(e, a);
  const g = await group(e, a, l, { HealthCheckIntervalSeconds: 0.5 });
  t.equal(g.HealthCheckIntervalSeconds, 0.5);
  t.ok(await e.call('UpdateEndpointGroup', { EndpointGroupArn: g.EndpointGroupArn, HealthCheckIntervalSeconds: 17 }), 'any value up to 30');
  await e.deployed();
  await rejects(t, e.call('UpdateEndpointGroup', { EndpointGroupArn: g.EndpointGroupArn, HealthCheckIntervalSeconds: 0.1 }), 'InvalidArgumentException', /0.25..30/);
  await rejects(t, e.call('UpdateEndpointGroup', { EndpointGroupArn: g.EndpointGroupArn, HealthCheckIntervalSeconds: 31 }), 'InvalidArgumentException');
});

t.test('pagination: MaxResults (default 10), NextToken bound to the list it came from', async (t) => {
  const e = await startEmulator(t, { addressPool: '127.57.0.0/24', deploySeconds: 0 });
  const arns: string[] = [];
  for (let i = 0; i < 12; i++) arns.push((await accelerator(e, { Name: `n${i}` })).AcceleratorArn as string);
  const first = obj(await e.call('ListAccelerators', {}));
  t.equal((first.Accelerators as unknown[]).length, 10, 'default page of 10');
  const second = obj(await e.call('ListAccelerators', { NextToken: first.NextToken }));
  t.same((second.Accelerators as Out[]).map((a) => a.AcceleratorArn), arns.slice(10));
  t.equal(second.NextToken, undefined, 'no token after the last page');
  const seen: string[] = [];
  let next: unknown;
  do {
    const page = obj(await e.call('ListAccelerators', { MaxResults: 5, ...(next ? { NextToken: next } : {}) }));
    seen.push(...(page.Accelerators as Out[]).map((a) => a.AcceleratorArn as string));
    next = page.NextToken;
  } while (next);
  t.same(seen, arns);
  await rejects(t, e.call('ListAccelerators', { NextToken: 'garbage' }), 'InvalidNextTokenException');
  const l = await listener(e, { AcceleratorArn: arns[0] });
  t.ok(l);
  await rejects(t, e.call('ListListeners', { AcceleratorArn: arns[0], NextToken: first.NextToken }), 'InvalidNextTokenException', undefined);
  await rejects(t, e.call('ListAccelerators', { MaxResults: 101 }), 'InvalidArgumentException');
});

t.test('tags: list, add, replace, remove; only accelerators', async (t) => {
  const e = await startEmulator(t, { addressPool: '127.58.0.0/24' });
  const a = await accelerator(e, { Tags: [{ Key: 'project', Value: 'anycast' }] });
  await e.call('TagResource', { ResourceArn: a.AcceleratorArn, Tags: [{ Key: 'env', Value: 'lab' }, { Key: 'project', Value: 'anycast-origin' }] });
  t.same(obj(await e.call('ListTagsForResource', { ResourceArn: a.AcceleratorArn })).Tags, [{ Key: 'project', Value: 'anycast-origin' }, { Key: 'env', Value: 'lab' }]);
  await e.call('UntagResource', { ResourceArn: a.AcceleratorArn, TagKeys: ['project', 'absent'] });
  t.same(obj(await e.call('ListTagsForResource', { ResourceArn: a.AcceleratorArn })).Tags, [{ Key: 'env', Value: 'lab' }]);
  const l = await listener(e, a);
  await rejects(t, e.call('TagResource', { ResourceArn: l.ListenerArn, Tags: [{ Key: 'a', Value: 'b' }] }), 'InvalidArgumentException', /Only accelerators/);
  await rejects(t, e.call('TagResource', { ResourceArn: a.AcceleratorArn, Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) }), 'LimitExceededException');
  await rejects(t, e.call('TagResource', { ResourceArn: a.AcceleratorArn, Tags: [{ Key: '', Value: 'v' }] }), 'InvalidArgumentException');
});

t.test('accelerator attributes: flow logs need a bucket; omitted members unchanged', async (t) => {
  const e = await startEmulator(t, { addressPool: '127.59.0.0/24' });
  const a = await accelerator(e);
  t.same(obj(await e.call('DescribeAcceleratorAttributes', { AcceleratorArn: a.AcceleratorArn })).AcceleratorAttributes, { FlowLogsEnabled: false });
  await rejects(t, e.call('UpdateAcceleratorAttributes', { AcceleratorArn: a.AcceleratorArn, FlowLogsEnabled: true }), 'InvalidArgumentException', /FlowLogsS3Bucket/);
  const out = obj(await e.call('UpdateAcceleratorAttributes', { AcceleratorArn: a.AcceleratorArn, FlowLogsEnabled: true, FlowLogsS3Bucket: 'logs-bucket', FlowLogsS3Prefix: 'ga/' }));
  t.same(out.AcceleratorAttributes, { FlowLogsEnabled: true, FlowLogsS3Bucket: 'logs-bucket', FlowLogsS3Prefix: 'ga/' });
  await e.deployed();
  await e.call('UpdateAcceleratorAttributes', { AcceleratorArn: a.AcceleratorArn, FlowLogsEnabled: false });
  t.same(obj(await e.call('DescribeAcceleratorAttributes', { AcceleratorArn: a.AcceleratorArn })).AcceleratorAttributes, { FlowLogsEnabled: false, FlowLogsS3Bucket: 'logs-bucket', FlowLogsS3Prefix: 'ga/' });
});
