import type { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { Instance } from '@cdktf/provider-aws/lib/instance/index.js';
import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter/index.js';
import { GA_LIMITS, al2023AmiParameter, architectureOf } from './aws-facts.js';
import type { Architecture } from './aws-facts.js';
import { ConfigFieldError } from './errors.js';

export interface OriginFleetProps {
  /** The AWS provider (alias) of the region. */
  readonly provider: TerraformProvider;
  /** Prefix of the instances' Name tags. */
  readonly name: string;
  /** The two subnets; instance i goes to subnet i % 2, so the fleet spans two zones. */
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  readonly instanceProfileName: string;
  readonly userData: string;
  /**
   * Instances (= endpoints per endpoint group), 1..10.
   * @default 2
   */
  readonly instanceCount?: number;
  /**
   * @default 't3.micro'
   */
  readonly instanceType?: string;
  /**
   * CPU architecture of the AMI.
   * @default - derived from the instance type (Graviton families are arm64)
   */
  readonly architecture?: Architecture;
  /**
   * One IPv6 address per instance (the subnets must have IPv6).
   * @default false
   */
  readonly ipv6?: boolean;
}

/**
 * The origin instances of one region: Amazon Linux 2023 from the public SSM parameter,
 * IMDSv2 only with hop limit 1 (CKV_AWS_79), encrypted gp3 root (CKV_AWS_8), detailed
 * monitoring (CKV_AWS_126), EBS-optimized, instance profile for SSM, no key pair.
 * A public IPv4 each (deliberate: they are public origins and fetch packages without a NAT).
 */
export class OriginFleet extends Construct {
  readonly instances: readonly Instance[];
  readonly architecture: Architecture;

  constructor(scope: Construct, id: string, props: OriginFleetProps) {
    super(scope, id);
    const { provider, name, subnetIds, securityGroupIds, instanceProfileName, userData, instanceCount = 2, instanceType = 't3.micro', ipv6 = false } = props;
    if (!Number.isInteger(instanceCount) || instanceCount < 1 || instanceCount > GA_LIMITS.endpointsPerGroup) {
      throw new ConfigFieldError('instanceCount', `must be 1..${GA_LIMITS.endpointsPerGroup} (endpoints per endpoint group), got ${instanceCount}`, instanceCount > GA_LIMITS.endpointsPerGroup ? 'INFRA_ERR_QUOTA' : 'INFRA_ERR_OUT_OF_RANGE');
    }
    if (subnetIds.length === 0) throw new ConfigFieldError('subnetIds', 'needs at least one subnet');
    if (securityGroupIds.length === 0) throw new ConfigFieldError('securityGroupIds', 'needs the origin security group');
    this.architecture = props.architecture ?? architectureOf(instanceType);

    const ami = new DataAwsSsmParameter(this, 'ami', { provider, name: al2023AmiParameter(this.architecture) });
    this.instances = Array.from({ length: instanceCount }, (_, i) => new Instance(this, `origin-${i + 1}`, {
      provider,
      ami: ami.insecureValue,
      instanceType,
      subnetId: subnetIds[i % subnetIds.length] as string,
      vpcSecurityGroupIds: [...securityGroupIds],
      iamInstanceProfile: instanceProfileName,
      associatePublicIpAddress: true,
      ...(ipv6 ? { ipv6AddressCount: 1 } : {}),
      monitoring: true,
      ebsOptimized: true,
      metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
      rootBlockDevice: { volumeType: 'gp3', encrypted: true, deleteOnTermination: true },
      userData,
      userDataReplaceOnChange: true,
      tags: { Name: `${name}-${i + 1}` },
      lifecycle: {
        // New artifact = new user data = replacement: bring the new instance up (and into the
        // endpoint groups) before the old one goes. A new AMI in the SSM parameter does not
        // replace running origins: roll them with `terraform apply -replace=...`.
        createBeforeDestroy: true,
        ignoreChanges: ['ami'],
      },
    }));
  }
}
