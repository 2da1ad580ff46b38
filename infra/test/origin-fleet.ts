import t from 'tap';
import { OriginFleet } from '../src/origin-fleet.js';
import type { OriginFleetProps } from '../src/origin-fleet.js';
import { dataSources, emptyStack, resources, synthStack } from './fixtures/synth.js';

const base = (provider: OriginFleetProps['provider']): OriginFleetProps => ({ provider, name: 'o', subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: ['sg-1'], instanceProfileName: 'p', userData: '#!/bin/bash\n' });

t.test('GIVEN 3 arm64 instances WHEN synthesized THEN the arm64 AMI parameter and subnets a, b, a', async (t) => {
  const { stack, provider } = emptyStack();
  const fleet = new OriginFleet(stack, 'f', { ...base(provider), instanceCount: 3, instanceType: 'c7g.large' });
  const json = synthStack(stack);
  t.equal(fleet.architecture, 'arm64');
  t.equal(Object.values(dataSources(json, 'aws_ssm_parameter'))[0]?.name, '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64');
  t.same(Object.values(resources(json, 'aws_instance')).map((i) => i.subnet_id), ['subnet-a', 'subnet-b', 'subnet-a']);
  t.same(Object.values(resources(json, 'aws_instance')).map((i) => i.tags.Name), ['o-1', 'o-2', 'o-3']);
});

t.test('GIVEN an explicit architecture THEN it wins over the instance type', async (t) => {
  const { stack, provider } = emptyStack();
  t.equal(new OriginFleet(stack, 'f', { ...base(provider), instanceType: 'm7g.large', architecture: 'x86_64' }).architecture, 'x86_64');
});

t.test('props are validated in the constructor', async (t) => {
  const { stack, provider } = emptyStack();
  t.throws(() => new OriginFleet(stack, 'a', { ...base(provider), instanceCount: 11 }), { field: 'instanceCount', code: 'INFRA_ERR_QUOTA' });
  t.throws(() => new OriginFleet(stack, 'b', { ...base(provider), instanceCount: 0 }), { field: 'instanceCount', code: 'INFRA_ERR_OUT_OF_RANGE' });
  t.throws(() => new OriginFleet(stack, 'c', { ...base(provider), subnetIds: [] }), { name: 'ConfigFieldError', field: 'subnetIds' });
  t.throws(() => new OriginFleet(stack, 'd', { ...base(provider), securityGroupIds: [] }), { name: 'ConfigFieldError', field: 'securityGroupIds' });
});
