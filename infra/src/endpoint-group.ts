import type { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { GlobalacceleratorEndpointGroup } from '@cdktf/provider-aws/lib/globalaccelerator-endpoint-group/index.js';
import { GA_LIMITS, KNOWN_REGIONS } from './aws-facts.js';
import type { HealthCheckConfig } from './config.js';
import { ConfigFieldError } from './errors.js';

export interface EndpointProps {
  /** EC2 instance id (or another endpoint id: EIP allocation, ALB/NLB ARN). */
  readonly endpointId: string;
  /**
   * Share of the group's traffic: weight / sum of the group's weights; 0 = none. Always sent
   * explicitly: an unset weight reaches the API as 0.
   * @default 128 (AWS's own default)
   */
  readonly weight?: number;
}

export interface EndpointGroupProps {
  readonly listenerArn: string;
  /** The region of the endpoints; always written out (the provider would default it to its own region). */
  readonly region: string;
  readonly endpoints: readonly EndpointProps[];
  /**
   * Percent (0..100) of the traffic that proximity sends to this region that it keeps.
   * @default 100
   */
  readonly trafficDial?: number;
  /**
   * How Global Accelerator checks the endpoints (HTTP or TCP; there is no UDP check).
   * @default - HTTP GET /healthz on port 80 every 10 s, threshold 3
   */
  readonly healthCheck?: Partial<HealthCheckConfig>;
  /**
   * Client IP preservation: the origin sees the client's address (EC2, ALB, NLB endpoints).
   * @default true
   */
  readonly clientIpPreservation?: boolean;
  /**
   * @default - the stack's default AWS provider
   */
  readonly provider?: TerraformProvider;
}

export const DEFAULT_HEALTH_CHECK: HealthCheckConfig = Object.freeze({ protocol: 'HTTP', port: 80, path: '/healthz', intervalSeconds: 10, thresholdCount: 3 });
export const DEFAULT_WEIGHT = 128;

/** One endpoint group: one region of one listener, with its dial, health check and weighted endpoints. */
export class EndpointGroup extends Construct {
  readonly resource: GlobalacceleratorEndpointGroup;
  readonly region: string;

  constructor(scope: Construct, id: string, props: EndpointGroupProps) {
    super(scope, id);
    const { listenerArn, region, endpoints, trafficDial = 100, clientIpPreservation = true, provider } = props;
    const hc: HealthCheckConfig = { ...DEFAULT_HEALTH_CHECK, ...props.healthCheck };

    if (!KNOWN_REGIONS.includes(region)) throw new ConfigFieldError('region', `unknown region ${JSON.stringify(region)}`, 'INFRA_ERR_UNKNOWN_REGION');
    if (!Number.isInteger(trafficDial) || trafficDial < GA_LIMITS.trafficDialMin || trafficDial > GA_LIMITS.trafficDialMax) {
      throw new ConfigFieldError('trafficDial', `must be ${GA_LIMITS.trafficDialMin}..${GA_LIMITS.trafficDialMax}, got ${trafficDial}`, 'INFRA_ERR_OUT_OF_RANGE');
    }
    if (endpoints.length > GA_LIMITS.endpointsPerGroup) {
      throw new ConfigFieldError('endpoints', `${endpoints.length} endpoints; a group allows at most ${GA_LIMITS.endpointsPerGroup} (service quota)`, 'INFRA_ERR_QUOTA');
    }
    endpoints.forEach((e, i) => {
      const w = e.weight ?? DEFAULT_WEIGHT;
      if (!Number.isInteger(w) || w < GA_LIMITS.weightMin || w > GA_LIMITS.weightMax) {
        throw new ConfigFieldError(`endpoints[${i}].weight`, `must be ${GA_LIMITS.weightMin}..${GA_LIMITS.weightMax}, got ${w}`, 'INFRA_ERR_OUT_OF_RANGE');
      }
    });
    if ((hc.protocol as string) === 'UDP') throw new ConfigFieldError('healthCheck.protocol', 'Global Accelerator has no UDP health check: use HTTP or TCP', 'INFRA_ERR_UDP_HEALTH_CHECK');
    if (hc.protocol !== 'HTTP' && hc.protocol !== 'TCP') throw new ConfigFieldError('healthCheck.protocol', `must be HTTP or TCP, got ${JSON.stringify(hc.protocol)}`);
    if (!GA_LIMITS.healthCheckIntervals.includes(hc.intervalSeconds)) throw new ConfigFieldError('healthCheck.intervalSeconds', `must be 10 or 30, got ${hc.intervalSeconds}`, 'INFRA_ERR_OUT_OF_RANGE');
    if (!Number.isInteger(hc.thresholdCount) || hc.thresholdCount < GA_LIMITS.thresholdMin || hc.thresholdCount > GA_LIMITS.thresholdMax) {
      throw new ConfigFieldError('healthCheck.thresholdCount', `must be ${GA_LIMITS.thresholdMin}..${GA_LIMITS.thresholdMax}, got ${hc.thresholdCount}`, 'INFRA_ERR_OUT_OF_RANGE');
    }
    if (!Number.isInteger(hc.port) || hc.port < 1 || hc.port > 65535) throw new ConfigFieldError('healthCheck.port', `must be 1..65535, got ${hc.port}`, 'INFRA_ERR_OUT_OF_RANGE');

    this.region = region;
    this.resource = new GlobalacceleratorEndpointGroup(this, 'resource', {
      listenerArn,
      endpointGroupRegion: region,
      trafficDialPercentage: trafficDial,
      healthCheckProtocol: hc.protocol,
      healthCheckPort: hc.port,
      ...(hc.protocol === 'HTTP' ? { healthCheckPath: hc.path } : {}),
      healthCheckIntervalSeconds: hc.intervalSeconds,
      thresholdCount: hc.thresholdCount,
      endpointConfiguration: endpoints.map((e) => ({
        endpointId: e.endpointId,
        weight: e.weight ?? DEFAULT_WEIGHT,
        clientIpPreservationEnabled: clientIpPreservation,
      })),
      ...(provider ? { provider } : {}),
    });
  }
}
