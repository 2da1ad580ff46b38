/**
 * The origin instances of one region, from the config's region (count, type, IPv6, public or
 * private), placed in the region's OriginNetwork, running as the OriginRole, booting the
 * OriginImage and installing the region's copy of the artifact.
 */
import { Op, Token } from 'cdktf';
import type { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { Instance } from '@cdktf/provider-aws/lib/instance/index.js';
import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter/index.js';
import { DataAwsEc2InstanceType } from '@cdktf/provider-aws/lib/data-aws-ec2-instance-type/index.js';
import type { RegionConfig } from '@anycast-origin/config';
import type { ArtifactBucket } from './artifact-bucket.js';
import { InvalidOptionError } from './errors.js';
import { ORIGIN_IMAGE, architectureOf } from './image.js';
import type { Architecture, OriginImage } from './image.js';
import type { OriginNetwork } from './origin-network.js';
import type { OriginRole } from './origin-role.js';
import { renderUserData } from './user-data.js';
import type { OriginSettings } from './user-data.js';

export interface OriginFleetProps {
  /** The AWS provider (alias) of the region. */
  readonly provider: TerraformProvider;
  /** Prefix of the instances' Name tags. */
  readonly name: string;
  /** The config's region: `region`, `instanceCount`, `instanceType`, `ipv6`, `publicIp`. */
  readonly region: RegionConfig;
  /** The region's network: instance i goes to subnet i % 2 (two zones), in the origin security group. */
  readonly network: OriginNetwork;
  /** The instances' role (its instance profile). */
  readonly role: OriginRole;
  /** The region's copy of the artifact, which the instances install at boot. */
  readonly artifact: ArtifactBucket;
  /** The region's settings for the origin (originSettings()). */
  readonly origin: OriginSettings;
  /**
   * @default ORIGIN_IMAGE
   */
  readonly image?: OriginImage;
  /**
   * CPU architecture of the AMI.
   * @default - derived from the instance type (Graviton families are arm64)
   */
  readonly architecture?: Architecture;
}

/**
 * IMDSv2 only with hop limit 1 (CKV_AWS_79), encrypted gp3 root (CKV_AWS_8), detailed monitoring
 * (CKV_AWS_126), EBS-optimized where the type supports it (CKV_AWS_135), instance profile for
 * SSM, no key pair; a public IPv4 only where the region asks for public origins.
 *
 * An instance starts only once everything its boot script needs exists (the artifact object,
 * the role's policy and profile, the routes, endpoints and egress rules), and is never replaced
 * by a new artifact or AMI: `npm run rollout -w infra` updates the fleet one instance at a time
 * behind the accelerator (a replacement of every instance in one apply would leave each group
 * without a healthy endpoint for minutes).
 */
export class OriginFleet extends Construct {
  readonly instances: readonly Instance[];
  readonly architecture: Architecture;
  readonly region: RegionConfig;
  /** The boot script every instance of the region runs. */
  readonly userData: string;

  constructor(scope: Construct, id: string, props: OriginFleetProps) {
    super(scope, id);
    const { provider, name, region, network, role, artifact, origin, image = ORIGIN_IMAGE } = props;
    const { instanceCount, instanceType, ipv6, publicIp } = region;
    this.region = region;
    if (props.architecture === undefined && Token.isUnresolved(instanceType)) {
      throw new InvalidOptionError('architecture', 'must be given when region.instanceType is only known at apply (a token): the AMI depends on it');
    }
    this.architecture = props.architecture ?? architectureOf(instanceType);
    this.userData = renderUserData({
      image,
      artifact: { bucket: artifact.bucket.id, key: artifact.key, versionId: artifact.versionId, sha256: artifact.artifact.sha256, region: region.region },
      origin,
      ssmAgent: region.publicIp || region.ssmEndpoints,
    });

    const ami = new DataAwsSsmParameter(this, 'ami', { provider, name: image.amiParameter(this.architecture) });
    // EBS optimization where the type has it ('default' on every current type, 'supported' as an
    // option on older ones); asking for it on a type that does not (t2, ...) fails the launch.
    const type = new DataAwsEc2InstanceType(this, 'type', { provider, instanceType });
    const ebsOptimized = Token.asAny(Op.neq(type.ebsOptimizedSupport, 'unsupported'));
    const dependsOn = [artifact.object, ...role.bootDependencies, ...network.bootDependencies];

    this.instances = Array.from({ length: instanceCount }, (_, i) => new Instance(this, `origin-${i + 1}`, {
      provider,
      ami: ami.insecureValue,
      instanceType,
      subnetId: network.subnets[i % network.subnets.length]?.id as string,
      vpcSecurityGroupIds: [network.originSecurityGroup.id],
      iamInstanceProfile: role.instanceProfile.name,
      associatePublicIpAddress: publicIp,
      ...(ipv6 ? { ipv6AddressCount: 1 } : {}),
      monitoring: true,
      ebsOptimized,
      metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
      rootBlockDevice: { volumeType: 'gp3', encrypted: true, deleteOnTermination: true },
      userData: this.userData,
      tags: { Name: `${name}-${i + 1}` },
      dependsOn,
      lifecycle: {
        // The rollout replaces an instance when asked (terraform apply -replace): the new one
        // joins the groups before the old one goes.
        createBeforeDestroy: true,
        // A new AMI in the SSM parameter or a new artifact (new user data) replaces nothing.
        ignoreChanges: ['ami', 'user_data'],
      },
    }));
  }
}
