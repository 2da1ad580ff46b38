import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { createDnsOrigin } from '../src/index.js';
import { WORKER_ENTRY } from '../src/workers.js';
import { decode, header, ID, identity, query, tcpQuery, txtOf, udpQuery } from './fixtures/helpers.js';

t.test('the worker entry sits next to the module (dist/worker.js once built) and ships in the tarball', async (t) => {
  t.equal(dirname(WORKER_ENTRY), dirname(fileURLToPath(new URL('../src/cluster.ts', import.meta.url))));
  t.match(basename(WORKER_ENTRY), /^worker\.(ts|js)$/);
  t.ok(existsSync(WORKER_ENTRY));
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { files: string[] };
  t.ok(pkg.files.includes('dist'), 'dist (and so dist/worker.js) is in "files"');
});

t.test('workers: 2 share UDP and TCP on one port; stats sum over workers; drain; close', async (t) => {
  const origin = createDnsOrigin({ identity, port: 0, workers: 2, rrl: false, drainSeconds: 0.5 });
  t.teardown(() => origin.close());
  const { udpPort: port, tcpPort } = await origin.listen();
  t.equal(tcpPort, port);
  const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => udpQuery(port, query('id.server', 'TXT', 'CH', { id: i }), { timeoutMs: 2000 })));
  t.equal(answers.filter((a) => a && txtOf(decode(a))[0] === ID).length, 40, 'every UDP query answered');
  const tcp = await Promise.all(Array.from({ length: 6 }, (_, i) => tcpQuery(port, [query('id.server', 'TXT', 'CH', { id: 100 + i })])));
  t.same(tcp.map((r) => header(r.answers[0] as Buffer).id), [100, 101, 102, 103, 104, 105], 'TCP answered');
  const s = await origin.stats();
  t.equal(s.workers, 2);
  t.equal(s.udpQueries, 40);
  t.equal(s.tcpQueries, 6);
  t.equal(s.tcpConnectionsTotal, 6);
  const drained = origin.drain();
  await new Promise((r) => setTimeout(r, 200));
  const refused = await tcpQuery(port, [query('id.server', 'TXT', 'CH')], { timeoutMs: 500 }).then(() => false, () => true);
  t.ok(refused, 'TCP refused while draining');
  t.ok(await udpQuery(port, query('id.server', 'TXT', 'CH'), { timeoutMs: 1000 }), 'UDP answered while draining');
  await drained;
  t.equal(await udpQuery(port, query('id.server', 'TXT', 'CH'), { timeoutMs: 300 }), null, 'closed');
});

t.test('workers: address in use rejects listen() with the coded error', async (t) => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => taken.close());
  const port = (taken.address() as { port: number }).port;
  const origin = createDnsOrigin({ identity, port, workers: 2 });
  t.teardown(() => origin.close());
  await t.rejects(origin.listen(), { code: 'DNS_ORIGIN_ERR_ADDRESS_IN_USE', message: new RegExp(`127\\.0\\.0\\.1:${port}`) });
});

t.test('workers: a port another origin with workers serves is in use, not silently shared (SO_REUSEPORT)', async (t) => {
  const first = createDnsOrigin({ identity, port: 0, workers: 2, rrl: false, drainSeconds: 0 });
  t.teardown(() => first.close());
  const { udpPort: port, udpBackend } = await first.listen();
  t.equal(udpBackend, 'mmsg', 'workers bind with SO_REUSEPORT');
  const second = createDnsOrigin({ identity, port, workers: 2, rrl: false, drainSeconds: 0 });
  t.teardown(() => second.close());
  await t.rejects(second.listen(), { code: 'DNS_ORIGIN_ERR_ADDRESS_IN_USE' });
  const answers = await Promise.all(Array.from({ length: 10 }, () => udpQuery(port, query('id.server', 'TXT', 'CH'), { timeoutMs: 2000 })));
  t.equal(answers.filter(Boolean).length, 10, 'the first origin answers everything');
});

t.test('workers: a worker that dies is replaced; answers go on', async (t) => {
  const cluster = (await import('node:cluster')).default;
  const origin = createDnsOrigin({ identity, port: 0, workers: 2, rrl: false });
  t.teardown(() => origin.close());
  const { udpPort: port } = await origin.listen();
  const before = Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead());
  t.equal(before.length, 2);
  const victim = before[0]?.process.pid as number;
  process.kill(victim, 'SIGKILL'); // a worker we started
  const deadline = Date.now() + 30_000;
  let s = await origin.stats();
  while (Date.now() < deadline) {
    s = await origin.stats();
    const pids = Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead()).map((w) => w?.process.pid);
    if (s.workers === 2 && !pids.includes(victim)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  t.equal(s.workers, 2, 'back to two workers');
  const answers = await Promise.all(Array.from({ length: 20 }, () => udpQuery(port, query('id.server', 'TXT', 'CH'), { timeoutMs: 2000 })));
  t.equal(answers.filter(Boolean).length, 20, 'every query answered after the restart');
});
