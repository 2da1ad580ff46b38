/**
 * The origin instances' IAM role and instance profile: Session Manager instead of SSH, and
 * read access to the one artifact object and nothing else.
 */
import { Fn } from 'cdktf';
import type { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile/index.js';
import type { ArtifactBucket } from './artifact-bucket.js';

export interface OriginRoleProps {
  /** Prefix of the role and instance-profile names. */
  readonly namePrefix: string;
  /** The bucket of the artifact: the instances may read its one object. */
  readonly artifact: ArtifactBucket;
  /**
   * Attach AmazonSSMManagedInstanceCore: shell access through Session Manager instead of SSH.
   * @default true
   */
  readonly ssm?: boolean;
  /**
   * @default - the stack's default AWS provider (IAM is global)
   */
  readonly provider?: TerraformProvider;
}

export const SSM_MANAGED_POLICY_ARN = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';

/** The origin instances' role and instance profile: Session Manager, and s3:GetObject on the artifact only. */
export class OriginRole extends Construct {
  readonly role: IamRole;
  readonly instanceProfile: IamInstanceProfile;

  constructor(scope: Construct, id: string, props: OriginRoleProps) {
    super(scope, id);
    const { namePrefix, artifact, ssm = true, provider } = props;
    const p = provider ? { provider } : {};

    this.role = new IamRole(this, 'role', {
      ...p,
      namePrefix: `${namePrefix}-`,
      description: 'anycast-origin instances: SSM Session Manager and read of the origin artifact',
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });
    if (ssm) new IamRolePolicyAttachment(this, 'ssm', { ...p, role: this.role.name, policyArn: SSM_MANAGED_POLICY_ARN });
    new IamRolePolicy(this, 'read-artifact', {
      ...p,
      name: 'read-origin-artifact',
      role: this.role.id,
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [{ Sid: 'ReadOriginArtifact', Effect: 'Allow', Action: 's3:GetObject', Resource: artifact.objectArn }],
      }),
    });
    this.instanceProfile = new IamInstanceProfile(this, 'profile', { ...p, namePrefix: `${namePrefix}-`, role: this.role.name });
  }
}
