/**
 * Reading the accelerator. Against the emulator: listings longer than a page (12 Regions on a
 * listener, 12 accelerators) are read whole. With aws-sdk-client-mock, answers the emulator
 * never gives: empty pages that go on, an empty NextToken that ends, a NextToken returned
 * twice, members left out (a listing's list, IpSets, DnsName, a weight, client IP
 * preservation, an ARN, an endpoint id): shown as null or [] where status can, an error where
 * a write would otherwise reset what it did not mean to change.
 */
import t from 'tap';
import type { Test } from 'tap';
import {
  DescribeAcceleratorCommand, GlobalAcceleratorClient, ListAcceleratorsCommand, ListEndpointGroupsCommand, ListListenersCommand, UpdateEndpointGroupCommand,
} from '@aws-sdk/client-global-accelerator';
import type { ListEndpointGroupsCommandOutput } from '@aws-sdk/client-global-accelerator';
import { mockClient } from 'aws-sdk-client-mock';
import { connect, readStatus, setDial, setWeight, status } from '../src/index.js';
import { connectTo, seed } from './fixtures/seed.js';

t.test('the emulator pages by 10: a listener with 12 Regions and an account with 13 accelerators are read whole', async (t) => {
  const s = await seed(t, { addressPool: '127.83.1.0/24', extraAccelerators: Array.from({ length: 12 }, (_, i) => `extra-${i}`) });
  const regions = ['eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-north-1', 'eu-south-1', 'ca-central-1', 'sa-east-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-south-1', 'me-south-1', 'af-south-1'];
  const listener = s.listenerArn.get('TCP:80') as string;
  for (const region of regions) {
    await s.emulator.call('CreateEndpointGroup', { ListenerArn: listener, EndpointGroupRegion: region, IdempotencyToken: region });
    await s.emulator.deployed();
  }
  const conn = await connectTo(t, { apiUrl: s.apiUrl, acceleratorArn: 'seed' });
  t.equal(conn.acceleratorArn, s.acceleratorArn, 'found by name on page 1');
  const last = await connectTo(t, { apiUrl: s.apiUrl, acceleratorArn: 'extra-11' });
  t.not(last.acceleratorArn, s.acceleratorArn, 'found by name on page 2');
  const st = await status(conn);
  t.equal(st.listeners[0]?.endpointGroups.length, 16);
  t.same(st.listeners[0]?.endpointGroups.slice(4).map((g) => [g.region, g.endpoints]), regions.map((r) => [r, []]));
  t.ok((s.emulator.state().api.ListEndpointGroups?.ok ?? 0) >= 4, 'two pages for the big listener');
  const r = await setDial(conn, { region: 'af-south-1', percent: 5 });
  t.same(r.changes.map((c) => [c.listener, c.region, c.after]), [['TCP:80', 'af-south-1', 5]], 'a group on the second page is steered');
});

function mocked(t: Test) {
  const client = new GlobalAcceleratorClient({ region: 'us-west-2', maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const mock = mockClient(client);
  t.teardown(() => {
    mock.restore();
    client.destroy();
  });
  return { client, mock };
}

const ACC = 'arn:aws:globalaccelerator::123456789012:accelerator/22222222-2222-2222-2222-222222222222';
const L1 = `${ACC}/listener/0000000a`;
const G1 = `${L1}/endpoint-group/00000000000b`;
const fastClock = { now: () => Date.now(), sleep: async () => {}, random: () => 0 };

t.test('odd pagination: empty pages that go on, an empty NextToken that ends, a NextToken twice', async (t) => {
  const { client, mock } = mocked(t);
  mock.on(ListAcceleratorsCommand).resolvesOnce({ Accelerators: [], NextToken: 'p2' }).resolvesOnce({ NextToken: 'p3' })
    .resolvesOnce({ Accelerators: [{ Name: 'only', AcceleratorArn: ACC }], NextToken: '' });
  const conn = await connect({}, { client, clock: fastClock });
  t.equal(conn.acceleratorArn, ACC, 'the only accelerator, on the third page');
  t.same(mock.commandCalls(ListAcceleratorsCommand).map((c) => c.args[0].input.NextToken), [undefined, 'p2', 'p3']);

  mock.on(DescribeAcceleratorCommand).resolves({ Accelerator: { AcceleratorArn: ACC, Name: 'only', Status: 'DEPLOYED' } });
  mock.on(ListListenersCommand).resolvesOnce({ Listeners: [{ ListenerArn: L1, Protocol: 'TCP', PortRanges: [{ FromPort: 80, ToPort: 81 }, { FromPort: 443, ToPort: 443 }] }], NextToken: 'again' })
    .resolves({ Listeners: [], NextToken: 'again' });
  mock.on(ListEndpointGroupsCommand).resolves({});
  await t.rejects(status(conn), { code: 'GACTL_ERR_INCOMPLETE_RESPONSE', message: 'ListListeners returned the same NextToken twice: the listing does not end' });

  mock.on(ListListenersCommand).resolves({ Listeners: [{ ListenerArn: L1, Protocol: 'TCP', PortRanges: [{ FromPort: 80, ToPort: 81 }, { FromPort: 443, ToPort: 443 }] }] });
  const st = await status(conn);
  t.same(st, {
    accelerator: { name: 'only', arn: ACC, status: 'DEPLOYED', enabled: null, ipAddresses: [], dnsName: null },
    listeners: [{ arn: L1, protocol: 'TCP', ports: [{ fromPort: 80, toPort: 81 }, { fromPort: 443, toPort: 443 }], clientAffinity: null, endpointGroups: [] }],
  }, 'members left out are null or []; a listing without its list is empty');
});

t.test('members left out: shown as null; a write that would reset them is refused before it is sent', async (t) => {
  const { client, mock } = mocked(t);
  mock.on(DescribeAcceleratorCommand).resolves({ Accelerator: { AcceleratorArn: ACC, Name: 'a', Status: 'DEPLOYED', Enabled: true, IpSets: [{ IpAddresses: ['192.0.2.1'] }, { IpAddresses: ['192.0.2.2'] }], DnsName: 'a.example' } });
  mock.on(ListListenersCommand).resolves({ Listeners: [{ ListenerArn: L1, Protocol: 'UDP', PortRanges: [{ FromPort: 53, ToPort: 53 }], ClientAffinity: 'SOURCE_IP' }] });
  const group = (endpoints: Record<string, unknown>[]): ListEndpointGroupsCommandOutput => ({
    $metadata: {}, EndpointGroups: [{ EndpointGroupArn: G1, EndpointGroupRegion: 'eu-central-1', TrafficDialPercentage: 100, EndpointDescriptions: endpoints }],
  });
  mock.on(ListEndpointGroupsCommand).resolves(group([
    { EndpointId: 'i-0aaaaaaaaaaaaaaaa', Weight: 128, HealthState: 'HEALTHY', ClientIPPreservationEnabled: true },
    { EndpointId: 'i-0bbbbbbbbbbbbbbbb', HealthState: 'HEALTHY', ClientIPPreservationEnabled: true },
  ]));
  mock.on(UpdateEndpointGroupCommand).resolves({});
  const conn = await connect({ accelerator: ACC }, { client, clock: fastClock });
  const st = await status(conn);
  t.same(st.accelerator.ipAddresses, ['192.0.2.1', '192.0.2.2']);
  t.same(st.listeners[0]?.endpointGroups[0]?.healthCheck, { protocol: null, port: null, path: null, intervalSeconds: null, thresholdCount: null });
  t.same(st.listeners[0]?.endpointGroups[0]?.endpoints[1], { id: 'i-0bbbbbbbbbbbbbbbb', weight: null, healthState: 'HEALTHY', healthReason: null, clientIpPreservation: true });
  await t.rejects(setWeight(conn, { endpointId: 'i-0aaaaaaaaaaaaaaaa', weight: 1 }), {
    code: 'GACTL_ERR_INCOMPLETE_RESPONSE', message: 'the API gave no Weight for i-0bbbbbbbbbbbbbbbb in eu-central-1: rewriting the group\'s endpoint list would reset it, so gactl does not',
  });
  mock.on(ListEndpointGroupsCommand).resolves(group([{ EndpointId: 'i-0aaaaaaaaaaaaaaaa', Weight: 128 }, { EndpointId: 'i-0bbbbbbbbbbbbbbbb', Weight: 128, ClientIPPreservationEnabled: false }]));
  await t.rejects(setWeight(conn, { endpointId: 'i-0bbbbbbbbbbbbbbbb', weight: 1 }), { message: /^the API gave no ClientIPPreservationEnabled for i-0aaaaaaaaaaaaaaaa in eu-central-1: / });
  t.equal(mock.commandCalls(UpdateEndpointGroupCommand).length, 0, 'nothing sent');
  // A dial does not send the endpoint list: it goes through.
  // (resolvesOnce counts from the stub's first call ever, so a counter of our own)
  let reads = 0;
  mock.on(ListEndpointGroupsCommand).callsFake(() => {
    const g = group([{ EndpointId: 'i-0aaaaaaaaaaaaaaaa' }]);
    if (++reads > 2) (g.EndpointGroups as { TrafficDialPercentage?: number }[])[0]!.TrafficDialPercentage = 30;
    return g;
  });
  const r = await setDial(conn, { region: 'eu-central-1', percent: 30 });
  t.same(mock.commandCalls(UpdateEndpointGroupCommand).map((c) => c.args[0].input), [{ EndpointGroupArn: G1, TrafficDialPercentage: 30 }], 'only the dial is sent');
  t.equal(r.changes[0]?.listener, 'UDP:53');

  for (const [answer, message] of [
    [{ $metadata: {}, EndpointGroups: [{ EndpointGroupRegion: 'eu-central-1' }] }, 'ListEndpointGroups returned an endpoint group without EndpointGroupArn'],
    [group([{ Weight: 1 }]), `ListEndpointGroups returned an endpoint without EndpointId in ${G1}`],
  ] as [ListEndpointGroupsCommandOutput, string][]) {
    mock.on(ListEndpointGroupsCommand).resolves(answer);
    await t.rejects(readStatus(conn, ACC), { code: 'GACTL_ERR_INCOMPLETE_RESPONSE', message });
  }
  mock.on(ListListenersCommand).resolves({ Listeners: [{ Protocol: 'TCP' }] });
  await t.rejects(status(conn), { message: 'ListListeners returned a listener without ListenerArn' });
});

t.test('choosing the accelerator from a listing that lacks an ARN, or is empty', async (t) => {
  const { client, mock } = mocked(t);
  mock.on(ListAcceleratorsCommand).resolves({ Accelerators: [{ Name: 'x' }] });
  await t.rejects(connect({}, { client, clock: fastClock }), { message: 'ListAccelerators returned an accelerator without AcceleratorArn' });
  mock.on(ListAcceleratorsCommand).resolves({});
  await t.rejects(connect({}, { client, clock: fastClock }), { code: 'GACTL_ERR_NOT_FOUND', message: 'the account has no accelerator' });
  await t.rejects(connect({ accelerator: 'x' }, { client, clock: fastClock }), { message: 'no accelerator named x (the account has none)' });
});

t.test('a client with the SDK\'s retries on is refused', async (t) => {
  const client = new GlobalAcceleratorClient({ region: 'us-west-2', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  t.teardown(() => client.destroy());
  await t.rejects(connect({ accelerator: ACC }, { client }), {
    code: 'GACTL_ERR_INVALID_OPTION', option: 'client',
    message: 'client must be a GlobalAcceleratorClient with maxAttempts: 1 (gactl retries itself and never resends a stale write), got "maxAttempts 3"',
  });
});
