import { Fn } from 'cdktf';
import type { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile/index.js';
import { ConfigFieldError } from './errors.js';

export interface OriginRoleProps {
  /** Prefix of the role and instance-profile names. */
  readonly namePrefix: string;
  /** ARN of the one S3 object (the artifact) the instances may read. */
  readonly artifactObjectArn: string;
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
    const { namePrefix, artifactObjectArn, ssm = true, provider } = props;
    if (!/^[A-Za-z0-9+=,.@_-]{1,38}$/.test(namePrefix)) throw new ConfigFieldError('namePrefix', `IAM name prefixes are 1..38 characters of [A-Za-z0-9+=,.@_-], got ${JSON.stringify(namePrefix)}`);
    if (!artifactObjectArn) throw new ConfigFieldError('artifactObjectArn', 'is required');
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
        Statement: [{ Sid: 'ReadOriginArtifact', Effect: 'Allow', Action: 's3:GetObject', Resource: artifactObjectArn }],
      }),
    });
    this.instanceProfile = new IamInstanceProfile(this, 'profile', { ...p, namePrefix: `${namePrefix}-`, role: this.role.name });
  }
}
