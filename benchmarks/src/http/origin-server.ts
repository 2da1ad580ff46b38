/**
 * Our origin for the benchmark: @anycast-origin/http-origin with workers: 1 (the harness pins the
 * process to one core). Run as `node dist/http/origin-server.js <port> <instanceId> <zone>`;
 * prints `listening <port> <backend>`. SIGTERM closes it.
 */
import { createHttpOrigin } from '@anycast-origin/http-origin';

type Identity = Parameters<typeof createHttpOrigin>[0]['identity'];

const [portArg, instanceId, availabilityZone] = process.argv.slice(2);
if (!portArg || !instanceId || !availabilityZone) throw new Error('usage: origin-server <port> <instanceId> <availabilityZone>');
// The identity fields, as @anycast-origin/identity's createIdentity() would build them.
const identity: Identity = Object.freeze({
  id: `${instanceId}.${availabilityZone}`,
  hostname: 'bench-host',
  instanceId,
  availabilityZone,
  region: availabilityZone.slice(0, -1),
  source: 'options',
});
const origin = createHttpOrigin({ identity, port: Number(portArg), workers: 1, drainSeconds: 0 });
const { port } = await origin.listen();
process.stdout.write(`listening ${port} ${origin.backend}\n`);
process.once('SIGTERM', () => void origin.close());
