import t from 'tap';
import { OriginRole, SSM_MANAGED_POLICY_ARN } from '../src/origin-role.js';
import { emptyStack, resources, synthStack } from './fixtures/synth.js';

t.test('GIVEN an object ARN WHEN synthesized THEN the role may get that object only, plus SSM', async (t) => {
  const { stack } = emptyStack();
  new OriginRole(stack, 'r', { namePrefix: 'edge', artifactObjectArn: 'arn:aws:s3:::b/k.tar.gz' });
  const json = synthStack(stack);
  t.equal(Object.values(resources(json, 'aws_iam_role_policy'))[0]?.policy, '${jsonencode({"Version" = "2012-10-17", "Statement" = [{"Sid" = "ReadOriginArtifact", "Effect" = "Allow", "Action" = "s3:GetObject", "Resource" = "arn:aws:s3:::b/k.tar.gz"}]})}');
  t.equal(Object.values(resources(json, 'aws_iam_role_policy_attachment'))[0]?.policy_arn, SSM_MANAGED_POLICY_ARN);
  t.equal(Object.values(resources(json, 'aws_iam_instance_profile'))[0]?.name_prefix, 'edge-');
});

t.test('GIVEN ssm false THEN no managed policy', async (t) => {
  const { stack } = emptyStack();
  new OriginRole(stack, 'r', { namePrefix: 'edge', artifactObjectArn: 'arn:aws:s3:::b/k', ssm: false });
  t.same(resources(synthStack(stack), 'aws_iam_role_policy_attachment'), {});
});

t.test('props are validated in the constructor', async (t) => {
  const { stack } = emptyStack();
  t.throws(() => new OriginRole(stack, 'a', { namePrefix: 'has space', artifactObjectArn: 'x' }), { name: 'ConfigFieldError', field: 'namePrefix' });
  t.throws(() => new OriginRole(stack, 'b', { namePrefix: 'edge', artifactObjectArn: '' }), { name: 'ConfigFieldError', field: 'artifactObjectArn' });
});
