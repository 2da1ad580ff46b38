import t from 'tap';
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { BYTES_SLOT, ROUTE, STATUS, Shared, openConnections, slot } from '../src/counters.js';

t.test('threads write their own slice; sums cover every thread', async (t) => {
  const a = new Shared(3);
  const b = new Shared(3, a.buffer);
  a.slice(0)[slot(ROUTE.root, STATUS[200])] = 5;
  b.slice(2)[slot(ROUTE.root, STATUS[200])] = 7;
  b.slice(1)[slot(ROUTE.data, STATUS[400])] = 1;
  b.slice(1)[BYTES_SLOT] = 100;
  t.equal(a.sum(slot(ROUTE.root, STATUS[200])), 12);
  t.equal(a.sum(BYTES_SLOT), 100);
  t.same([0, 1, 2].map((i) => a.workerRequests(i)), [5, 1, 7]);
  t.equal(a.draining, false);
  b.draining = true;
  t.equal(a.draining, true);
  b.port = 8080;
  t.equal(a.port, 8080);
  t.ok(Math.abs(a.startedAt - Date.now()) < 5000);
});

t.test('openConnections counts connections to a local port', { skip: process.platform !== 'linux' && 'needs /proc/net/tcp' }, async (t) => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise((r) => server.close(r)));
  const port = (server.address() as { port: number }).port;
  t.equal(openConnections(port), 0);
  const sockets = await Promise.all([1, 2, 3].map(() => new Promise<Socket>((r) => { const s = connect(port, '127.0.0.1', () => r(s)); })));
  await new Promise((r) => setTimeout(r, 50));
  t.equal(openConnections(port), 3);
  for (const s of sockets) s.destroy();
  server.close();
  t.equal(openConnections(0), 0);
});
