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

t.test('props are validated in the constructor', async (t) => {
  const { stack } = emptyStack();
  t.throws(() => new Accelerator(stack, 'a', { name: '-edge' }), { name: 'ConfigFieldError', field: 'name' });
  t.throws(() => new Accelerator(stack, 'b', { name: 'x'.repeat(256) }), { name: 'ConfigFieldError', field: 'name' });
  t.throws(() => new Accelerator(stack, 'c', { name: 'edge', ipAddressType: 'IPV6' as 'IPV4' }), { name: 'ConfigFieldError', field: 'ipAddressType' });
  t.throws(() => new Accelerator(stack, 'd', { name: 'edge', ipAddresses: ['1.1.1.1', '1.1.1.2', '1.1.1.3'] }), { field: 'ipAddresses', code: 'INFRA_ERR_OUT_OF_RANGE' });
  t.throws(() => new Accelerator(stack, 'e', { name: 'edge', flowLogs: { s3Bucket: '', s3Prefix: '' } }), { name: 'ConfigFieldError', field: 'flowLogs.s3Bucket' });
});
