import t from 'tap';
import { Accelerator } from '../src/accelerator.js';
import { Listener } from '../src/listener.js';
import { emptyStack, only, ref, synthStack, testConfig } from './fixtures/synth.js';

t.test('GIVEN the config\'s DNS UDP listener WHEN synthesized THEN one port range on the accelerator, and the listener carries its TCP 53 health check', async (t) => {
  const { stack } = emptyStack();
  const config = testConfig();
  const dns = config.listeners.find((l) => l.name === 'dns-udp');
  if (!dns) throw new Error('the default config has a dns-udp listener');
  const accelerator = new Accelerator(stack, 'acc', { name: 'edge' });
  const listener = new Listener(stack, 'dns', { accelerator, ...dns });
  const json = synthStack(stack);
  const accName = Object.keys(json.resource.aws_globalaccelerator_accelerator)[0] as string;
  t.same(only(json, 'aws_globalaccelerator_listener'), {
    accelerator_arn: ref('aws_globalaccelerator_accelerator', accName),
    protocol: 'UDP',
    client_affinity: 'NONE',
    port_range: [{ from_port: 53, to_port: 53 }],
  });
  t.same(listener.healthCheck, { protocol: 'TCP', port: 53, path: '/healthz', intervalSeconds: 10, thresholdCount: 3 });
  t.same(listener.config, dns, 'the config listener, whole');
  t.equal(listener.accelerator, accelerator);
});

t.test('GIVEN SOURCE_IP affinity in the config THEN the listener keeps clients on one endpoint', async (t) => {
  const { stack } = emptyStack();
  const [http] = testConfig({ clientAffinity: 'SOURCE_IP' }).listeners;
  if (!http) throw new Error('no listener');
  new Listener(stack, 'http', { accelerator: new Accelerator(stack, 'acc', { name: 'edge' }), ...http });
  t.match(only(synthStack(stack), 'aws_globalaccelerator_listener'), { protocol: 'TCP', client_affinity: 'SOURCE_IP', port_range: [{ from_port: 80, to_port: 80 }] });
});
