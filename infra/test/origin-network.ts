import t from 'tap';
import { TerraformVariable } from 'cdktf';
import { ORIGIN_IMAGE } from '../src/image.js';
import { OriginNetwork, SSM_ENDPOINT_SERVICES, subnetCidr } from '../src/origin-network.js';
import { ref, regionParts, resources, synthStack, testConfig } from './fixtures/synth.js';
import type { Json } from './fixtures/synth.js';

const named = (json: Json, type: string, part: string): [string, Json] => {
  const found = Object.entries(resources(json, type)).filter(([n]) => n.includes(part));
  if (found.length !== 1) throw new Error(`expected one ${type} *${part}*, found ${found.length}`);
  return found[0] as [string, Json];
};

t.test('GIVEN the default region (private origins) WHEN synthesized', async (t) => {
  const p = regionParts();
  const json = synthStack(p.stack);
  const [sgName] = named(json, 'aws_security_group', 'origin-sg');
  const [s3Name, s3] = named(json, 'aws_vpc_endpoint', 'net_s3');

  t.test('THEN VPC, 2 subnets that hand out no public IPs, an internet gateway (Global Accelerator needs one) and a rule-less default SG', async (t) => {
    t.match(Object.values(resources(json, 'aws_vpc'))[0], { cidr_block: '10.0.0.0/16', enable_dns_support: true, enable_dns_hostnames: true });
    t.same(Object.values(resources(json, 'aws_subnet')).map((s) => [s.cidr_block, s.map_public_ip_on_launch]), [['10.0.0.0/20', false], ['10.0.16.0/20', false]]);
    t.equal(Object.keys(resources(json, 'aws_internet_gateway')).length, 1);
    t.same(Object.values(resources(json, 'aws_default_security_group')).map((g) => [g.ingress, g.egress]), [[[], []]]);
  });
  t.test('THEN the route table has no route out: the origins are reached only through the accelerator', async (t) => {
    const routes = Object.values(resources(json, 'aws_route_table'));
    t.same(routes.map((r) => r.route), [[]]);
    t.equal(Object.keys(resources(json, 'aws_route_table_association')).length, 2);
  });
  t.test('THEN an S3 gateway endpoint on that table lets them read the region\'s artifact and the image\'s package repositories, nothing else', async (t) => {
    t.match(s3, { service_name: 'com.amazonaws.us-east-1.s3', vpc_endpoint_type: 'Gateway' });
    t.same(s3.route_table_ids, [ref('aws_route_table', Object.keys(resources(json, 'aws_route_table'))[0] as string)]);
    const bucket = Object.keys(resources(json, 'aws_s3_bucket'))[0] as string;
    t.ok((s3.policy as string).includes(`"Resource" = ["\${aws_s3_bucket.${bucket}.arn}/${p.artifact.key}"]`), s3.policy as string);
    t.match(s3.policy, /"Action" = \["s3:GetObject", "s3:GetObjectVersion"\]/);
    t.same(resources(json, 'aws_vpc_endpoint')[s3Name] && Object.keys(resources(json, 'aws_vpc_endpoint')).length, 1, 'no SSM endpoints unless asked for');
  });
  t.test('THEN the origin SG admits exactly the listener ports and sends HTTPS only to S3\'s prefix list', async (t) => {
    t.same(Object.values(resources(json, 'aws_vpc_security_group_ingress_rule')).map((r) => [r.ip_protocol, r.from_port, r.to_port, r.cidr_ipv4]).sort(),
      [['tcp', 53, 53, '0.0.0.0/0'], ['tcp', 80, 80, '0.0.0.0/0'], ['udp', 53, 53, '0.0.0.0/0']]);
    t.same(Object.values(resources(json, 'aws_vpc_security_group_egress_rule')).map((r) => [r.security_group_id, r.ip_protocol, r.from_port, r.to_port, r.prefix_list_id, r.cidr_ipv4]),
      [[ref('aws_security_group', sgName), 'tcp', 443, 443, ref('aws_vpc_endpoint', s3Name, 'prefix_list_id'), undefined]]);
  });
  t.test('THEN an instance waits for the route associations, the endpoint and the egress rule', async (t) => {
    const deps = Object.values(resources(json, 'aws_instance'))[0]?.depends_on as string[];
    for (const d of [...Object.keys(resources(json, 'aws_route_table_association')).map((n) => `aws_route_table_association.${n}`), `aws_vpc_endpoint.${s3Name}`, ...Object.keys(resources(json, 'aws_vpc_security_group_egress_rule')).map((n) => `aws_vpc_security_group_egress_rule.${n}`)]) {
      t.ok(deps.includes(d), d);
    }
  });
});

t.test('GIVEN publicIp WHEN synthesized THEN routes to the internet gateway (both families with IPv6) and HTTPS out anywhere', async (t) => {
  const p = regionParts(testConfig({ regions: [{ region: 'us-east-1', publicIp: true, ipv6: true }] }));
  const json = synthStack(p.stack);
  const igw = ref('aws_internet_gateway', Object.keys(resources(json, 'aws_internet_gateway'))[0] as string);
  t.match(Object.values(resources(json, 'aws_route_table'))[0]?.route, [{ cidr_block: '0.0.0.0/0', gateway_id: igw }, { ipv6_cidr_block: '::/0', gateway_id: igw }]);
  t.same(Object.values(resources(json, 'aws_vpc_security_group_egress_rule')).map((r) => [r.cidr_ipv4, r.cidr_ipv6]), [['0.0.0.0/0', undefined], [undefined, '::/0']]);
  t.equal(Object.keys(resources(json, 'aws_vpc_endpoint')).length, 1, 'the S3 gateway endpoint stays (free, and keeps S3 traffic off the internet)');
});

t.test('GIVEN ssmEndpoints on private origins WHEN synthesized THEN ssm, ssmmessages and ec2messages interface endpoints in both subnets, reachable from the origins only', async (t) => {
  const p = regionParts(testConfig({ regions: [{ region: 'eu-central-1', ssmEndpoints: true }] }));
  const json = synthStack(p.stack);
  const endpoints = Object.values(resources(json, 'aws_vpc_endpoint')).filter((e) => e.vpc_endpoint_type === 'Interface');
  t.same(endpoints.map((e) => e.service_name).sort(), SSM_ENDPOINT_SERVICES.map((s) => `com.amazonaws.eu-central-1.${s}`).sort());
  const [epSgName] = named(json, 'aws_security_group', 'endpoint-sg');
  const [originSgName] = named(json, 'aws_security_group', 'origin-sg');
  for (const e of endpoints) {
    t.equal(e.private_dns_enabled, true);
    t.equal((e.subnet_ids as string[]).length, 2);
    t.same(e.security_group_ids, [ref('aws_security_group', epSgName)]);
  }
  const [, epIn] = named(json, 'aws_vpc_security_group_ingress_rule', 'endpoints-in-https');
  t.match(epIn, { security_group_id: ref('aws_security_group', epSgName), referenced_security_group_id: ref('aws_security_group', originSgName), from_port: 443, to_port: 443 });
  const [, out] = named(json, 'aws_vpc_security_group_egress_rule', 'out-https-endpoints');
  t.match(out, { security_group_id: ref('aws_security_group', originSgName), referenced_security_group_id: ref('aws_security_group', epSgName) });
  const [, s3] = named(json, 'aws_vpc_endpoint', 'net_s3');
  t.match(s3.policy, /arn:aws:s3:::amazon-ssm-eu-central-1\/\*/, 'SSM Agent\'s own buckets through the gateway endpoint');
  const deps = Object.values(resources(json, 'aws_instance'))[0]?.depends_on as string[];
  const interfaceNames = Object.entries(resources(json, 'aws_vpc_endpoint')).filter(([, e]) => e.vpc_endpoint_type === 'Interface').map(([n]) => `aws_vpc_endpoint.${n}`);
  t.equal(interfaceNames.filter((n) => deps.includes(n)).length, 3, 'instances wait for the endpoints');
});

t.test('GIVEN a VPC CIDR known only at apply (a token) THEN Terraform computes the subnets', async (t) => {
  const p = regionParts();
  const region = { ...p.region, vpcCidr: new TerraformVariable(p.stack, 'vpc_cidr', { type: 'string' }).stringValue };
  new OriginNetwork(p.stack, 'other', { provider: p.provider, name: 'x', region, listeners: p.config.listeners, artifact: p.artifact, image: ORIGIN_IMAGE });
  const subnets = Object.entries(resources(synthStack(p.stack), 'aws_subnet')).filter(([n]) => n.startsWith('other_')).map(([, s]) => s.cidr_block);
  t.same(subnets, ['${cidrsubnet(var.vpc_cidr, 4, 0)}', '${cidrsubnet(var.vpc_cidr, 4, 1)}']);
});

t.test('subnetCidr: the nth 1/16th of the VPC CIDR', async (t) => {
  t.equal(subnetCidr('10.0.0.0/16', 0), '10.0.0.0/20');
  t.equal(subnetCidr('10.0.0.0/16', 1), '10.0.16.0/20');
  t.equal(subnetCidr('192.168.4.0/24', 1), '192.168.4.16/28');
  t.equal(subnetCidr('172.31.0.0/20', 15), '172.31.15.0/24');
});
