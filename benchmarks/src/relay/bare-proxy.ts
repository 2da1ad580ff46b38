/**
 * The peers of the relay benchmark: the smallest TCP relays, with no routing, so the emulator's
 * cost reads against what relaying itself costs per connection. `node bare-proxy.js
 * <upstreamPort> [node|native]`; prints `{ "port" }`.
 *
 * - node: Node's `net` (accept, connect upstream from the entry address, pipe both ways), the
 *   floor of the emulator's `tcpBackend: 'node'`;
 * - native: @anycast-origin/tcp-relay with one fixed target, the floor of `tcpBackend: 'native'`.
 */
import { connect, createServer } from 'node:net';
import { createTcpRelay } from '@anycast-origin/tcp-relay';

const upstreamPort = Number(process.argv[2]);
const kind = process.argv[3] ?? 'node';
const target = { address: '127.0.0.1', port: upstreamPort, localAddress: '127.0.0.1' };
const ready = (port: number) => process.stdout.write(`${JSON.stringify({ port })}\n`);

if (kind === 'native') {
  const relay = createTcpRelay({ maxFlows: 65_536 });
  ready(relay.listen({ host: '127.0.0.1', port: 0, backlog: 4096, onConnection: () => target }).port);
  process.once('SIGTERM', () => void relay.close().then(() => process.exit(0)));
} else {
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const upstream = connect({ host: target.address, port: target.port, localAddress: target.localAddress, allowHalfOpen: true, noDelay: true });
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => ready((server.address() as { port: number }).port));
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}
