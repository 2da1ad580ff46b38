/**
 * The peer of the relay benchmark: the smallest TCP relay Node's `net` makes (accept, connect
 * upstream from the entry address, pipe both ways), so the emulator's cost reads against what
 * Node itself costs per connection. `node bare-proxy.js <upstreamPort>`; prints `{ "port" }`.
 */
import { connect, createServer } from 'node:net';

const upstreamPort = Number(process.argv[2]);
const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
  const upstream = connect({ host: '127.0.0.1', port: upstreamPort, localAddress: '127.0.0.1', allowHalfOpen: true, noDelay: true });
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
