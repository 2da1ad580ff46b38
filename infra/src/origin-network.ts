/**
 * A region's network for the origins, from the config's region (CIDR, IPv6, zones, public or
 * private origins, SSM endpoints) and its listeners (the ports the origin security group admits).
 *
 * By default the origins are private: no public IPv4 and no route to the internet gateway, so
 * they are reached only through the accelerator (AWS: EC2 endpoints need no public IP, only an
 * internet gateway attached to the VPC). Direct traffic would bypass the accelerator, risk
 * connection collisions with client IP preservation and expose an open DNS responder. The
 * instances reach what they need over an S3 gateway endpoint (free; its policy lets them read
 * the region's copy of the artifact and the image's package repositories, nothing else) and,
 * when the region asks for it, SSM interface endpoints. `publicIp` keeps public origins.
 */
import { Fn, Token } from 'cdktf';
import type { ITerraformDependable, TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
import { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway/index.js';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table/index.js';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association/index.js';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import type { VpcSecurityGroupEgressRuleConfig } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { DataAwsAvailabilityZones } from '@cdktf/provider-aws/lib/data-aws-availability-zones/index.js';
import { DataAwsEc2InstanceTypeOfferings } from '@cdktf/provider-aws/lib/data-aws-ec2-instance-type-offerings/index.js';
import type { ListenerConfig, RegionConfig } from '@anycast-origin/config';
import type { ArtifactBucket } from './artifact-bucket.js';
import type { OriginImage } from './image.js';

export interface OriginNetworkProps {
  /** The AWS provider (alias) of the region. */
  readonly provider: TerraformProvider;
  /** Prefix of Name tags and of the security group names. */
  readonly name: string;
  /**
   * The config's region: `region`, `vpcCidr`, `ipv6`, `availabilityZones`, `instanceType` (the
   * zones must offer it), `publicIp`, `ssmEndpoints`.
   */
  readonly region: RegionConfig;
  /** The listeners: the origin security group admits exactly their ports, from anywhere. */
  readonly listeners: readonly ListenerConfig[];
  /** The region's copy of the artifact: the S3 gateway endpoint lets the origins read it. */
  readonly artifact: ArtifactBucket;
  /** The image the origins boot: the endpoint lets them read its package repositories. */
  readonly image: OriginImage;
}

/** SSM's interface endpoints: Session Manager and Run Command (ec2messages for older agents). */
export const SSM_ENDPOINT_SERVICES = Object.freeze(['ssm', 'ssmmessages', 'ec2messages']);

/** The S3 objects SSM Agent reads in its region (agent updates, documents), when SSM endpoints are on. */
function ssmAgentObjects(region: string): string[] {
  return [`arn:aws:s3:::aws-ssm-${region}/*`, `arn:aws:s3:::amazon-ssm-${region}/*`, `arn:aws:s3:::amazon-ssm-packages-${region}/*`, `arn:aws:s3:::${region}-birdwatcher-prod/*`];
}

/**
 * VPC, two subnets in two zones, the internet gateway Global Accelerator needs, one route table,
 * the S3 gateway endpoint, the default security group stripped of every rule (CKV2_AWS_12), and
 * the origin security group: exactly the listener ports in from anywhere (client IP
 * preservation delivers clients' own addresses), HTTPS out only where the origins need it.
 */
export class OriginNetwork extends Construct {
  readonly vpc: Vpc;
  readonly subnets: readonly [Subnet, Subnet];
  readonly routeTable: RouteTable;
  readonly s3Endpoint: VpcEndpoint;
  /** The SSM interface endpoints (none unless the region asks for them). */
  readonly ssmEndpoints: readonly VpcEndpoint[];
  readonly originSecurityGroup: SecurityGroup;
  readonly defaultSecurityGroup: DefaultSecurityGroup;
  /**
   * What an instance's boot script needs in place before the instance starts: routes, the
   * endpoints and the egress rules (Terraform would otherwise start instances that cannot
   * reach S3 yet).
   */
  readonly bootDependencies: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: OriginNetworkProps) {
    super(scope, id);
    const { provider, name, region, listeners, artifact, image } = props;
    const { vpcCidr, ipv6, availabilityZones, instanceType, publicIp } = region;
    const boot: ITerraformDependable[] = [];

    const tag = (suffix: string) => ({ Name: `${name}-${suffix}` });
    this.vpc = new Vpc(this, 'vpc', {
      provider,
      cidrBlock: vpcCidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      ...(ipv6 ? { assignGeneratedIpv6CidrBlock: true } : {}),
      tags: tag('vpc'),
    });

    let zones: [string, string];
    if (availabilityZones) {
      zones = [availabilityZones[0], availabilityZones[1]];
    } else {
      // Zones that offer the instance type, minus Local/Wavelength Zones (opt-in ones):
      // some zones (us-east-1e) lack current instance types, and the seed put both instances in one zone.
      const regular = new DataAwsAvailabilityZones(this, 'zones', {
        provider,
        state: 'available',
        filter: [{ name: 'opt-in-status', values: ['opt-in-not-required'] }],
      });
      const offering = new DataAwsEc2InstanceTypeOfferings(this, 'offerings', {
        provider,
        locationType: 'availability-zone',
        filter: [{ name: 'instance-type', values: [instanceType] }],
      });
      const usable = Fn.sort(Fn.setintersection(regular.names, [offering.locations]));
      zones = [Fn.element(usable, 0) as string, Fn.element(usable, 1) as string];
    }

    this.subnets = [0, 1].map(
      (i) =>
        new Subnet(this, `subnet-${i + 1}`, {
          provider,
          vpcId: this.vpc.id,
          // A literal CIDR when the VPC's is known at synth, else Terraform computes it.
          cidrBlock: Token.isUnresolved(vpcCidr) ? Fn.cidrsubnet(vpcCidr, 4, i) : subnetCidr(vpcCidr, i),
          availabilityZone: zones[i] as string,
          // Public origins ask for their public IPv4 themselves (CKV_AWS_130: nothing else gets one).
          mapPublicIpOnLaunch: false,
          ...(ipv6 ? { ipv6CidrBlock: Fn.cidrsubnet(this.vpc.ipv6CidrBlock, 8, i), assignIpv6AddressOnCreation: true } : {}),
          tags: tag(`origins-${i + 1}`),
        }),
    ) as [Subnet, Subnet];

    // Global Accelerator needs an internet gateway attached to the VPC, also for private origins.
    const igw = new InternetGateway(this, 'igw', { provider, vpcId: this.vpc.id, tags: tag('igw') });
    this.routeTable = new RouteTable(this, 'routes', {
      provider,
      vpcId: this.vpc.id,
      // Private origins: no route out at all (S3 through the gateway endpoint's own route).
      route: publicIp
        ? [{ cidrBlock: '0.0.0.0/0', gatewayId: igw.id }, ...(ipv6 ? [{ ipv6CidrBlock: '::/0', gatewayId: igw.id }] : [])]
        : [],
      tags: tag(publicIp ? 'public' : 'private'),
    });
    this.subnets.forEach((s, i) => boot.push(new RouteTableAssociation(this, `routes-${i + 1}`, { provider, subnetId: s.id, routeTableId: this.routeTable.id })));

    this.s3Endpoint = new VpcEndpoint(this, 's3', {
      provider,
      vpcId: this.vpc.id,
      serviceName: `com.amazonaws.${region.region}.s3`,
      vpcEndpointType: 'Gateway',
      routeTableIds: [this.routeTable.id],
      // Fn.jsonencode: the policy holds references (see ArtifactBucket's bucket policy).
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [{
          Sid: 'OriginReads',
          Effect: 'Allow',
          Principal: '*',
          Action: ['s3:GetObject', 's3:GetObjectVersion'],
          Resource: [artifact.objectArn, ...image.packageObjects(region.region), ...(region.ssmEndpoints ? ssmAgentObjects(region.region) : [])],
        }],
      }),
      tags: tag('s3'),
    });
    boot.push(this.s3Endpoint);

    // Adopting the default security group with no rules strips AWS's allow-all rules (CKV2_AWS_12).
    this.defaultSecurityGroup = new DefaultSecurityGroup(this, 'default-sg', {
      provider,
      vpcId: this.vpc.id,
      ingress: [],
      egress: [],
      tags: tag('default-deny-all'),
    });

    // Nothing here depends on the listeners: a changed listener adds or removes rule resources
    // below, never replaces the group (a description or name change would: with instances that
    // reference it, a fixed name then fails with InvalidGroup.Duplicate). name_prefix and
    // create_before_destroy keep a replacement for another reason (a new VPC) possible.
    this.originSecurityGroup = new SecurityGroup(this, 'origin-sg', {
      provider,
      namePrefix: `${name}-origin-`,
      description: 'anycast origin: the listener ports in (one rule each), HTTPS out',
      vpcId: this.vpc.id,
      tags: tag('origin'),
      lifecycle: { createBeforeDestroy: true },
    });
    const everywhere = [{ cidrIpv4: '0.0.0.0/0' }, ...(ipv6 ? [{ cidrIpv6: '::/0' }] : [])];
    for (const p of listeners) {
      for (const src of everywhere) {
        const family = 'cidrIpv4' in src ? 'ipv4' : 'ipv6';
        new VpcSecurityGroupIngressRule(this, `in-${p.protocol.toLowerCase()}-${p.port}-${family}`, {
          provider,
          securityGroupId: this.originSecurityGroup.id,
          ipProtocol: p.protocol.toLowerCase(),
          fromPort: p.port,
          toPort: p.port,
          ...src,
          description: `listener ${p.protocol} ${p.port} (Global Accelerator preserves client IPs)`,
        });
      }
    }

    const https = (ruleId: string, to: Pick<VpcSecurityGroupEgressRuleConfig, 'cidrIpv4' | 'cidrIpv6' | 'prefixListId' | 'referencedSecurityGroupId'>, description: string) =>
      boot.push(new VpcSecurityGroupEgressRule(this, ruleId, {
        provider, securityGroupId: this.originSecurityGroup.id, ipProtocol: 'tcp', fromPort: 443, toPort: 443, ...to, description,
      }));
    if (publicIp) {
      for (const dst of everywhere) https(`out-https-${'cidrIpv4' in dst ? 'ipv4' : 'ipv6'}`, dst, 'HTTPS out: package repositories, S3, SSM');
    } else {
      https('out-https-s3', { prefixListId: this.s3Endpoint.prefixListId }, 'HTTPS to S3 through the gateway endpoint: the artifact and the package repositories');
    }

    const endpoints: VpcEndpoint[] = [];
    if (region.ssmEndpoints) {
      const sg = new SecurityGroup(this, 'endpoint-sg', {
        provider,
        namePrefix: `${name}-endpoints-`,
        description: 'SSM interface endpoints: HTTPS in from the origins',
        vpcId: this.vpc.id,
        tags: tag('endpoints'),
        lifecycle: { createBeforeDestroy: true },
      });
      new VpcSecurityGroupIngressRule(this, 'endpoints-in-https', {
        provider, securityGroupId: sg.id, ipProtocol: 'tcp', fromPort: 443, toPort: 443, referencedSecurityGroupId: this.originSecurityGroup.id, description: 'HTTPS from the origins',
      });
      if (!publicIp) https('out-https-endpoints', { referencedSecurityGroupId: sg.id }, 'HTTPS to the SSM interface endpoints');
      for (const service of SSM_ENDPOINT_SERVICES) {
        const e = new VpcEndpoint(this, `${service}-endpoint`, {
          provider,
          vpcId: this.vpc.id,
          serviceName: `com.amazonaws.${region.region}.${service}`,
          vpcEndpointType: 'Interface',
          subnetIds: this.subnets.map((s) => s.id),
          securityGroupIds: [sg.id],
          privateDnsEnabled: true,
          tags: tag(service),
        });
        endpoints.push(e);
        boot.push(e);
      }
    }
    this.ssmEndpoints = endpoints;
    this.bootDependencies = boot;
  }
}

/** The `index`th subnet of an IPv4 CIDR split into 16 (prefix + 4), e.g. 10.0.0.0/16 -> 10.0.16.0/20 for 1. */
export function subnetCidr(vpcCidr: string, index: number): string {
  const [base = '', bits = ''] = vpcCidr.split('/');
  const prefix = Number(bits) + 4;
  const start = base.split('.').reduce((acc, p) => ((acc << 8) | Number(p)) >>> 0, 0);
  const n = (start + index * 2 ** (32 - prefix)) >>> 0;
  return `${[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')}/${prefix}`;
}
