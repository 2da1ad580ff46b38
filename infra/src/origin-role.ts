/**
 * The origin instances' IAM role and instance profile: Session Manager instead of SSH, and read
 * access to the artifact objects (one per region) and nothing else.
 */
import { Fn } from 'cdktf';
import type { ITerraformDependable, TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile/index.js';
import type { ArtifactBucket } from './artifact-bucket.js';

export interface OriginRoleProps {
  /** Prefix of the role and instance-profile names. */
  readonly namePrefix: string;
  /** The artifact buckets: the instances may read each one's artifact object (a version of it). */
  readonly artifacts: readonly ArtifactBucket[];
  /**
   * Attach AmazonSSMManagedInstanceCore: shell access through Session Manager instead of SSH,
   * and Run Command for `npm run rollout`.
   * @default true
   */
  readonly ssm?: boolean;
  /**
   * @default - the stack's default AWS provider (IAM is global)
   */
  readonly provider?: TerraformProvider;
}

export const SSM_MANAGED_POLICY_ARN = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';
/** The service that assumes the instances' role. */
export const EC2_SERVICE_PRINCIPAL = 'ec2.amazonaws.com';

export class OriginRole extends Construct {
  readonly role: IamRole;
  readonly instanceProfile: IamInstanceProfile;
  /** The read policy, the SSM attachment and the profile: an instance booting before them cannot fetch the artifact. */
  readonly bootDependencies: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: OriginRoleProps) {
    super(scope, id);
    const { namePrefix, artifacts, ssm = true, provider } = props;
    const p = provider ? { provider } : {};
    this.role = new IamRole(this, 'role', {
      ...p,
      namePrefix: `${namePrefix}-`,
      description: 'anycast-origin instances: SSM Session Manager and read of the origin artifact',
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: EC2_SERVICE_PRINCIPAL }, Action: 'sts:AssumeRole' }],
      }),
    });
    const attachment = ssm ? [new IamRolePolicyAttachment(this, 'ssm', { ...p, role: this.role.name, policyArn: SSM_MANAGED_POLICY_ARN })] : [];
    const read = new IamRolePolicy(this, 'read-artifact', {
      ...p,
      name: 'read-origin-artifact',
      role: this.role.id,
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        // GetObjectVersion: the instances ask for the exact version the stack uploaded.
        Statement: [{ Sid: 'ReadOriginArtifact', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: artifacts.map((a) => a.objectArn) }],
      }),
    });
    this.instanceProfile = new IamInstanceProfile(this, 'profile', { ...p, namePrefix: `${namePrefix}-`, role: this.role.name });
    this.bootDependencies = [read, ...attachment, this.instanceProfile];
  }
}
