import t from 'tap';
import { Listener } from '../src/listener.js';
import { emptyStack, only, synthStack } from './fixtures/synth.js';

t.test('GIVEN UDP 53 WHEN synthesized THEN one port range and client affinity NONE by default', async (t) => {
  const { stack } = emptyStack();
  new Listener(stack, 'dns', { acceleratorArn: 'arn:acc', protocol: 'UDP', port: 53 });
  t.same(only(synthStack(stack), 'aws_globalaccelerator_listener'), { accelerator_arn: 'arn:acc', protocol: 'UDP', client_affinity: 'NONE', port_range: [{ from_port: 53, to_port: 53 }] });
});

t.test('props are validated in the constructor', async (t) => {
  const { stack } = emptyStack();
  t.throws(() => new Listener(stack, 'a', { acceleratorArn: 'x', protocol: 'SCTP' as 'TCP', port: 80 }), { name: 'ConfigFieldError', field: 'protocol' });
  t.throws(() => new Listener(stack, 'b', { acceleratorArn: 'x', protocol: 'TCP', port: 0 }), { field: 'port', code: 'INFRA_ERR_OUT_OF_RANGE' });
  t.throws(() => new Listener(stack, 'c', { acceleratorArn: 'x', protocol: 'TCP', port: 80, clientAffinity: 'COOKIE' as 'NONE' }), { name: 'ConfigFieldError', field: 'clientAffinity' });
});
