/**
 * What a command means before anything is written (pure): listener selection by --listener,
 * groups by Region or endpoint, projection of intents, changes, the guards (no Region taking
 * traffic; no healthy endpoint of weight > 0 left) and the failover warning, and the write
 * order that never passes through less capacity than the end state.
 */
import t from 'tap';
import { assess, changesOf, groupsInRegion, groupsWithEndpoint, guardListener, project, selectListeners, writeOrder } from '../src/index.js';
import type { EndpointGroupStatus, Intent, ListenerStatus, Status } from '../src/index.js';

type H = 'HEALTHY' | 'UNHEALTHY' | 'INITIAL';
const ep = (id: string, weight: number, healthState: H = 'HEALTHY') => ({ id, weight, healthState, healthReason: null, clientIpPreservation: true });
const grp = (arn: string, region: string, trafficDial: number, endpoints: ReturnType<typeof ep>[]): EndpointGroupStatus => ({
  arn, region, trafficDial, healthCheck: { protocol: 'TCP', port: 80, path: null, intervalSeconds: 30, thresholdCount: 3 }, endpoints,
});
const lst = (arn: string, protocol: 'TCP' | 'UDP', ports: [number, number][], groups: EndpointGroupStatus[]): ListenerStatus => ({
  arn, protocol, ports: ports.map(([fromPort, toPort]) => ({ fromPort, toPort })), clientAffinity: 'NONE', endpointGroups: groups,
});

function status(): Status {
  return {
    accelerator: { name: 'a', arn: 'acc', status: 'DEPLOYED', enabled: true, ipAddresses: [], dnsName: null },
    listeners: [
      lst('web', 'TCP', [[80, 81], [443, 443]], [grp('web-eu', 'eu-central-1', 100, [ep('i-1', 128), ep('i-2', 128)]), grp('web-us', 'us-east-1', 100, [ep('i-3', 128)])]),
      lst('dns', 'UDP', [[53, 53]], [grp('dns-eu', 'eu-central-1', 50, [ep('i-1', 10)]), grp('dns-us', 'us-east-1', 100, [ep('i-3', 10, 'UNHEALTHY')])]),
    ],
  };
}

t.test('selectListeners: by protocol and any port of a range; every spec must match', async (t) => {
  const s = status();
  t.same(selectListeners(s, undefined).map((l) => l.arn), ['web', 'dns']);
  t.same(selectListeners(s, []).map((l) => l.arn), ['web', 'dns']);
  t.same(selectListeners(s, ['tcp:81']).map((l) => l.arn), ['web']);
  t.same(selectListeners(s, ['UDP:53', 'TCP:443']).map((l) => l.arn), ['web', 'dns'], 'in the accelerator\'s order');
  t.throws(() => selectListeners(s, ['TCP:53']), { code: 'GACTL_ERR_NOT_FOUND', message: 'no listener TCP:53 on the accelerator (listeners: TCP:80-81,443, UDP:53)' });
});

t.test('groups by Region or endpoint', async (t) => {
  const s = status();
  t.same(groupsInRegion(s.listeners, 'eu-central-1').map((x) => x.group.arn), ['web-eu', 'dns-eu']);
  t.same(groupsWithEndpoint(s.listeners, 'i-3').map((x) => x.group.arn), ['web-us', 'dns-us']);
  t.throws(() => groupsInRegion(selectListeners(s, ['UDP:53']), 'ap-south-1', false), { message: 'no endpoint group in ap-south-1 on UDP:53 (Regions: eu-central-1, us-east-1)' });
  t.throws(() => groupsWithEndpoint(selectListeners(s, ['UDP:53']), 'i-2', false), { message: 'no endpoint i-2 in any endpoint group on UDP:53' });
});

t.test('project and changesOf', async (t) => {
  const s = status();
  const intents: Intent[] = [
    { field: 'trafficDial', endpointGroupArn: 'dns-eu', value: 50 },
    { field: 'trafficDial', endpointGroupArn: 'web-eu', value: 25 },
    { field: 'weight', endpointGroupArn: 'web-eu', endpointId: 'i-2', value: 0 },
  ];
  const p = project(s.listeners[0]?.endpointGroups[0] as EndpointGroupStatus, intents);
  t.equal(p.trafficDial, 25);
  t.same(p.endpoints.map((e) => e.weight), [128, 0]);
  t.equal(s.listeners[0]?.endpointGroups[0]?.trafficDial, 100, 'the status itself is not changed');
  t.same(changesOf(s, intents), [
    { listener: 'TCP:80-81,443', listenerArn: 'web', region: 'eu-central-1', endpointGroupArn: 'web-eu', endpointId: null, field: 'trafficDial', before: 100, after: 25 },
    { listener: 'TCP:80-81,443', listenerArn: 'web', region: 'eu-central-1', endpointGroupArn: 'web-eu', endpointId: 'i-2', field: 'weight', before: 128, after: 0 },
  ], 'the dial of 50 already holds');
});

t.test('guards', async (t) => {
  const healthy = grp('g1', 'eu-central-1', 100, [ep('i-1', 1)]);
  const sick = grp('g2', 'us-east-1', 100, [ep('i-2', 128, 'UNHEALTHY'), ep('i-3', 128, 'INITIAL')]);
  t.same(guardListener('L', [healthy, sick], [healthy, { ...sick, trafficDial: 0 }]), []);
  t.same(guardListener('L', [healthy, sick], [{ ...healthy, trafficDial: 0 }, { ...sick, trafficDial: 0 }]), ['listener L would have no Region taking traffic (every traffic dial 0)']);
  t.same(guardListener('L', [{ ...healthy, trafficDial: 0 }, { ...sick, trafficDial: 0 }], [{ ...healthy, trafficDial: 0 }, { ...sick, trafficDial: 0 }]), [], 'already every dial 0: not this change\'s doing');
  t.same(guardListener('L', [healthy, sick], [{ ...healthy, endpoints: [ep('i-1', 0)] }, sick]), ['listener L would have no healthy endpoint with weight > 0 (eu-central-1 is its only healthy group)']);
  const two = grp('g3', 'us-west-2', 100, [ep('i-4', 5)]);
  t.same(guardListener('L', [healthy, two], [{ ...healthy, endpoints: [ep('i-1', 0)] }, { ...two, endpoints: [ep('i-4', 0)] }]), ['listener L would have no healthy endpoint with weight > 0 (eu-central-1, us-west-2 are its only healthy groups)']);
  t.same(guardListener('L', [sick], [{ ...sick, endpoints: [ep('i-2', 0, 'UNHEALTHY'), ep('i-3', 0, 'INITIAL')] }]), [], 'nothing healthy before: nothing to protect');
  t.same(guardListener('L', [healthy, sick], [healthy, { ...sick, endpoints: [] }]), [], 'the healthy group keeps serving');
});

t.test('assess: guards across listeners, one failover warning per Region naming what is unhealthy now', async (t) => {
  const s = status();
  const dial0 = (arn: string): Intent => ({ field: 'trafficDial', endpointGroupArn: arn, value: 0 });
  t.same(assess(s, [dial0('web-eu'), dial0('dns-eu')]), {
    reasons: [],
    warnings: ['Global Accelerator ignores a traffic dial of 0 when the other groups are unhealthy (failover): eu-central-1 may still get traffic on TCP:80-81,443, UDP:53; now us-east-1 has no healthy endpoint with weight > 0'],
  });
  t.same(assess(s, [dial0('web-eu'), dial0('web-us')]).reasons, ['listener TCP:80-81,443 would have no Region taking traffic (every traffic dial 0)']);
  t.same(assess(s, [{ field: 'weight', endpointGroupArn: 'dns-eu', endpointId: 'i-1', value: 0 }]).reasons, ['listener UDP:53 would have no healthy endpoint with weight > 0 (eu-central-1 is its only healthy group)']);
  t.same(assess(s, []), { reasons: [], warnings: [] });
});

t.test('writeOrder: groups that only add traffic first, those that only take it away last', async (t) => {
  const s = status();
  t.same(writeOrder(s, [
    { field: 'trafficDial', endpointGroupArn: 'web-eu', value: 0 },
    { field: 'trafficDial', endpointGroupArn: 'dns-eu', value: 100 },
    { field: 'weight', endpointGroupArn: 'web-us', endpointId: 'i-3', value: 128 },
    { field: 'trafficDial', endpointGroupArn: 'dns-us', value: 10 },
    { field: 'weight', endpointGroupArn: 'dns-us', endpointId: 'i-3', value: 100 },
  ]), ['dns-eu', 'web-us', 'dns-us', 'web-eu']);
});
