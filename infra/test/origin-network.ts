import t from 'tap';
import { OriginNetwork } from '../src/origin-network.js';
import { emptyStack, resources, synthStack } from './fixtures/synth.js';

t.test('GIVEN the defaults WHEN synthesized THEN VPC, 2 subnets, IGW, routes, a rule-less default SG and listener-only ingress', async (t) => {
  const { stack, provider } = emptyStack();
  new OriginNetwork(stack, 'net', { provider, name: 'o', ports: [{ protocol: 'TCP', port: 80 }, { protocol: 'UDP', port: 53 }] });
  const json = synthStack(stack);
  t.match(Object.values(resources(json, 'aws_vpc'))[0], { cidr_block: '10.0.0.0/16', enable_dns_support: true, enable_dns_hostnames: true });
  t.equal(Object.keys(resources(json, 'aws_subnet')).length, 2);
  t.equal(Object.keys(resources(json, 'aws_internet_gateway')).length, 1);
  t.equal(Object.keys(resources(json, 'aws_route_table_association')).length, 2);
  t.same(Object.values(resources(json, 'aws_default_security_group')).map((g) => [g.ingress, g.egress]), [[[], []]]);
  t.same(Object.values(resources(json, 'aws_vpc_security_group_ingress_rule')).map((r) => [r.ip_protocol, r.from_port, r.to_port, r.cidr_ipv4]), [['tcp', 80, 80, '0.0.0.0/0'], ['udp', 53, 53, '0.0.0.0/0']]);
  t.same(Object.values(resources(json, 'aws_vpc_security_group_egress_rule')).map((r) => [r.ip_protocol, r.from_port, r.to_port]), [['tcp', 443, 443]]);
});

t.test('props are validated in the constructor', async (t) => {
  const { stack, provider } = emptyStack();
  t.throws(() => new OriginNetwork(stack, 'a', { provider, name: 'o', ports: [] }), { name: 'ConfigFieldError', field: 'ports' });
  t.throws(() => new OriginNetwork(stack, 'b', { provider, name: 'o', ports: [{ protocol: 'TCP', port: 22 }] }), { field: 'ports[0].port', message: /SSH\/RDP/ });
  t.throws(() => new OriginNetwork(stack, 'c', { provider, name: 'o', ports: [{ protocol: 'TCP', port: 3389 }] }), { name: 'ConfigFieldError', field: 'ports[0].port' });
  t.throws(() => new OriginNetwork(stack, 'd', { provider, name: 'o', ports: [{ protocol: 'TCP', port: 65536 }] }), { field: 'ports[0].port', code: 'INFRA_ERR_OUT_OF_RANGE' });
  t.throws(() => new OriginNetwork(stack, 'e', { provider, name: 'o', ports: [{ protocol: 'TCP', port: 80 }], vpcCidr: '10.0.0.0/8' }), { name: 'ConfigFieldError', field: 'vpcCidr' });
});
