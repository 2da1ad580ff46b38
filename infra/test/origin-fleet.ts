import t from 'tap';
import { TerraformVariable } from 'cdktf';
import { OriginFleet } from '../src/origin-fleet.js';
import { dataSources, ref, regionParts, resources, synthStack, testConfig } from './fixtures/synth.js';

t.test('GIVEN 3 Graviton instances WHEN synthesized THEN the arm64 AMI parameter, subnets a, b, a, the origin security group and the role\'s profile', async (t) => {
  const p = regionParts(testConfig({ regions: [{ region: 'us-east-1', instanceCount: 3, instanceType: 'c7g.large' }] }));
  const json = synthStack(p.stack);
  t.equal(p.fleet.architecture, 'arm64');
  t.equal(Object.values(dataSources(json, 'aws_ssm_parameter'))[0]?.name, '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64');
  const instances = Object.values(resources(json, 'aws_instance'));
  const subnets = Object.keys(resources(json, 'aws_subnet'));
  t.same(instances.map((i) => i.subnet_id), [0, 1, 0].map((n) => ref('aws_subnet', subnets[n] as string)));
  t.same(instances.map((i) => i.tags.Name), ['o-1', 'o-2', 'o-3']);
  t.same(instances.map((i) => i.instance_type), ['c7g.large', 'c7g.large', 'c7g.large']);
  const sg = Object.keys(resources(json, 'aws_security_group'))[0] as string;
  const profile = Object.keys(resources(json, 'aws_iam_instance_profile'))[0] as string;
  for (const i of instances) {
    t.same(i.vpc_security_group_ids, [ref('aws_security_group', sg)]);
    t.equal(i.iam_instance_profile, ref('aws_iam_instance_profile', profile, 'name'));
  }
});

t.test('GIVEN an explicit architecture THEN it wins over the instance type', async (t) => {
  const p = regionParts(testConfig({ regions: [{ region: 'us-east-1', instanceType: 'm7g.large' }] }));
  const provider = p.network.vpc.provider;
  if (!provider) throw new Error('no provider');
  t.equal(p.fleet.architecture, 'arm64');
  const fleet = new OriginFleet(p.stack, 'x86', { provider, name: 'x', region: p.region, network: p.network, role: p.role, userData: '', architecture: 'x86_64' });
  t.equal(fleet.architecture, 'x86_64');
});

t.test('GIVEN an instance type known only at apply (a token) THEN the architecture must be given', async (t) => {
  const p = regionParts();
  const region = { ...p.region, instanceType: new TerraformVariable(p.stack, 'instance_type', { type: 'string' }).stringValue };
  const provider = p.network.vpc.provider;
  if (!provider) throw new Error('no provider');
  t.throws(() => new OriginFleet(p.stack, 'f', { provider, name: 'f', region, network: p.network, role: p.role, userData: '' }), {
    name: 'InvalidOptionError', code: 'INFRA_ERR_INVALID_OPTION', option: 'architecture',
  });
  t.equal(new OriginFleet(p.stack, 'g', { provider, name: 'g', region, network: p.network, role: p.role, userData: '', architecture: 'arm64' }).architecture, 'arm64');
});
