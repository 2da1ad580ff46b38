/**
 * A region's network for the origins, from the config's region (CIDR, IPv6, zones, instance
 * type for picking zones) and its listeners (the ports the origin security group admits).
 */
import { Fn, Token } from 'cdktf';
import type { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
import { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway/index.js';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table/index.js';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association/index.js';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { DataAwsAvailabilityZones } from '@cdktf/provider-aws/lib/data-aws-availability-zones/index.js';
import { DataAwsEc2InstanceTypeOfferings } from '@cdktf/provider-aws/lib/data-aws-ec2-instance-type-offerings/index.js';
import type { ListenerConfig, RegionConfig } from '@anycast-origin/config';

export interface OriginNetworkProps {
  /** The AWS provider (alias) of the region. */
  readonly provider: TerraformProvider;
  /** Prefix of Name tags and of the security group name. */
  readonly name: string;
  /** The config's region: `vpcCidr`, `ipv6`, `availabilityZones`, `instanceType` (the zones must offer it). */
  readonly region: RegionConfig;
  /** The listeners: the origin security group admits exactly their ports, from anywhere. */
  readonly listeners: readonly ListenerConfig[];
}

/**
 * A region's network for the origins: VPC, two public subnets in two zones, internet gateway
 * and routes, the default security group stripped of every rule (CKV2_AWS_12), and the origin
 * security group: exactly the listener ports in from anywhere, HTTPS out (package repos, S3, SSM).
 */
export class OriginNetwork extends Construct {
  readonly vpc: Vpc;
  readonly subnets: readonly [Subnet, Subnet];
  readonly originSecurityGroup: SecurityGroup;
  readonly defaultSecurityGroup: DefaultSecurityGroup;

  constructor(scope: Construct, id: string, props: OriginNetworkProps) {
    super(scope, id);
    const { provider, name, region, listeners } = props;
    const { vpcCidr, ipv6, availabilityZones, instanceType } = region;

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
          // Instances ask for their public IPv4 themselves (CKV_AWS_130: nothing else gets one).
          mapPublicIpOnLaunch: false,
          ...(ipv6 ? { ipv6CidrBlock: Fn.cidrsubnet(this.vpc.ipv6CidrBlock, 8, i), assignIpv6AddressOnCreation: true } : {}),
          tags: tag(`public-${i + 1}`),
        }),
    ) as [Subnet, Subnet];

    const igw = new InternetGateway(this, 'igw', { provider, vpcId: this.vpc.id, tags: tag('igw') });
    const routes = new RouteTable(this, 'routes', {
      provider,
      vpcId: this.vpc.id,
      route: [
        { cidrBlock: '0.0.0.0/0', gatewayId: igw.id },
        ...(ipv6 ? [{ ipv6CidrBlock: '::/0', gatewayId: igw.id }] : []),
      ],
      tags: tag('public'),
    });
    this.subnets.forEach((s, i) => new RouteTableAssociation(this, `routes-${i + 1}`, { provider, subnetId: s.id, routeTableId: routes.id }));

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
    const sources = [{ cidrIpv4: '0.0.0.0/0' }, ...(ipv6 ? [{ cidrIpv6: '::/0' }] : [])];
    for (const p of listeners) {
      for (const src of sources) {
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
    for (const src of sources) {
      const family = 'cidrIpv4' in src ? 'ipv4' : 'ipv6';
      new VpcSecurityGroupEgressRule(this, `out-https-${family}`, {
        provider,
        securityGroupId: this.originSecurityGroup.id,
        ipProtocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        ...src,
        description: 'HTTPS out: dnf repos, the artifact bucket, SSM',
      });
    }
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
