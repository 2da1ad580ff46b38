/**
 * The emulator as a benchmark subject: `node relay-server.js <httpPort> <dnsPort> <preserve> <tcpBackend> <addressPool>`.
 * One accelerator, a TCP listener on 80 and a UDP listener on 53, one endpoint group with one
 * endpoint: the origins on 127.0.0.1 (registry ports 80 -> httpPort, 53 -> dnsPort). Prints
 * `{ "tcp": { "address", "port" }, "udp": { ... } }` once the endpoint is healthy. SIGTERM
 * closes it.
 */
import { createEmulator } from '@anycast-origin/ga-emulator';

const [httpPort, dnsPort, preserveArg, tcpBackend = 'auto', addressPool = '127.77.0.0/24'] = process.argv.slice(2);
if (!httpPort || !dnsPort) throw new Error('usage: relay-server <httpPort> <dnsPort> [preserve: true|false] [tcpBackend: auto|native|node] [addressPool]');
if (tcpBackend !== 'auto' && tcpBackend !== 'native' && tcpBackend !== 'node') throw new Error(`tcpBackend: ${tcpBackend} is not auto, native or node`);
const preserve = preserveArg !== 'false';
const endpointId = 'i-0e32d5b1a3f76cc05';
const emulator = createEmulator({
  deploySeconds: 0,
  unmappedPorts: 'ephemeral',
  healthCheck: { minIntervalSeconds: 0.1 },
  endpoints: [{ id: endpointId, address: '127.0.0.1', region: 'us-west-2', ports: { 80: Number(httpPort), 53: Number(dnsPort) } }],
  tcp: { maxConnections: 65_536 },
  tcpBackend,
  addressPool,
});
await emulator.start();
const call = (op: string, input: unknown) => emulator.call(op, input) as Promise<Record<string, Record<string, string>>>;
const acc = (await call('CreateAccelerator', { Name: 'bench', IdempotencyToken: 'bench' })).Accelerator as Record<string, string>;
await emulator.deployed();
const listen = async (protocol: 'TCP' | 'UDP', port: number, check: Record<string, unknown>) => {
  const l = (await call('CreateListener', { AcceleratorArn: acc.AcceleratorArn, Protocol: protocol, PortRanges: [{ FromPort: port, ToPort: port }], IdempotencyToken: `l${port}${protocol}` })).Listener as Record<string, string>;
  await emulator.deployed();
  await call('CreateEndpointGroup', {
    ListenerArn: l.ListenerArn, EndpointGroupRegion: 'us-west-2', IdempotencyToken: `g${port}${protocol}`, HealthCheckIntervalSeconds: 1, ThresholdCount: 1, ...check,
    EndpointConfigurations: [{ EndpointId: endpointId, Weight: 128, ClientIPPreservationEnabled: preserve }],
  });
  await emulator.deployed();
};
await listen('TCP', 80, { HealthCheckProtocol: 'HTTP', HealthCheckPath: '/healthz' });
await listen('UDP', 53, { HealthCheckProtocol: 'TCP' });
for (let i = 0; i < 100; i++) {
  const eps = emulator.state().accelerators[0]?.listeners.flatMap((l) => l.endpointGroups.flatMap((g) => g.endpoints)) ?? [];
  if (eps.length === 2 && eps.every((e) => e.health === 'HEALTHY')) break;
  await new Promise((r) => setTimeout(r, 100));
}
const entry = (protocol: 'TCP' | 'UDP') => {
  const e = emulator.entries().find((x) => x.protocol === protocol);
  return { address: e?.address, port: e?.port };
};
process.stdout.write(`${JSON.stringify({ tcp: entry('TCP'), udp: entry('UDP'), tcpBackend: emulator.state().tcpBackend.kind })}\n`);
process.once('SIGTERM', () => void emulator.close().then(() => process.exit(0)));
