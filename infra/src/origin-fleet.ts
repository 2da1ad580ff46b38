/**
 * The origin instances of one region, from the config's region (count, type, IPv6), placed in
 * the region's OriginNetwork and running as the OriginRole.
 */
import { Op, Token } from 'cdktf';
import type { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { Instance } from '@cdktf/provider-aws/lib/instance/index.js';
import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter/index.js';
import { DataAwsEc2InstanceType } from '@cdktf/provider-aws/lib/data-aws-ec2-instance-type/index.js';
import type { RegionConfig } from '@anycast-origin/config';
import { al2023AmiParameter, architectureOf } from './aws-facts.js';
import type { Architecture } from './aws-facts.js';
import { InvalidOptionError } from './errors.js';
import type { OriginNetwork } from './origin-network.js';
import type { OriginRole } from './origin-role.js';

export interface OriginFleetProps {
  /** The AWS provider (alias) of the region. */
  readonly provider: TerraformProvider;
  /** Prefix of the instances' Name tags. */
  readonly name: string;
  /** The config's region: `instanceCount`, `instanceType`, `ipv6`. */
  readonly region: RegionConfig;
  /** The region's network: instance i goes to subnet i % 2 (two zones), in the origin security group. */
  readonly network: OriginNetwork;
  /** The instances' role (its instance profile). */
  readonly role: OriginRole;
  readonly userData: string;
  /**
   * CPU architecture of the AMI.
   * @default - derived from the instance type (Graviton families are arm64)
   */
  readonly architecture?: Architecture;
}

/**
 * The origin instances of one region: Amazon Linux 2023 from the public SSM parameter,
 * IMDSv2 only with hop limit 1 (CKV_AWS_79), encrypted gp3 root (CKV_AWS_8), detailed
 * monitoring (CKV_AWS_126), EBS-optimized where the type supports it (CKV_AWS_135), instance
 * profile for SSM, no key pair.
 * A public IPv4 each (deliberate: they are public origins and fetch packages without a NAT).
 */
export class OriginFleet extends Construct {
  readonly instances: readonly Instance[];
  readonly architecture: Architecture;
  readonly region: RegionConfig;

  constructor(scope: Construct, id: string, props: OriginFleetProps) {
    super(scope, id);
    const { provider, name, region, network, role, userData } = props;
    const { instanceCount, instanceType, ipv6 } = region;
    this.region = region;
    if (props.architecture === undefined && Token.isUnresolved(instanceType)) {
      throw new InvalidOptionError('architecture', 'must be given when region.instanceType is only known at apply (a token): the AMI depends on it');
    }
    this.architecture = props.architecture ?? architectureOf(instanceType);

    const ami = new DataAwsSsmParameter(this, 'ami', { provider, name: al2023AmiParameter(this.architecture) });
    // EBS optimization where the type has it ('default' on every current type, 'supported' as an
    // option on older ones); asking for it on a type that does not (t2, ...) fails the launch.
    const type = new DataAwsEc2InstanceType(this, 'type', { provider, instanceType });
    const ebsOptimized = Token.asAny(Op.neq(type.ebsOptimizedSupport, 'unsupported'));
    this.instances = Array.from({ length: instanceCount }, (_, i) => new Instance(this, `origin-${i + 1}`, {
      provider,
      ami: ami.insecureValue,
      instanceType,
      subnetId: network.subnets[i % network.subnets.length]?.id as string,
      vpcSecurityGroupIds: [network.originSecurityGroup.id],
      iamInstanceProfile: role.instanceProfile.name,
      associatePublicIpAddress: true,
      ...(ipv6 ? { ipv6AddressCount: 1 } : {}),
      monitoring: true,
      ebsOptimized,
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
