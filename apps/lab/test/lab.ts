import t from 'tap';
import { parseConfig } from '@anycast-origin/config';
import type { Test } from 'tap';
import { startLab } from '../src/lab.js';
import type { Lab, LabSpec } from '../src/lab.js';
import { assertNothingLeft, blocks, get, waitFor } from './fixtures/lab.js';

const B = blocks(121);

function spec(regions: readonly (string | Record<string, unknown>)[], extra: Partial<LabSpec> = {}): LabSpec {
  return {
    config: parseConfig({ acceleratorName: 'lab-lib', regions, defaults: { instanceCount: 2 } }, { baseDir: '/tmp' }),
    configFile: 'test.json', api: '127.0.0.1:0', healthIntervalSeconds: 0.2, deploySeconds: 0.05,
    originAddresses: B.origins, vantageAddresses: B.vantages, entryAddresses: B.entries,
    originHttpPort: 0, originDnsPort: 0, entryPorts: 'ephemeral',
    vantagePoints: [{ name: 'amsterdam', latitude: 52.37, longitude: 4.9 }, { name: 'new-york', latitude: 40.71, longitude: -74.01 }],
    startTimeoutSeconds: 60, ...extra,
  };
}

async function started(t: Test, s: LabSpec): Promise<Lab> {
  const lab = await startLab(s);
  t.teardown(() => lab.stop({ drain: false }));
  return lab;
}

/** The HTTP group's view of one endpoint, from the emulator. */
function health(lab: Lab, instanceId: string): string | undefined {
  const acc = lab.emulator.state().accelerators[0];
  const l = acc?.listeners.find((x) => x.protocol === 'TCP' && x.ports.includes(80));
  return l?.endpointGroups.flatMap((g) => g.endpoints).find((e) => e.id === instanceId)?.health;
}

t.test('startLab: the instances, the accelerator as the config says, the entries and the vantage points', async (t) => {
  const lab = await started(t, spec(['eu-central-1', { region: 'us-east-1', trafficDial: 40, weight: [200, 0] }]));
  t.equal(lab.instances.length, 4);
  t.ok(lab.startup.originsServing <= lab.startup.deployed && lab.startup.deployed <= lab.startup.healthy, 'phases in order');
  t.equal(lab.startupSeconds, lab.startup.healthy);
  t.equal(lab.drainSeconds, 0.2 * 3 + 1, 'interval x threshold + one interval, at least 1 s');
  const acc = lab.emulator.state().accelerators[0];
  t.match(acc, { name: 'lab-lib', status: 'DEPLOYED', enabled: true });
  t.same(acc?.listeners.map((l) => `${l.protocol} ${l.ports.join(',')} ${l.clientAffinity}`), ['TCP 80 NONE', 'UDP 53 NONE', 'TCP 53 NONE']);
  for (const l of acc?.listeners ?? []) {
    t.same(l.endpointGroups.map((g) => [g.region, g.trafficDial]), [['eu-central-1', 100], ['us-east-1', 40]]);
    const useast = l.endpointGroups[1];
    t.same(useast?.endpoints.map((e) => e.weight), [200, 0], 'weights from the config');
    t.match(useast?.healthCheck, { protocol: l.protocol === 'TCP' && l.ports[0] === 80 ? 'HTTP' : 'TCP', intervalSeconds: 0.2, threshold: 3 });
    t.ok(l.endpointGroups.every((g) => g.endpoints.every((e) => e.clientIpPreservation)), 'client IP preservation as the config says');
  }
  t.match(lab.entry('TCP', 80), /^127\.123\.0\.1:\d+$/);
  t.match(lab.entry('TCP', 80, 1), /^127\.123\.0\.2:\d+$/);
  t.throws(() => lab.entry('UDP', 80), { code: 'LAB_ERR_INVALID_STATE', message: /no bound UDP 80 entry/ });
  t.same(lab.vantage('new-york'), { id: 2, name: 'new-york', address: '127.122.0.2', latitude: 40.71, longitude: -74.01 });
  t.throws(() => lab.vantage('paris'), { code: 'LAB_ERR_INVALID_STATE' });
  t.throws(() => lab.instance('i-0000000000000000f'), { code: 'LAB_ERR_INVALID_STATE', message: /no instance i-0000000000000000f/ });
  const first = lab.instances[0];
  t.equal(lab.instance(first?.identity as string).instanceId, first?.instanceId, 'found by identity too');
  // the vantage table and the client's own address: New York's weight-0 instance never answers
  const bodies = new Set<string>();
  for (let i = 0; i < 10; i++) bodies.add((await get(`http://${lab.entry('TCP', 80)}/`, '127.122.0.2')).body);
  const useast = lab.instances.filter((i) => i.region === 'us-east-1');
  t.ok([...bodies].every((b) => !b.includes(useast[1]?.identity as string)), 'weight 0: no traffic');
});

t.test('kill, restart and terminate an instance: the accelerator sees it as AWS would', async (t) => {
  const lab = await started(t, spec(['eu-central-1']));
  const [a, b] = lab.instances;
  if (!a || !b) throw new Error('two instances');
  const exit = await lab.kill(a.instanceId);
  t.same(exit, { code: null, signal: 'SIGKILL' });
  t.equal(lab.instance(a.instanceId).process, undefined, 'no process');
  await waitFor('UNHEALTHY', () => health(lab, a.instanceId) === 'UNHEALTHY', 10_000);
  await t.rejects(lab.kill(a.instanceId), { code: 'LAB_ERR_INVALID_STATE', message: /not running/ });
  await t.rejects(lab.terminate(a.instanceId), { code: 'LAB_ERR_INVALID_STATE' });
  const ports = [a.httpPort, a.dnsPort];
  await lab.restart(a.instanceId);
  t.same([lab.instance(a.instanceId).httpPort, lab.instance(a.instanceId).dnsPort], ports, 'back on its address and ports');
  await t.rejects(lab.restart(a.instanceId), { code: 'LAB_ERR_INVALID_STATE', message: /is running/ });
  await waitFor('HEALTHY again', () => health(lab, a.instanceId) === 'HEALTHY', 10_000);
  t.equal((await get(`http://${a.address}:${a.httpPort}/`)).body, `hostname: ${a.identity}\n`, 'the same identity');

  const draining = lab.terminate(b.instanceId);
  let hz = 0;
  for (let i = 0; i < 100 && hz !== 503; i++) {
    hz = (await get(`http://${b.address}:${b.httpPort}/healthz`)).status;
    if (hz !== 503) await new Promise((r) => setTimeout(r, 20));
  }
  t.equal(hz, 503, 'draining: the health check fails at once');
  t.equal((await get(`http://${b.address}:${b.httpPort}/`)).status, 200, 'and it keeps serving');
  await waitFor('UNHEALTHY', () => health(lab, b.instanceId) === 'UNHEALTHY', 10_000);
  t.same(await draining, { code: 0, signal: null }, 'exits 0 after the drain');
});

t.test('stop: everything goes, and the lab refuses what needs it running', async (t) => {
  const lab = await startLab(spec(['eu-central-1']));
  const api = lab.apiUrl.replace('http://', '');
  const id = lab.instances[0]?.instanceId as string;
  await lab.stop({ drain: false });
  await lab.stopped;
  await lab.stop();
  await assertNothingLeft(t, B, api);
  await t.rejects(lab.kill(id), { code: 'LAB_ERR_INVALID_STATE', message: /stopping/ });
  await t.rejects(lab.restart(id), { code: 'LAB_ERR_INVALID_STATE', message: /stopping/ });
});

t.test('a config the emulator refuses: StartError, and nothing started is left', async (t) => {
  // ap-southeast-7 is a region the config knows but Global Accelerator (and the emulator) does not list
  await t.rejects(startLab(spec(['eu-central-1', 'ap-southeast-7'])), { code: 'LAB_ERR_START', message: /ap-southeast-7/ });
  await assertNothingLeft(t, B);
});
