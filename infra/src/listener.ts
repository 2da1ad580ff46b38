/**
 * A Global Accelerator listener for one protocol and port, built from the config's resolved
 * listener: it carries that listener's health check, so each endpoint group under it checks
 * its endpoints by what the listener serves (HTTP /healthz for http, TCP 53 for DNS).
 */
import type { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { GlobalacceleratorListener } from '@cdktf/provider-aws/lib/globalaccelerator-listener/index.js';
import type { HealthCheckConfig, ListenerConfig } from '@anycast-origin/config';
import type { Accelerator } from './accelerator.js';

export interface ListenerProps extends ListenerConfig {
  readonly accelerator: Accelerator;
  /**
   * @default - the stack's default AWS provider
   */
  readonly provider?: TerraformProvider;
}

export class Listener extends Construct {
  readonly resource: GlobalacceleratorListener;
  readonly arn: string;
  readonly accelerator: Accelerator;
  /** The config's listener: name, protocol, port, what it serves, affinity, health check. */
  readonly config: ListenerConfig;
  /** How the listener's endpoint groups check their endpoints. */
  readonly healthCheck: HealthCheckConfig;

  constructor(scope: Construct, id: string, props: ListenerProps) {
    super(scope, id);
    const { accelerator, provider, ...config } = props;
    this.accelerator = accelerator;
    this.config = config;
    this.healthCheck = config.healthCheck;
    this.resource = new GlobalacceleratorListener(this, 'resource', {
      acceleratorArn: accelerator.arn,
      protocol: config.protocol,
      clientAffinity: config.clientAffinity,
      portRange: [{ fromPort: config.port, toPort: config.port }],
      ...(provider ? { provider } : {}),
    });
    this.arn = this.resource.id;
  }
}
