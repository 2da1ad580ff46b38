import t from 'tap';
import { readdirSync } from 'node:fs';
import { workerUrl } from '../src/workers.js';
import type { RequestEcho } from '../src/index.js';
import { http, startOrigin } from './fixtures/helpers.js';

t.test('the worker entry sits next to the module (dist/worker.js once built)', async (t) => {
  const url = workerUrl();
  t.match(url.pathname, /\/worker\.(js|ts)$/);
  t.equal(new URL('.', url).href, new URL('.', import.meta.url.replace('/test/', '/src/')).href);
});

t.test('two worker threads serve one port; stats, /metrics and drain cover both', async (t) => {
  const { origin, port } = await startOrigin(t, { workers: 2, drainSeconds: 0.5 });
  t.equal(origin.stats().workers, 2);
  const seen = new Map<number, number>();
  for (let i = 0; i < 40; i++) {
    const r = await http(port, '/json'); // a new connection each: the kernel spreads them
    const thread = (JSON.parse(r.body.toString()) as RequestEcho).worker;
    seen.set(thread, (seen.get(thread) ?? 0) + 1);
  }
  t.same([...seen.keys()].sort(), [0, 1], `connections spread over both workers: ${JSON.stringify([...seen])}`);
  const s = origin.stats();
  t.equal(s.requests.byRoute.json['200'], 40);
  t.same(s.requests.byWorker, [seen.get(0), seen.get(1)]);
  const m = (await http(port, '/metrics')).body.toString();
  t.match(m, 'anycast_http_origin_requests_total{route="json",status="200"} 40\n');
  t.match(m, 'anycast_http_origin_workers 2\n');
  t.match(m, `anycast_http_origin_worker_requests_total{worker="0"} `);

  const drained = origin.drain();
  const statuses = new Set<number>();
  const threadsHit = new Set<number>();
  for (let i = 0; i < 20; i++) {
    statuses.add((await http(port, '/healthz')).status);
    threadsHit.add((JSON.parse((await http(port, '/json')).body.toString()) as RequestEcho).worker);
  }
  t.same([...statuses], [503], 'every thread answers 503 once draining');
  t.equal(threadsHit.size, 2, 'both threads still serving while draining');
  await drained;
  t.equal(origin.stats().state, 'closed');
  await t.rejects(http(port, '/'), { code: 'ECONNREFUSED' });
});

t.test('close() ends every worker thread', async (t) => {
  const before = process.getActiveResourcesInfo().length;
  const { origin, port } = await startOrigin(t, { workers: 2 });
  t.equal((await http(port, '/')).status, 200);
  const threadsServing = readdirSync('/proc/self/task').length;
  await origin.close();
  t.ok(readdirSync('/proc/self/task').length <= threadsServing - 2, 'both worker threads have ended (their OS threads are gone)');
  await t.rejects(http(port, '/'), { code: 'ECONNREFUSED' });
  // No worker handles or sockets of ours remain (give libuv a tick to release them).
  await new Promise((r) => setTimeout(r, 50));
  t.ok(process.getActiveResourcesInfo().length <= before, JSON.stringify(process.getActiveResourcesInfo()));
});

t.test('close() while listen() is starting workers: listen rejects, everything ends', async (t) => {
  const { createHttpOrigin, InvalidStateError } = await import('../src/index.js');
  const { identity } = await import('./fixtures/helpers.js');
  for (const workers of [1, 2]) {
    const origin = createHttpOrigin({ identity, port: 0, workers });
    const listening = origin.listen();
    await origin.close();
    await t.rejects(listening, InvalidStateError, `workers: ${workers}`);
    t.equal(origin.stats().state, 'closed');
  }
});
