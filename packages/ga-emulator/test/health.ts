/**
 * Health checks against real origins: state changes timed against the configured interval and
 * threshold, published on the health channel, visible in DescribeEndpointGroup.
 */
import t from 'tap';
import type { Test } from 'tap';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { createIdentity } from '@anycast-origin/identity';
import { createHttpOrigin } from '@anycast-origin/http-origin';
import { HEALTH_CHANNEL } from '../src/index.js';
import type { Emulator } from '../src/index.js';
import { build, dnsOrigin, httpOrigin, startEmulator, waitFor } from './fixtures/lab.js';

interface Change { endpointId: string; from: string; to: string; reason: string | undefined; at: number }

function record(t: Test): Change[] {
  const changes: Change[] = [];
  const on = (m: unknown) => changes.push({ ...(m as Omit<Change, 'at'>), at: performance.now() });
  subscribe(HEALTH_CHANNEL, on);
  t.teardown(() => unsubscribe(HEALTH_CHANNEL, on));
  return changes;
}

async function describe(emulator: Emulator, groupArn: string): Promise<{ HealthState: string; HealthReason?: string }> {
  const out = (await emulator.call('DescribeEndpointGroup', { EndpointGroupArn: groupArn })) as { EndpointGroup: { EndpointDescriptions: { HealthState: string; HealthReason?: string }[] } };
  return out.EndpointGroup.EndpointDescriptions[0] as { HealthState: string; HealthReason?: string };
}

t.test('INITIAL -> HEALTHY -> UNHEALTHY -> HEALTHY, timed by interval and threshold (HTTP checks)', async (t) => {
  const changes = record(t);
  const emulator = await startEmulator(t, { addressPool: '127.71.128.0/24' });
  const origin = await httpOrigin(t, 1, 'us-west-2', '127.71.1.1');
  const interval = 0.2;
  const threshold = 3;
  const built = await build(emulator, [{ protocol: 'TCP', port: 80, groups: [{ region: 'us-west-2', healthCheck: { protocol: 'HTTP', path: '/healthz', intervalSeconds: interval, threshold }, endpoints: [{ origin }] }] }]);
  const groupArn = built.listeners[0]?.groups.get('us-west-2') as string;
  const mine = () => changes.filter((c) => c.endpointId === origin.instanceId);
  t.same(mine().map((c) => [c.from, c.to]), [['INITIAL', 'HEALTHY']], 'one passed check: HEALTHY');
  const healthy = await describe(emulator, groupArn);
  t.equal(healthy.HealthState, 'HEALTHY');
  t.notOk('HealthReason' in healthy, 'no HealthReason when healthy');

  const closedAt = performance.now();
  await origin.close();
  await waitFor(() => mine().length === 2, 10_000, 'UNHEALTHY');
  const down = (mine()[1] as Change).at - closedAt;
  t.same([mine()[1]?.from, mine()[1]?.to], ['HEALTHY', 'UNHEALTHY']);
  t.ok(down >= (threshold - 1) * interval * 1000 - 20, `UNHEALTHY after ${Math.round(down)} ms: ${threshold} consecutive failures span at least ${(threshold - 1) * interval * 1000} ms`);
  t.ok(down <= (threshold + 1) * interval * 1000 + 1500, `and not much more than ${threshold} intervals`);
  const unhealthy = await describe(emulator, groupArn);
  t.equal(unhealthy.HealthState, 'UNHEALTHY');
  t.match(unhealthy.HealthReason, /^Health checks failed: HTTP ECONNREFUSED$/);

  // The instance comes back (on another port: the old one may sit in TIME_WAIT): the registry says where.
  const again = await httpOrigin(t, 1, 'us-west-2', origin.address);
  const reopenedAt = performance.now();
  emulator.endpoints.register(origin.instanceId, { address: again.address, region: 'us-west-2', ports: { 80: again.port } });
  await waitFor(() => mine().length === 3, 10_000, 'HEALTHY again');
  const up = (mine()[2] as Change).at - reopenedAt;
  t.same([mine()[2]?.from, mine()[2]?.to], ['UNHEALTHY', 'HEALTHY']);
  t.ok(up >= (threshold - 1) * interval * 1000 - 20, `HEALTHY after ${Math.round(up)} ms: ${threshold} consecutive passes`);
  t.ok(up <= (threshold + 1) * interval * 1000 + 1500);
});

t.test('an HTTP 503 (a draining origin) fails the check; threshold 1 acts on one check', async (t) => {
  const changes = record(t);
  const emulator = await startEmulator(t, { addressPool: '127.72.128.0/24' });
  const identity = createIdentity({ hostname: 'drainer', instanceId: 'i-00000000000000072', availabilityZone: 'eu-west-1a' });
  const origin = createHttpOrigin({ identity, host: '127.72.1.1', port: 0, workers: 1, drainSeconds: 30 });
  const { port } = await origin.listen();
  t.teardown(() => origin.close());
  const built = await build(emulator, [{
    protocol: 'TCP', port: 80, groups: [{
      region: 'eu-west-1', healthCheck: { protocol: 'HTTP', path: '/healthz', intervalSeconds: 0.1, threshold: 1 },
      endpoints: [{ origin: { id: identity.id, instanceId: 'i-00000000000000072', region: 'eu-west-1', address: '127.72.1.1', port, close: () => origin.close() } }],
    }],
  }]);
  void origin.drain();
  await waitFor(() => changes.some((c) => c.to === 'UNHEALTHY'), 5000, 'UNHEALTHY');
  t.equal(changes.find((c) => c.to === 'UNHEALTHY')?.reason, 'Health checks failed: HTTP 503');
  const d = await describe(emulator, built.listeners[0]?.groups.get('eu-west-1') as string);
  t.match(d, { HealthState: 'UNHEALTHY', HealthReason: 'Health checks failed: HTTP 503' });
});

t.test('TCP checks of a UDP listener\'s group (the DNS origin\'s TCP port); an unregistered endpoint fails them', async (t) => {
  const emulator = await startEmulator(t, { addressPool: '127.73.128.0/24' });
  const dns = await dnsOrigin(t, 3, 'ap-southeast-1', '127.73.1.1');
  const built = await build(emulator, [{ protocol: 'UDP', port: 53, groups: [{ region: 'ap-southeast-1', healthCheck: { protocol: 'TCP', intervalSeconds: 0.1, threshold: 2 }, endpoints: [{ origin: dns }] }] }]);
  const groupArn = built.listeners[0]?.groups.get('ap-southeast-1') as string;
  t.equal((await describe(emulator, groupArn)).HealthState, 'HEALTHY');
  emulator.endpoints.unregister(dns.instanceId);
  await waitFor(() => emulator.state().accelerators[0]?.listeners[0]?.endpointGroups[0]?.endpoints[0]?.health === 'UNHEALTHY', 5000, 'UNHEALTHY');
  t.match((await describe(emulator, groupArn)).HealthReason, /registry/);
  t.ok(emulator.state().healthChecks.failed >= 2);
});

t.test('a check the emulator\'s own stalled event loop held past its timeout gets its time once more: the stall is not the endpoint\'s', async (t) => {
  const changes = record(t);
  const emulator = await startEmulator(t, { addressPool: '127.74.128.0/24' });
  const origin = await httpOrigin(t, 4, 'sa-east-1', '127.74.1.1');
  // Threshold 1: one false timeout would turn the endpoint UNHEALTHY. Interval 0.1 s: a 100 ms timeout.
  await build(emulator, [{ protocol: 'TCP', port: 80, groups: [{ region: 'sa-east-1', healthCheck: { protocol: 'HTTP', path: '/healthz', intervalSeconds: 0.1, threshold: 1 }, endpoints: [{ origin }] }] }]);
  t.equal(emulator.state().accelerators[0]?.listeners[0]?.endpointGroups[0]?.endpoints[0]?.health, 'HEALTHY');
  // Hold the loop for 300 ms once a check has sent its request, before the answer is read: the
  // loop's next turn runs its timers (the check's, now late) before its I/O (the answer).
  let stalls = 0;
  const stall = (m: unknown) => {
    if (stalls >= 3) return;
    (m as { socket: Socket }).socket.once('connect', () => setImmediate(() => {
      stalls++;
      const until = performance.now() + 300;
      while (performance.now() < until);
    }));
  };
  subscribe('net.client.socket', stall);
  t.teardown(() => unsubscribe('net.client.socket', stall));
  await waitFor(() => stalls >= 3, 5000, 'three checks held up');
  const before = emulator.state().healthChecks;
  await waitFor(() => emulator.state().healthChecks.checks >= before.checks + 3, 5000, 'three more checks');
  t.equal(emulator.state().healthChecks.failed, 0, 'no check failed');
  t.same(changes.filter((c) => c.endpointId === origin.instanceId).map((c) => c.to), ['HEALTHY'], 'never UNHEALTHY');
});
