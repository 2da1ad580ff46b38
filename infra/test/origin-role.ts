import t from 'tap';
import { OriginRole, SSM_MANAGED_POLICY_ARN } from '../src/origin-role.js';
import { regionParts, resources, synthStack } from './fixtures/synth.js';

t.test('GIVEN the artifact bucket WHEN synthesized THEN the role may get that one object (any version of it) only, plus SSM', async (t) => {
  const p = regionParts();
  const json = synthStack(p.stack);
  const bucket = Object.keys(resources(json, 'aws_s3_bucket'))[0] as string;
  const policy = Object.values(resources(json, 'aws_iam_role_policy'))[0]?.policy as string;
  t.ok(policy.includes(`"Resource" = ["\${aws_s3_bucket.${bucket}.arn}/${p.artifact.key}"]`), policy);
  t.match(policy, /"Action" = \["s3:GetObject", "s3:GetObjectVersion"\]/);
  t.notMatch(policy, /\*/, 'no wildcard');
  t.equal(Object.values(resources(json, 'aws_iam_role_policy_attachment'))[0]?.policy_arn, SSM_MANAGED_POLICY_ARN);
  t.equal(Object.values(resources(json, 'aws_iam_instance_profile'))[0]?.name_prefix, 'anycast-origin-');
  t.equal(p.role.bootDependencies.length, 3, 'policy, attachment, profile');
});

t.test('GIVEN ssm false THEN no managed policy', async (t) => {
  const p = regionParts();
  const r = new OriginRole(p.stack, 'r2', { namePrefix: 'edge', artifacts: [p.artifact], ssm: false });
  t.equal(Object.keys(resources(synthStack(p.stack), 'aws_iam_role_policy_attachment')).length, 1, 'only the first role has one');
  t.equal(r.bootDependencies.length, 2);
});
