/**
 * One endpoint group: one region of one listener. Everything comes from typed objects: the
 * Listener construct (its ARN and its resolved health check), the config's region (traffic
 * dial, one weight per instance, client IP preservation) and the region's OriginFleet (the
 * endpoints). Every value is written out, AWS's defaults included: an unset weight reaches the
 * API as 0, and an unset region defaults to the provider's.
 */
import type { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { GlobalacceleratorEndpointGroup } from '@cdktf/provider-aws/lib/globalaccelerator-endpoint-group/index.js';
import type { RegionConfig } from '@anycast-origin/config';
import { InvalidOptionError } from './errors.js';
import type { Listener } from './listener.js';
import type { OriginFleet } from './origin-fleet.js';

export interface EndpointGroupProps {
  readonly listener: Listener;
  /** The config's region: `region`, `trafficDial`, `weights` (one per instance), `clientIpPreservation`. */
  readonly region: RegionConfig;
  /** The region's instances: the group's endpoints, in order (instance i gets `weights[i]`). */
  readonly fleet: OriginFleet;
  /**
   * @default - the stack's default AWS provider (Global Accelerator is global; the group's
   * region is `endpoint_group_region`)
   */
  readonly provider?: TerraformProvider;
}

export class EndpointGroup extends Construct {
  readonly resource: GlobalacceleratorEndpointGroup;
  readonly listener: Listener;
  readonly region: RegionConfig;
  readonly fleet: OriginFleet;

  constructor(scope: Construct, id: string, props: EndpointGroupProps) {
    super(scope, id);
    const { listener, region, fleet, provider } = props;
    const { weights } = region;
    if (weights.length !== fleet.instances.length) {
      throw new InvalidOptionError('region.weights', `must hold one weight per instance of the fleet (${fleet.instances.length}), got ${weights.length}`);
    }
    this.listener = listener;
    this.region = region;
    this.fleet = fleet;
    const hc = listener.healthCheck;
    this.resource = new GlobalacceleratorEndpointGroup(this, 'resource', {
      listenerArn: listener.arn,
      endpointGroupRegion: region.region,
      trafficDialPercentage: region.trafficDial,
      healthCheckProtocol: hc.protocol,
      healthCheckPort: hc.port,
      ...(hc.protocol === 'HTTP' ? { healthCheckPath: hc.path } : {}),
      healthCheckIntervalSeconds: hc.intervalSeconds,
      thresholdCount: hc.thresholdCount,
      endpointConfiguration: fleet.instances.map((instance, i) => ({
        endpointId: instance.id,
        weight: weights[i] as number,
        clientIpPreservationEnabled: region.clientIpPreservation,
      })),
      ...(provider ? { provider } : {}),
    });
  }
}
