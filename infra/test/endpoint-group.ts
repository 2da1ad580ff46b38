import t from 'tap';
import { EndpointGroup } from '../src/endpoint-group.js';
import type { EndpointGroupProps } from '../src/endpoint-group.js';
import { emptyStack, only, synthStack } from './fixtures/synth.js';

const base: EndpointGroupProps = { listenerArn: 'arn:listener', region: 'eu-central-1', endpoints: [{ endpointId: 'i-1' }, { endpointId: 'i-2', weight: 0 }] };

t.test('GIVEN only the required props WHEN synthesized THEN region, dial, health check, weights and preservation are all explicit', async (t) => {
  const { stack } = emptyStack();
  new EndpointGroup(stack, 'g', base);
  const g = only(synthStack(stack), 'aws_globalaccelerator_endpoint_group');
  t.match(g, {
    listener_arn: 'arn:listener',
    endpoint_group_region: 'eu-central-1',
    traffic_dial_percentage: 100,
    health_check_protocol: 'HTTP',
    health_check_port: 80,
    health_check_path: '/healthz',
    health_check_interval_seconds: 10,
    threshold_count: 3,
    endpoint_configuration: [
      { endpoint_id: 'i-1', weight: 128, client_ip_preservation_enabled: true },
      { endpoint_id: 'i-2', weight: 0, client_ip_preservation_enabled: true },
    ],
  });
});

t.test('GIVEN clientIpPreservation false THEN every endpoint says so', async (t) => {
  const { stack } = emptyStack();
  new EndpointGroup(stack, 'g', { ...base, clientIpPreservation: false });
  const g = only(synthStack(stack), 'aws_globalaccelerator_endpoint_group');
  t.ok((g?.endpoint_configuration as { client_ip_preservation_enabled: boolean }[]).every((e) => e.client_ip_preservation_enabled === false));
});

t.test('props are validated in the constructor', async (t) => {
  const cases: [string, Partial<EndpointGroupProps>, string, string][] = [
    ['unknown region', { region: 'eu-middle-1' }, 'region', 'INFRA_ERR_UNKNOWN_REGION'],
    ['dial 101', { trafficDial: 101 }, 'trafficDial', 'INFRA_ERR_OUT_OF_RANGE'],
    ['dial -1', { trafficDial: -1 }, 'trafficDial', 'INFRA_ERR_OUT_OF_RANGE'],
    ['weight 256', { endpoints: [{ endpointId: 'i-1', weight: 256 }] }, 'endpoints[0].weight', 'INFRA_ERR_OUT_OF_RANGE'],
    ['11 endpoints', { endpoints: Array.from({ length: 11 }, (_, i) => ({ endpointId: `i-${i}` })) }, 'endpoints', 'INFRA_ERR_QUOTA'],
    ['UDP health check', { healthCheck: { protocol: 'UDP' as 'TCP' } }, 'healthCheck.protocol', 'INFRA_ERR_UDP_HEALTH_CHECK'],
    ['HTTPS health check', { healthCheck: { protocol: 'HTTPS' as 'TCP' } }, 'healthCheck.protocol', 'INFRA_ERR_INVALID_FIELD'],
    ['interval 15', { healthCheck: { intervalSeconds: 15 } }, 'healthCheck.intervalSeconds', 'INFRA_ERR_OUT_OF_RANGE'],
    ['threshold 11', { healthCheck: { thresholdCount: 11 } }, 'healthCheck.thresholdCount', 'INFRA_ERR_OUT_OF_RANGE'],
    ['port 0', { healthCheck: { port: 0 } }, 'healthCheck.port', 'INFRA_ERR_OUT_OF_RANGE'],
  ];
  for (const [what, props, field, code] of cases) {
    t.test(`GIVEN ${what} THEN ${code} on ${field}`, async (t) => {
      const { stack } = emptyStack();
      t.throws(() => new EndpointGroup(stack, 'g', { ...base, ...props }), { field, code });
    });
  }
});
