import t from 'tap';
import { Accelerator } from '../src/accelerator.js';
import { emptyStack, only, synthStack } from './fixtures/synth.js';

t.test('GIVEN a name only WHEN synthesized THEN IPV4, enabled, flow logs explicitly off', async (t) => {
  const { stack } = emptyStack();
  const acc = new Accelerator(stack, 'acc', { name: 'edge' });
  const json = synthStack(stack);
  t.same(only(json, 'aws_globalaccelerator_accelerator'), { name: 'edge', ip_address_type: 'IPV4', enabled: true, attributes: { flow_logs_enabled: false } });
  t.ok(acc.ipAddresses.length > 0, 'a token list');
});

t.test('GIVEN BYOIP, DUAL_STACK and flow logs THEN all reach the resource', async (t) => {
  const { stack } = emptyStack();
  new Accelerator(stack, 'acc', { name: 'edge', ipAddressType: 'DUAL_STACK', ipAddresses: ['198.51.100.7'], flowLogs: { s3Bucket: 'logs', s3Prefix: 'ga/' }, enabled: false });
  t.same(only(synthStack(stack), 'aws_globalaccelerator_accelerator'), {
    name: 'edge', ip_address_type: 'DUAL_STACK', enabled: false, ip_addresses: ['198.51.100.7'],
    attributes: { flow_logs_enabled: true, flow_logs_s3_bucket: 'logs', flow_logs_s3_prefix: 'ga/' },
  });
});
