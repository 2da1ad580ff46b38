import t from 'tap';
import { TerraformVariable } from 'cdktf';
import { OriginNetwork, subnetCidr } from '../src/origin-network.js';
import { emptyStack, resources, synthStack, testConfig } from './fixtures/synth.js';

t.test('GIVEN the default region and listeners WHEN synthesized THEN VPC, 2 subnets, IGW, routes, a rule-less default SG and exactly the listener ports in', async (t) => {
  const { stack, provider } = emptyStack();
  const c = testConfig();
  new OriginNetwork(stack, 'net', { provider, name: 'o', region: c.regions[0] as (typeof c.regions)[number], listeners: c.listeners });
  const json = synthStack(stack);
  t.match(Object.values(resources(json, 'aws_vpc'))[0], { cidr_block: '10.0.0.0/16', enable_dns_support: true, enable_dns_hostnames: true });
  t.same(Object.values(resources(json, 'aws_subnet')).map((s) => s.cidr_block), ['10.0.0.0/20', '10.0.16.0/20']);
  t.equal(Object.keys(resources(json, 'aws_internet_gateway')).length, 1);
  t.equal(Object.keys(resources(json, 'aws_route_table_association')).length, 2);
  t.same(Object.values(resources(json, 'aws_default_security_group')).map((g) => [g.ingress, g.egress]), [[[], []]]);
  t.same(Object.values(resources(json, 'aws_vpc_security_group_ingress_rule')).map((r) => [r.ip_protocol, r.from_port, r.to_port, r.cidr_ipv4]).sort(),
    [['tcp', 53, 53, '0.0.0.0/0'], ['tcp', 80, 80, '0.0.0.0/0'], ['udp', 53, 53, '0.0.0.0/0']]);
  t.same(Object.values(resources(json, 'aws_vpc_security_group_egress_rule')).map((r) => [r.ip_protocol, r.from_port, r.to_port]), [['tcp', 443, 443]]);
});

t.test('GIVEN a VPC CIDR known only at apply (a token) THEN Terraform computes the subnets', async (t) => {
  const { stack, provider } = emptyStack();
  const c = testConfig();
  const region = { ...(c.regions[0] as (typeof c.regions)[number]), vpcCidr: new TerraformVariable(stack, 'vpc_cidr', { type: 'string' }).stringValue };
  new OriginNetwork(stack, 'net', { provider, name: 'o', region, listeners: c.listeners });
  t.same(Object.values(resources(synthStack(stack), 'aws_subnet')).map((s) => s.cidr_block), ['${cidrsubnet(var.vpc_cidr, 4, 0)}', '${cidrsubnet(var.vpc_cidr, 4, 1)}']);
});

t.test('subnetCidr: the nth 1/16th of the VPC CIDR', async (t) => {
  t.equal(subnetCidr('10.0.0.0/16', 0), '10.0.0.0/20');
  t.equal(subnetCidr('10.0.0.0/16', 1), '10.0.16.0/20');
  t.equal(subnetCidr('192.168.4.0/24', 1), '192.168.4.16/28');
  t.equal(subnetCidr('172.31.0.0/20', 15), '172.31.15.0/24');
});
