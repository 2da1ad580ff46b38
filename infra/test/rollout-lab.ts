/**
 * The rollout on the lab (apps/lab): real `anycast-origin` processes behind the Global
 * Accelerator emulator, built from a service config as infra deploys it (HTTP, DNS UDP and DNS
 * TCP listeners, one group per region on each). src/rollout.ts drives it through gactl exactly
 * as it drives AWS; on the lab "updating" an instance restarts its origin process (the lab's
 * kill and restart). A steady loop through the TCP 80 entry from a city near each region (a new
 * connection every 50 ms) and a watcher of every group's endpoints run all along: no request
 * may fail, and no group of any region may be without a HEALTHY endpoint of weight > 0 at any
 * moment. Quick timings (as `anycast-lab --quick`): health checks every 0.5 s, deploys in 0.5 s.
 */
import './fixtures/aws-env.js';
import t from 'tap';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { parseConfig } from '@anycast-origin/config';
import { connect } from '@anycast-origin/gactl';
import { startLab, startLoop } from '@anycast-origin/lab';
import type { Lab } from '@anycast-origin/lab';
import { ROLLOUT_CHANNEL, rollout } from '../src/rollout.js';
import type { InstanceUpdater, RolloutEvent, RolloutTarget } from '../src/rollout.js';
import { verifyDeployment } from '../src/verify.js';
import type { StackOutputs } from '../src/outputs.js';

const REGIONS = ['us-east-1', 'eu-central-1'] as const;
/** A city near each region: the emulator routes a client to the nearest region with capacity. */
const CITIES = [{ name: 'new-york', latitude: 40.71, longitude: -74.01 }, { name: 'frankfurt', latitude: 50.11, longitude: 8.68 }];
const PACE_MS = 50;

async function lab(): Promise<Lab> {
  return startLab({
    config: parseConfig({ acceleratorName: 'infra-rollout', regions: [...REGIONS], defaults: { instanceCount: 2 } }, { baseDir: '/tmp' }),
    configFile: 'infra/test/rollout-lab.ts', api: '127.0.0.1:0', healthIntervalSeconds: 0.5, deploySeconds: 0.5,
    // blocks of this file's own (apps/lab's tests use 127.101-127.133)
    originAddresses: '127.141.0.0/16', vantageAddresses: '127.142.0.0/16', entryAddresses: '127.143.0.0/16',
    originHttpPort: 0, originDnsPort: 0, entryPorts: 'ephemeral', vantagePoints: CITIES, startTimeoutSeconds: 60,
  });
}

/** Every group's lowest count of HEALTHY endpoints with weight > 0, watched from the emulator every 20 ms. */
function watchGroups(l: Lab) {
  const lowest = new Map<string, number>();
  const look = () => {
    for (const listener of l.emulator.state().accelerators.find((a) => a.arn === l.acceleratorArn)?.listeners ?? []) {
      for (const g of listener.endpointGroups) {
        const key = `${listener.protocol} ${listener.ports.join(',')} ${g.region}`;
        const serving = g.endpoints.filter((e) => e.health === 'HEALTHY' && e.weight > 0).length;
        lowest.set(key, Math.min(lowest.get(key) ?? Infinity, serving));
      }
    }
  };
  look();
  const timer = setInterval(look, 20);
  return { stop: () => (clearInterval(timer), look(), lowest) };
}

t.test('GIVEN the lab (two regions of two origin processes) under a steady probe WHEN the rollout restarts every instance THEN no request fails and every region always keeps a healthy endpoint', async (t) => {
  const l = await lab();
  t.teardown(() => l.stop({ drain: false }));
  const conn = await connect({ endpointUrl: l.apiUrl, accelerator: l.acceleratorArn, pollSeconds: 0.1, timeout: 30 });
  t.teardown(() => conn.close());

  const events: RolloutEvent[] = [];
  const onEvent = (m: unknown) => events.push(m as RolloutEvent);
  subscribe(ROLLOUT_CHANNEL, onEvent);
  t.teardown(() => unsubscribe(ROLLOUT_CHANNEL, onEvent));

  const pidsBefore = new Map(l.instances.map((i) => [i.instanceId, i.process?.pid]));
  // What systemctl restart does to the unit on a host, after the rollout drained it: the process
  // goes (SIGKILL: the drain, not the origin's own, has to be what keeps requests from failing),
  // and a new one starts on the same address and ports.
  const restart: InstanceUpdater = {
    async update(target: RolloutTarget) {
      await l.kill(target.endpointId);
      await l.restart(target.endpointId);
      return { endpointId: target.endpointId };
    },
  };
  const plan = new Map(REGIONS.map((region) => [region, l.instances.filter((i) => i.region === region).map((i) => ({ region, endpointId: i.instanceId, address: `lab:${i.instanceId}` }))]));

  const groups = watchGroups(l);
  const loops = CITIES.map((c) => ({ city: c.name, loop: startLoop({ url: `http://${l.entry('TCP', 80)}/`, sourceAddress: l.vantage(c.name).address, paceMs: PACE_MS, timeoutMs: 3000 }) }));
  const report = await rollout(conn, plan, restart, { settleSeconds: l.drainSeconds, healthyTimeoutSeconds: 20, pollSeconds: 0.1, regionsAtOnce: 2 });
  await new Promise((r) => setTimeout(r, 500));
  const lowest = groups.stop();

  for (const { city, loop } of loops) {
    const samples = await loop.stop();
    const failed = samples.filter((s) => !s.ok);
    t.equal(failed.length, 0, `${city}: no failed request of ${samples.length} (${failed.slice(0, 3).map((s) => `${Math.round(s.at)} ms ${s.kind}`).join(', ')})`);
    t.ok(samples.length >= (report.seconds * 1000) / PACE_MS / 3, `${city}: the probe ran all along (${samples.length} requests in ${report.seconds.toFixed(1)} s)`);
    const region = REGIONS[CITIES.findIndex((c) => c.name === city)];
    t.ok(samples.every((s) => s.region === region), `${city}: always answered from ${region}`);
    t.same(new Set(samples.map((s) => s.identity)).size, 2, `${city}: both instances of ${region} answered while rolling`);
  }
  t.same([...lowest.keys()].sort(), ['TCP 53 eu-central-1', 'TCP 53 us-east-1', 'TCP 80 eu-central-1', 'TCP 80 us-east-1', 'UDP 53 eu-central-1', 'UDP 53 us-east-1']);
  for (const [group, n] of lowest) t.ok(n >= 1, `${group}: at least one HEALTHY endpoint with weight > 0 all along (lowest ${n})`);

  t.same(report.instances.map((i) => `${i.region} ${i.before} ${i.after}`).sort(), l.instances.map((i) => `${i.region} ${i.instanceId} ${i.instanceId}`).sort(), 'every instance rolled once, in place');
  for (const i of l.instances) {
    t.ok(i.process?.running && i.process.pid !== pidsBefore.get(i.instanceId), `${i.instanceId}: a new origin process`);
    const weights = l.emulator.state().accelerators[0]?.listeners.flatMap((x) => x.endpointGroups.flatMap((g) => g.endpoints.filter((e) => e.id === i.instanceId).map((e) => e.weight)));
    t.same(weights, [128, 128, 128], `${i.instanceId}: back at its weight in the three listeners' groups`);
  }
  // one instance at a time in each region, the two regions side by side
  const out = new Map<string, number>();
  const most = new Map<string, number>();
  let overlap = false;
  for (const e of events) {
    const region = l.instance(e.endpointId).region;
    if (e.phase === 'drain') out.set(region, (out.get(region) ?? 0) + 1);
    if (e.phase === 'done') out.set(region, (out.get(region) ?? 0) - 1);
    most.set(region, Math.max(most.get(region) ?? 0, out.get(region) ?? 0));
    overlap ||= [...out.values()].every((n) => n === 1);
  }
  t.same(Object.fromEntries(most), { 'us-east-1': 1, 'eu-central-1': 1 }, 'at most one instance of a region out at any time');
  t.ok(overlap, 'the regions rolled at the same time');

  // and the deploy's verify step on the same lab: every instance HEALTHY everywhere
  const outputs: StackOutputs = {
    acceleratorArn: l.acceleratorArn,
    origins: new Map(REGIONS.map((region) => [region, { instances: plan.get(region)?.map((x) => ({ id: x.endpointId, address: x.address })) ?? [], artifact: { bucket: 'b', key: 'k', versionId: 'v', sha256: 's' } }])),
  };
  const verified = await verifyDeployment(conn, outputs, { timeoutSeconds: 10, pollSeconds: 0.1 });
  t.equal(verified.healthy, true, 'verify: every instance HEALTHY');
  t.same(verified.instances.map((i) => i.listeners.map((x) => `${x.listener} ${x.state}`)), l.instances.map(() => ['TCP:80 HEALTHY', 'UDP:53 HEALTHY', 'TCP:53 HEALTHY']));
});
