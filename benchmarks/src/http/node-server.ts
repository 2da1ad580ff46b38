/**
 * The node:http peer: same body and headers as the origin, precomputed. Run as
 * `node dist/http/node-server.js <port> <id> [region]`; prints `listening <port>`.
 */
import { createServer } from 'node:http';

const [portArg, id, region] = process.argv.slice(2);
if (!portArg || !id) throw new Error('usage: node-server <port> <id> [region]');
const body = Buffer.from(`hostname: ${id}\n`);
const headers: Record<string, string> = {
  'content-type': 'text/plain; charset=utf-8',
  'content-length': String(body.length),
  'x-served-by': id,
  ...(region ? { 'x-origin-region': region } : {}),
  'cache-control': 'no-store',
};
const server = createServer((_req, res) => {
  res.writeHead(200, headers);
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(portArg), '127.0.0.1', () => process.stdout.write(`listening ${portArg}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
