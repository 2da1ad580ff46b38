/**
 * The accelerator: the two (or four) anycast addresses everything else hangs off. Its props
 * are the config's own fields (already validated by @anycast-origin/config).
 */
import { Fn, Token } from 'cdktf';
import type { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { GlobalacceleratorAccelerator } from '@cdktf/provider-aws/lib/globalaccelerator-accelerator/index.js';
import type { FlowLogsConfig, IpAddressType } from '@anycast-origin/config';

export interface AcceleratorProps {
  /** Accelerator name (the config's `acceleratorName`). */
  readonly name: string;
  /**
   * IPV4 (two anycast IPv4 addresses) or DUAL_STACK (plus two IPv6 addresses; dual-stack endpoints only).
   * @default 'IPV4'
   */
  readonly ipAddressType?: IpAddressType;
  /**
   * BYOIP: one or two IPv4 addresses from your own address pool. Changing them replaces the accelerator.
   * @default - AWS assigns two addresses from its pool
   */
  readonly ipAddresses?: readonly string[];
  /**
   * Flow logs to an existing S3 bucket (CKV_AWS_75).
   * @default - flow logs off
   */
  readonly flowLogs?: FlowLogsConfig | null;
  /**
   * Whether the accelerator accepts traffic.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Provider for the accelerator (any region: the provider calls the GA API in us-west-2).
   * @default - the stack's default AWS provider
   */
  readonly provider?: TerraformProvider;
}

/** One Global Accelerator (standard). */
export class Accelerator extends Construct {
  readonly resource: GlobalacceleratorAccelerator;
  /** ARN (the accelerator's id in Terraform). */
  readonly arn: string;
  readonly name: string;
  readonly dnsName: string;
  /** Every anycast IP of every IP set (IPv4, plus IPv6 when DUAL_STACK), as a Terraform list. */
  readonly ipAddresses: string[];

  constructor(scope: Construct, id: string, props: AcceleratorProps) {
    super(scope, id);
    const { name, ipAddressType = 'IPV4', ipAddresses = [], flowLogs = null, enabled = true, provider } = props;
    this.name = name;
    this.resource = new GlobalacceleratorAccelerator(this, 'resource', {
      name,
      ipAddressType,
      enabled,
      ...(ipAddresses.length > 0 ? { ipAddresses: [...ipAddresses] } : {}),
      attributes: flowLogs
        ? { flowLogsEnabled: true, flowLogsS3Bucket: flowLogs.s3Bucket, flowLogsS3Prefix: flowLogs.s3Prefix }
        : { flowLogsEnabled: false },
      ...(provider ? { provider } : {}),
    });
    this.arn = this.resource.id;
    this.dnsName = this.resource.dnsName;
    this.ipAddresses = Token.asList(Fn.flatten(this.resource.interpolationForAttribute('ip_sets[*].ip_addresses')));
  }
}
