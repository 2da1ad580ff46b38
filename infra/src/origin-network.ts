import { Fn } from 'cdktf';
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
import { subnetCidr } from './config.js';
import type { ListenerProtocol } from './config.js';
import { ConfigFieldError } from './errors.js';

export interface OriginPort {
  readonly protocol: ListenerProtocol;
  readonly port: number;
}

export interface OriginNetworkProps {
  /** The AWS provider (alias) of the region. */
  readonly provider: TerraformProvider;
  /** Prefix of Name tags and of the security group name. */
  readonly name: string;
  /** The listener ports: the origin security group admits exactly these, from anywhere. */
  readonly ports: readonly OriginPort[];
  /**
   * IPv4 CIDR of the VPC (/16../24); the subnets are its first two 1/16ths.
   * @default '10.0.0.0/16'
   */
  readonly vpcCidr?: string;
  /**
   * Amazon-provided IPv6 /56 on the VPC, a /64 per subnet, ::/0 route and IPv6 ingress.
   * @default false
   */
  readonly ipv6?: boolean;
  /**
   * The two zones of the two subnets.
   * @default - the first two zones (sorted, no Local Zones) that offer `instanceType`
   */
  readonly availabilityZones?: readonly [string, string] | null;
  /**
   * Instance type the zones must offer when they are picked automatically.
   * @default 't3.micro'
   */
  readonly instanceType?: string;
}

/** Ports nobody may open to the internet here: shell access goes through SSM Session Manager. */
const FORBIDDEN_PORTS = Object.freeze([22, 3389]);

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
    const { provider, name, ports, vpcCidr = '10.0.0.0/16', ipv6 = false, availabilityZones = null, instanceType = 't3.micro' } = props;
    if (ports.length === 0) throw new ConfigFieldError('ports', 'needs at least one listener port');
    ports.forEach((p, i) => {
      if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) throw new ConfigFieldError(`ports[${i}].port`, `must be 1..65535, got ${p.port}`, 'INFRA_ERR_OUT_OF_RANGE');
      if (FORBIDDEN_PORTS.includes(p.port)) {
        throw new ConfigFieldError(`ports[${i}].port`, `${p.port} (SSH/RDP) is never opened to the internet: use SSM Session Manager (CKV_AWS_24/25)`);
      }
    });
    const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(1[6-9]|2[0-4])$/.exec(vpcCidr);
    if (!m) throw new ConfigFieldError('vpcCidr', `must be an IPv4 CIDR from /16 to /24, got ${JSON.stringify(vpcCidr)}`);

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
          cidrBlock: subnetCidr(vpcCidr, i),
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

    this.originSecurityGroup = new SecurityGroup(this, 'origin-sg', {
      provider,
      name: `${name}-origin`,
      description: `anycast origin: listener ports ${ports.map((p) => `${p.protocol}/${p.port}`).join(', ')} in, HTTPS out`,
      vpcId: this.vpc.id,
      tags: tag('origin'),
    });
    const sources = [{ cidrIpv4: '0.0.0.0/0' }, ...(ipv6 ? [{ cidrIpv6: '::/0' }] : [])];
    for (const p of ports) {
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
