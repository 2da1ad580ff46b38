import type { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { GlobalacceleratorListener } from '@cdktf/provider-aws/lib/globalaccelerator-listener/index.js';
import type { ClientAffinity, ListenerProtocol } from './config.js';
import { ConfigFieldError } from './errors.js';

export interface ListenerProps {
  /** ARN of the accelerator. */
  readonly acceleratorArn: string;
  readonly protocol: ListenerProtocol;
  /** The one port this listener accepts (one listener per protocol and port). */
  readonly port: number;
  /**
   * NONE: a 5-tuple hash picks the endpoint; SOURCE_IP: one client IP sticks to one endpoint.
   * @default 'NONE'
   */
  readonly clientAffinity?: ClientAffinity;
  /**
   * @default - the stack's default AWS provider
   */
  readonly provider?: TerraformProvider;
}

/** A Global Accelerator listener for one protocol and port. */
export class Listener extends Construct {
  readonly resource: GlobalacceleratorListener;
  readonly arn: string;
  readonly protocol: ListenerProtocol;
  readonly port: number;

  constructor(scope: Construct, id: string, props: ListenerProps) {
    super(scope, id);
    const { acceleratorArn, protocol, port, clientAffinity = 'NONE', provider } = props;
    if (protocol !== 'TCP' && protocol !== 'UDP') throw new ConfigFieldError('protocol', `must be TCP or UDP, got ${JSON.stringify(protocol)}`);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigFieldError('port', `must be 1..65535, got ${port}`, 'INFRA_ERR_OUT_OF_RANGE');
    if (clientAffinity !== 'NONE' && clientAffinity !== 'SOURCE_IP') throw new ConfigFieldError('clientAffinity', `must be NONE or SOURCE_IP, got ${JSON.stringify(clientAffinity)}`);
    this.protocol = protocol;
    this.port = port;
    this.resource = new GlobalacceleratorListener(this, 'resource', {
      acceleratorArn,
      protocol,
      clientAffinity,
      portRange: [{ fromPort: port, toPort: port }],
      ...(provider ? { provider } : {}),
    });
    this.arn = this.resource.id;
  }
}
