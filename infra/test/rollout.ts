import t from 'tap';
import type { Test } from 'tap';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readDrainRecord, status } from '@anycast-origin/gactl';
import { ROLLOUT_CHANNEL, drainBlockers, rollout } from '../src/rollout.js';
import type { InstanceUpdater, RolloutEvent, RolloutTarget } from '../src/rollout.js';
import { instanceIdOf, startLab, steadyProbe } from './fixtures/lab.js';
import type { Lab } from './fixtures/lab.js';

const OPTIONS = { settleSeconds: 0.3, healthyTimeoutSeconds: 10, pollSeconds: 0.05 };

/** The plan a CLI makes from the outputs: every region's instances, in order. */
const planOf = (lab: Lab) => new Map([...lab.outputs.origins].map(([region, o]) => [region, o.instances.map((i) => ({ region, endpointId: i.id, address: i.address }))]));

/** In place, as the SSM updater does it on AWS: stop the unit (it drains), install v2, start. */
const inPlace = (lab: Lab, version = 'v2'): InstanceUpdater => ({
  async update(target) {
    await lab.stop(target.endpointId);
    await lab.start(target.endpointId, version);
    return { endpointId: target.endpointId };
  },
});

function record(t: Test): RolloutEvent[] {
  const events: RolloutEvent[] = [];
  const on = (m: unknown) => events.push(m as RolloutEvent);
  subscribe(ROLLOUT_CHANNEL, on);
  t.teardown(() => unsubscribe(ROLLOUT_CHANNEL, on));
  return events;
}

t.test('GIVEN two regions of two instances behind the emulator and a steady probe WHEN the fleet rolls in place THEN every instance serves the new version and no request fails', async (t) => {
  const lab = await startLab(t);
  const events = record(t);
  const probe = steadyProbe(lab, t);
  const report = await rollout(lab.conn, planOf(lab), inPlace(lab), OPTIONS);
  const seen = await probe.stop();
  t.equal(seen.failed, 0, `no failed request (${seen.ok} answered): ${seen.errors.slice(0, 5).join('; ')}`);
  t.ok(seen.ok > 50, `the probe ran all along (${seen.ok} requests)`);
  t.ok((seen.versions.get('v1') ?? 0) > 0 && (seen.versions.get('v2') ?? 0) > 0, `answers from both versions while rolling: ${JSON.stringify([...seen.versions])}`);
  t.same(report.instances.map((i) => [i.region, i.before, i.after]), [...lab.instances.values()].map((i) => [i.region, i.id, i.id]));
  for (const i of lab.instances.values()) {
    t.equal(i.version, 'v2', `${i.id} runs v2`);
    t.same(await lab.weights(i.id), [128, 128], `${i.id} back at its weight in both listeners' groups`);
    t.equal(await readDrainRecord(lab.conn, { endpointId: i.id }), undefined, `${i.id}: no drain record left`);
  }
  // One instance at a time per region: each instance's phases in order, the next one drains only after the previous is done.
  const phases = events.map((e) => `${e.endpointId} ${e.phase}`);
  const expected = [...lab.instances.keys()].flatMap((id) => ['drain', 'settle', 'update', 'healthy', 'restore', 'done'].map((p) => `${id} ${p}`));
  t.same(phases, expected);
});

t.test('GIVEN regions rolled two at a time THEN each region still drains one instance at a time', async (t) => {
  const lab = await startLab(t);
  const events = record(t);
  const probe = steadyProbe(lab, t);
  await rollout(lab.conn, planOf(lab), inPlace(lab), { ...OPTIONS, regionsAtOnce: 2 });
  t.equal((await probe.stop()).failed, 0);
  const drained = new Map<string, number>();
  for (const e of events) {
    const region = lab.instances.get(e.endpointId)?.region as string;
    if (e.phase === 'drain') drained.set(region, (drained.get(region) ?? 0) + 1);
    if (e.phase === 'done') drained.set(region, (drained.get(region) ?? 0) - 1);
    t.ok((drained.get(region) ?? 0) <= 1, `${region}: at most one instance out (${e.endpointId} ${e.phase})`);
  }
  t.ok(events.findIndex((e) => e.phase === 'drain' && lab.instances.get(e.endpointId)?.region === 'eu-central-1') < events.findIndex((e) => e.phase === 'done'), 'the regions overlap');
});

t.test('GIVEN the other instance of a region is unhealthy WHEN the rollout reaches that region THEN it stops before draining anything there', async (t) => {
  const lab = await startLab(t);
  const [first, second] = [instanceIdOf(1), instanceIdOf(2)];
  await lab.stop(second);
  await t.rejects(rollout(lab.conn, planOf(lab), inPlace(lab), OPTIONS), {
    name: 'RolloutError', code: 'INFRA_ERR_ROLLOUT', endpointId: first,
    message: new RegExp(`^not draining ${first} in us-east-1: TCP:80 in us-east-1 has no other healthy endpoint with weight > 0 \\(${second} UNHEALTHY weight 128\\); TCP:81 in us-east-1 .*nothing was changed$`),
  });
  t.same(await lab.weights(first), [128, 128], 'untouched');
  t.equal(lab.instances.get(first)?.version, 'v1');
});

t.test('drainBlockers: a region of one instance cannot roll without failing over', async (t) => {
  const lab = await startLab(t, 1);
  t.same(drainBlockers(await status(lab.conn), 'us-east-1', instanceIdOf(1)).length, 2, 'both listeners\' groups would be left without an endpoint');
  t.match(drainBlockers(await status(lab.conn), 'us-east-1', 'i-00000000000000fff'), [/is in no endpoint group of us-east-1/]);
});

t.test('GIVEN an update that fails THEN the rollout stops there with the instance drained, and nothing after it is touched', async (t) => {
  const lab = await startLab(t);
  const failing: InstanceUpdater = { update: async () => { throw new Error('the SSM command failed (Failed)'); } };
  const probe = steadyProbe(lab, t);
  await t.rejects(rollout(lab.conn, planOf(lab), failing, OPTIONS), {
    name: 'RolloutError', endpointId: instanceIdOf(1),
    message: `updating ${instanceIdOf(1)} in us-east-1 failed, so it stays drained (weight 0; \`gactl undrain ${instanceIdOf(1)}\` restores it): the SSM command failed (Failed)`,
  });
  t.equal((await probe.stop()).failed, 0, 'the drained instance was never needed');
  t.same(await lab.weights(instanceIdOf(1)), [0, 0]);
  t.ok(await readDrainRecord(lab.conn, { endpointId: instanceIdOf(1) }), 'the weight before is kept for gactl undrain');
  for (const id of [2, 3, 4].map(instanceIdOf)) t.same(await lab.weights(id), [128, 128], `${id} untouched`);
});

t.test('GIVEN an updated instance that does not come back THEN the rollout stops after the healthy timeout, naming what the accelerator says', async (t) => {
  const lab = await startLab(t);
  const broken: InstanceUpdater = { update: async (target) => { await lab.stop(target.endpointId); return { endpointId: target.endpointId }; } };
  await t.rejects(rollout(lab.conn, planOf(lab), broken, { ...OPTIONS, healthyTimeoutSeconds: 1 }), {
    name: 'RolloutError',
    message: new RegExp(`^${instanceIdOf(1)} in us-east-1 is not healthy 1 s after its update \\(TCP:80: UNHEALTHY \\(Health checks failed: .*\\); TCP:81: UNHEALTHY .*\\); it stays drained`),
  });
  t.same(await lab.weights(instanceIdOf(1)), [0, 0]);
  t.same(await lab.weights(instanceIdOf(2)), [128, 128]);
});

t.test('GIVEN an updater that replaces instances (new endpoint ids, as terraform apply -replace does) THEN the new ones end healthy at their weight and the drain records are gone', async (t) => {
  const lab = await startLab(t);
  let next = 100;
  const replacing: InstanceUpdater = {
    async update(target: RolloutTarget) {
      // The new instance boots v2; Terraform then puts it in every group of the region (weight
      // from the config) in place of the old one, which is destroyed.
      const old = lab.instances.get(target.endpointId);
      if (!old) throw new Error('unknown instance');
      const id = instanceIdOf(++next);
      lab.instances.set(id, { id, region: old.region, address: old.address.replace(/\.(\d+)$/, (_, k: string) => `.${Number(k) + 10}`), port: 0, origin: undefined, version: 'v1' });
      await lab.start(id, 'v2');
      for (const [key, arn] of lab.groups) {
        if (!key.endsWith(` ${old.region}`)) continue;
        await lab.emulator.deployed(lab.acceleratorArn);
        await lab.emulator.call('AddEndpoints', { EndpointGroupArn: arn, EndpointConfigurations: [{ EndpointId: id, Weight: 128, ClientIPPreservationEnabled: true }] });
        await lab.emulator.deployed(lab.acceleratorArn);
        await lab.emulator.call('RemoveEndpoints', { EndpointGroupArn: arn, EndpointIdentifiers: [{ EndpointId: old.id }] });
      }
      await lab.emulator.deployed(lab.acceleratorArn);
      await lab.stop(old.id);
      return { endpointId: id };
    },
  };
  const probe = steadyProbe(lab, t);
  const plan = planOf(lab);
  const report = await rollout(lab.conn, plan, replacing, OPTIONS);
  t.equal((await probe.stop()).failed, 0);
  t.same(report.instances.map((i) => i.after), [101, 102, 103, 104].map(instanceIdOf));
  t.match(report.instances[0]?.warnings, [new RegExp(`${instanceIdOf(1)} is no longer in the endpoint group`)]);
  for (const region of ['us-east-1', 'eu-central-1']) {
    for (const members of await lab.members(region)) t.equal(members.length, 2, `${region}: two endpoints per group`);
  }
  for (const i of report.instances) {
    t.same(await lab.weights(i.after), [128, 128]);
    t.equal(await readDrainRecord(lab.conn, { endpointId: i.before }), undefined);
  }
});

t.test('control: the same probe sees failures when instances are stopped without a drain (what one apply replacing every instance did)', async (t) => {
  const lab = await startLab(t);
  const probe = steadyProbe(lab, t);
  await new Promise((r) => setTimeout(r, 300));
  for (const i of lab.instances.values()) await i.origin?.close();
  await new Promise((r) => setTimeout(r, 500));
  const seen = await probe.stop();
  t.ok(seen.failed > 0, `failed requests: ${seen.failed} of ${seen.ok + seen.failed}`);
});
