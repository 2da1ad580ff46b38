import t from 'tap';
import { connect } from 'node:net';
import { createDnsOrigin } from '../src/index.js';
import { decode, ID, identity, query, tcpQuery, txtOf, udpQuery } from './fixtures/helpers.js';

const tcpRefused = (port: number) => new Promise<boolean>((resolve) => {
  const s = connect(port, '127.0.0.1');
  s.on('connect', () => { s.destroy(); resolve(false); });
  s.on('error', () => resolve(true));
});

t.test('drain: TCP listener closes first, UDP keeps answering for drainSeconds, then closes', async (t) => {
  const origin = createDnsOrigin({ identity, port: 0, drainSeconds: 0.6, rrl: false });
  t.teardown(() => origin.close());
  const { udpPort: port, tcpPort, address } = await origin.listen();
  t.equal(tcpPort, port);
  t.equal(address, '127.0.0.1');
  t.equal((await tcpQuery(port, [query('id.server', 'TXT', 'CH')])).answers.length, 1);
  const t0 = Date.now();
  const drained = origin.drain();
  t.equal(origin.drain(), drained, 'drain() twice: the same promise');
  await new Promise((r) => setTimeout(r, 50));
  t.ok(await tcpRefused(port), 'TCP refused while draining (health checks fail)');
  t.same(txtOf(decode(await udpQuery(port, query('id.server', 'TXT', 'CH')))), [ID], 'UDP still answered');
  t.equal((await origin.stats()).state, 'draining');
  await drained;
  t.ok(Date.now() - t0 >= 550, `drain took ${Date.now() - t0} ms`);
  t.equal(await udpQuery(port, query('id.server', 'TXT', 'CH'), { timeoutMs: 300 }), null, 'closed after drain');
  t.equal((await origin.stats()).state, 'closed');
});

t.test('close() cuts a drain short; close() is idempotent', async (t) => {
  const origin = createDnsOrigin({ identity, port: 0, drainSeconds: 60 });
  await origin.listen();
  const t0 = Date.now();
  const drained = origin.drain();
  await new Promise((r) => setTimeout(r, 20));
  await origin.close();
  await drained;
  await origin.close();
  t.ok(Date.now() - t0 < 2000);
});

t.test('state errors: listen twice, listen after close; drain before listen just closes', async (t) => {
  const origin = createDnsOrigin({ identity, port: 0 });
  t.teardown(() => origin.close());
  await origin.listen();
  await t.rejects(origin.listen(), { code: 'DNS_ORIGIN_ERR_INVALID_STATE', name: 'InvalidStateError' });
  await origin.close();
  await t.rejects(origin.listen(), { code: 'DNS_ORIGIN_ERR_INVALID_STATE' });
  const idle = createDnsOrigin({ identity, port: 0 });
  await idle.drain();
  await t.rejects(idle.listen(), { code: 'DNS_ORIGIN_ERR_INVALID_STATE' });
});

t.test('stats(): counters, rcodes, tcp', async (t) => {
  const origin = createDnsOrigin({ identity, port: 0, rrl: false });
  t.teardown(() => origin.close());
  t.match(await origin.stats(), { state: 'idle', queries: 0 });
  const { udpPort: port } = await origin.listen();
  await udpQuery(port, query('id.server', 'TXT', 'CH'));
  await udpQuery(port, query('nope.server', 'TXT', 'CH'));
  await udpQuery(port, Buffer.alloc(5), { timeoutMs: 200 });
  await tcpQuery(port, [query('id.server', 'TXT', 'CH', { edns: { options: [{ code: 3, data: Buffer.alloc(0) }] } })]);
  await new Promise((r) => setTimeout(r, 50));
  t.match(await origin.stats(), {
    workers: 1, state: 'listening', queries: 4, udpQueries: 3, tcpQueries: 1, responses: 3, dropped: 1, nsid: 1,
    rcodes: { 0: 2, 5: 1 }, tcpConnections: 0, tcpConnectionsTotal: 1, rrlLimited: 0,
  });
});
