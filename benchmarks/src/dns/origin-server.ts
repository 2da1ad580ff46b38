/**
 * Our origin as a benchmark subject: `node origin-server.js <port> [udpBackend] [workers]`;
 * prints the bound address (and the UDP backend in use) as JSON.
 */
import { createIdentity } from '@anycast-origin/identity';
import { createDnsOrigin } from '@anycast-origin/dns-origin';
import type { DnsOriginOptions } from '@anycast-origin/dns-origin';

const port = Number(process.argv[2] ?? 0);
const udpBackend = (process.argv[3] ?? 'auto') as DnsOriginOptions['udpBackend'];
const workers = Number(process.argv[4] ?? 1);
const identity = createIdentity({ hostname: 'bench', instanceId: 'i-0e32d5b1a3f76cc05', availabilityZone: 'us-west-2c' });
const origin = createDnsOrigin({ identity, host: '127.0.0.1', port, workers, rrl: false, drainSeconds: 0, udpBackend });
const bound = await origin.listen();
process.stdout.write(`${JSON.stringify(bound)}\n`);
process.on('SIGTERM', () => { void origin.close().then(() => process.exit(0)); });
