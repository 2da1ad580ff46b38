import t from 'tap';
import { parseConfig } from '@anycast-origin/config';
import { instanceIdFor, planInstances, planVantagePoints, portMapFor, zonesOf } from '../src/plan.js';

const config = (raw: Record<string, unknown> = {}) => parseConfig(raw, { baseDir: '/tmp' });

t.test('the default config: eight instances, two per region, zones spread as infra spreads them', async (t) => {
  const plans = planInstances(config(), '127.10.0.0/16');
  t.equal(plans.length, 8);
  t.same(plans.map((p) => `${p.region} ${p.availabilityZone} ${p.address} ${p.weight}`), [
    'us-east-1 us-east-1a 127.10.1.1 128', 'us-east-1 us-east-1b 127.10.1.2 128',
    'us-west-2 us-west-2a 127.10.2.1 128', 'us-west-2 us-west-2b 127.10.2.2 128',
    'eu-central-1 eu-central-1a 127.10.3.1 128', 'eu-central-1 eu-central-1b 127.10.3.2 128',
    'ap-southeast-1 ap-southeast-1a 127.10.4.1 128', 'ap-southeast-1 ap-southeast-1b 127.10.4.2 128',
  ]);
  for (const p of plans) {
    t.match(p.instanceId, /^i-0[0-9a-f]{16}$/, 'AWS-shaped: i- and 17 hex digits');
    t.equal(p.identity, `${p.instanceId}.${p.availabilityZone}`, "the seed's identity");
  }
  t.equal(new Set(plans.map((p) => p.instanceId)).size, 8, 'distinct ids');
  t.same(planInstances(config(), '127.10.0.0/16').map((p) => p.instanceId), plans.map((p) => p.instanceId), 'stable across runs');
  t.not(instanceIdFor('another-accelerator', 'us-east-1', 0), plans[0]?.instanceId, 'another accelerator, other ids');
});

t.test('instance counts, weights and zones from the config', async (t) => {
  const c = config({
    regions: [
      { region: 'eu-central-1', instanceCount: 3, weight: [255, 0, 10], availabilityZones: ['eu-central-1b', 'eu-central-1c'] },
      'us-east-1',
    ],
    defaults: { instanceCount: 1 },
  });
  const plans = planInstances(c, '127.30.0.0/16');
  t.same(plans.map((p) => [p.region, p.availabilityZone, p.address, p.weight, p.regionIndex, p.index]), [
    ['eu-central-1', 'eu-central-1b', '127.30.1.1', 255, 0, 0],
    ['eu-central-1', 'eu-central-1c', '127.30.1.2', 0, 0, 1],
    ['eu-central-1', 'eu-central-1b', '127.30.1.3', 10, 0, 2],
    ['us-east-1', 'us-east-1a', '127.30.2.1', 128, 1, 0],
  ]);
  t.same(zonesOf({ region: 'sa-east-1', availabilityZones: null }), ['sa-east-1a', 'sa-east-1b']);
});

t.test('listener ports map to the origin port of what they serve', async (t) => {
  t.same(portMapFor(config().listeners, { http: 8080, dns: 8053 }, 'c.json'), { 80: 8080, 53: 8053 });
  const clash = config({ listeners: [{ name: 'web', protocol: 'TCP', port: 53, serves: 'http' }, { name: 'dns', protocol: 'UDP', port: 53, serves: 'dns', healthCheck: { protocol: 'TCP', port: 53 } }] });
  t.throws(() => portMapFor(clash.listeners, { http: 1, dns: 2 }, 'c.json'), { code: 'LAB_ERR_INPUT', message: /^c\.json: listener dns \(UDP 53\) serves dns but listener web on the same port serves the other/ });
});

t.test('vantage points are numbered from 1 and get addresses in order; names are unique', async (t) => {
  const v = planVantagePoints([{ name: 'tokyo', latitude: 35.68, longitude: 139.69 }, { name: 'amsterdam', latitude: 52.37, longitude: 4.9 }], '127.20.0.0/16');
  t.same(v, [
    { id: 1, name: 'tokyo', address: '127.20.0.1', latitude: 35.68, longitude: 139.69 },
    { id: 2, name: 'amsterdam', address: '127.20.0.2', latitude: 52.37, longitude: 4.9 },
  ]);
  t.throws(() => planVantagePoints([{ name: 'a', latitude: 0, longitude: 0 }, { name: 'a', latitude: 1, longitude: 1 }], '127.20.0.0/16'), { code: 'LAB_ERR_INPUT', message: /"a" is used twice/ });
});
