import t from 'tap';
import { EndpointGroup } from '../src/endpoint-group.js';
import type { Listener } from '../src/listener.js';
import { ref, regionParts, resources, synthStack, testConfig } from './fixtures/synth.js';
import type { Json } from './fixtures/synth.js';

const listenerNamed = (listeners: readonly Listener[], name: string): Listener => {
  const l = listeners.find((x) => x.config.name === name);
  if (!l) throw new Error(`no listener ${name}`);
  return l;
};
const groupOf = (json: Json, id: string): Json => {
  const found = Object.entries(resources(json, 'aws_globalaccelerator_endpoint_group')).find(([name]) => name.startsWith(`${id}_`));
  if (!found) throw new Error(`no group ${id}`);
  return found[1];
};
const nameOf = (json: Json, type: string, prefix: string): string => {
  const name = Object.keys(resources(json, type)).find((n) => n.startsWith(prefix));
  if (!name) throw new Error(`no ${type} ${prefix}*`);
  return name;
};

t.test('GIVEN the default listeners and a default region WHEN a group per listener is synthesized', async (t) => {
  const p = regionParts();
  for (const l of p.listeners) new EndpointGroup(p.stack, `g-${l.config.name}`, { listener: l, region: p.region, fleet: p.fleet });
  const json = synthStack(p.stack);
  const instances = [1, 2].map((i) => ref('aws_instance', nameOf(json, 'aws_instance', `fleet_origin-${i}_`)));

  t.test('THEN the http group checks HTTP /healthz on 80', async (t) => {
    t.match(groupOf(json, 'g-http'), {
      listener_arn: ref('aws_globalaccelerator_listener', nameOf(json, 'aws_globalaccelerator_listener', 'listener-http_')),
      endpoint_group_region: 'us-east-1',
      traffic_dial_percentage: 100,
      health_check_protocol: 'HTTP',
      health_check_port: 80,
      health_check_path: '/healthz',
      health_check_interval_seconds: 10,
      threshold_count: 3,
    });
  });
  t.test('THEN both DNS groups check TCP 53 (no path): a DNS failure while HTTP is up marks the endpoint unhealthy', async (t) => {
    for (const name of ['g-dns-udp', 'g-dns-tcp']) {
      const g = groupOf(json, name);
      t.match(g, { health_check_protocol: 'TCP', health_check_port: 53, health_check_interval_seconds: 10, threshold_count: 3 }, name);
      t.notOk('health_check_path' in g, `${name}: no path on a TCP check`);
    }
  });
  t.test('THEN every group lists the fleet\'s instances with the region\'s weights and client IP preservation', async (t) => {
    for (const name of ['g-http', 'g-dns-udp', 'g-dns-tcp']) {
      t.same(groupOf(json, name).endpoint_configuration, instances.map((id) => ({ endpoint_id: id, weight: 128, client_ip_preservation_enabled: true })), name);
    }
  });
});

t.test('GIVEN a region with a fractional dial, per-instance weights and client IP preservation off THEN the group carries them', async (t) => {
  const p = regionParts(testConfig({ regions: [{ region: 'eu-central-1', instanceCount: 3, trafficDial: 12.5, weight: [200, 100, 0], clientIpPreservation: false }] }));
  new EndpointGroup(p.stack, 'g', { listener: listenerNamed(p.listeners, 'http'), region: p.region, fleet: p.fleet });
  const g = groupOf(synthStack(p.stack), 'g');
  t.equal(g.endpoint_group_region, 'eu-central-1');
  t.equal(g.traffic_dial_percentage, 12.5);
  t.same((g.endpoint_configuration as Json[]).map((e) => [e.weight, e.client_ip_preservation_enabled]), [[200, false], [100, false], [0, false]]);
});

t.test('GIVEN a listener health check in the config THEN its groups use it', async (t) => {
  const p = regionParts(testConfig({
    healthCheck: { intervalSeconds: 30, thresholdCount: 2 },
    listeners: [
      { name: 'web', protocol: 'TCP', port: 8080, serves: 'http', healthCheck: { path: '/ready' } },
      { name: 'dns', protocol: 'UDP', port: 53, serves: 'dns' },
    ],
  }));
  new EndpointGroup(p.stack, 'g-web', { listener: listenerNamed(p.listeners, 'web'), region: p.region, fleet: p.fleet });
  new EndpointGroup(p.stack, 'g-dns', { listener: listenerNamed(p.listeners, 'dns'), region: p.region, fleet: p.fleet });
  const json = synthStack(p.stack);
  t.match(groupOf(json, 'g-web'), { health_check_protocol: 'HTTP', health_check_port: 8080, health_check_path: '/ready', health_check_interval_seconds: 30, threshold_count: 2 });
  t.match(groupOf(json, 'g-dns'), { health_check_protocol: 'HTTP', health_check_port: 8080, health_check_path: '/healthz' }, 'no DNS TCP listener: the HTTP origin\'s /healthz');
});

t.test('GIVEN a region whose weights do not match the fleet THEN InvalidOptionError names region.weights', async (t) => {
  const p = regionParts();
  const other = testConfig({ regions: [{ region: 'us-east-1', instanceCount: 3 }] }).regions[0];
  if (!other) throw new Error('no region');
  t.throws(() => new EndpointGroup(p.stack, 'g', { listener: listenerNamed(p.listeners, 'http'), region: other, fleet: p.fleet }), {
    name: 'InvalidOptionError',
    code: 'INFRA_ERR_INVALID_OPTION',
    option: 'region.weights',
    message: 'region.weights must hold one weight per instance of the fleet (2), got 3',
  });
});
