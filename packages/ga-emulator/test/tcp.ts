/**
 * The two TCP relays behind the `tcpBackend` option, driven directly (no emulator): both must
 * behave alike for the data plane. Real sockets on loopback: an upstream node:net server, clients
 * from chosen source addresses; what the relay reports (moved, ended with its drop) is checked
 * against what the sockets saw.
 */
import t from 'tap';
import type { Test } from 'tap';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { chooseTcpBackend } from '../src/tcp.js';
import type { RelayedFlow, TcpBackend, TcpDrop, TcpLimits } from '../src/tcp.js';
import { onTcpBackend, TCP_BACKENDS, waitFor } from './fixtures/lab.js';

interface Flow extends RelayedFlow {
  moved: [number, number, number, number];
  ended: (TcpDrop | undefined)[];
}

const LIMITS: TcpLimits = { idleTimeoutSeconds: 300, maxConnections: 100 };

/** An upstream server on 127.47.1.1 (echoes, or runs `onSocket`), torn down with the test. */
async function upstream(t: Test, onSocket: (s: Socket) => void = (s) => s.pipe(s)): Promise<{ server: Server; port: number; peers: string[] }> {
  const peers: string[] = [];
  const server = createServer({ allowHalfOpen: true }, (s) => {
    peers.push(`${s.remoteAddress}:${s.remotePort}`);
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.47.1.1', r));
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  t.teardown(() => new Promise<void>((r) => {
    server.close(() => r());
    sockets.forEach((s) => s.destroy());
  }));
  return { server, port: (server.address() as { port: number }).port, peers };
}

/** A relay of `kind` listening on 127.47.0.1, every flow to `port` from the client's own address; closed with the test. */
async function relay(t: Test, kind: 'native' | 'node', port: number, limits: TcpLimits = LIMITS, route: (addr: string) => boolean = () => true, wantsLocalPort = true) {
  const flows: Flow[] = [];
  const choice = await chooseTcpBackend(kind);
  t.equal(choice.kind, kind);
  const backend: TcpBackend<Flow> = choice.create<Flow>(limits, {
    moved: (f, ...d) => d.forEach((n, i) => (f.moved[i] = (f.moved[i] as number) + n)),
    ended: (f, drop) => f.ended.push(drop),
  });
  t.teardown(() => backend.close());
  const entry = await backend.listen('127.47.0.1', 0, (clientAddress) => {
    if (!route(clientAddress)) return undefined;
    const f: Flow = { address: '127.47.1.1', port, localAddress: clientAddress, wantsLocalPort, sourceAddress: undefined, sourcePort: undefined, moved: [0, 0, 0, 0], ended: [] };
    flows.push(f);
    return f;
  });
  return { backend, entry, flows };
}

function client(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.47.0.1', port, localAddress, allowHalfOpen: true });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Everything the socket receives until it closes (its FIN answered with ours), and how it closed. */
function drained(s: Socket): Promise<{ data: string; error: string | undefined }> {
  let data = '';
  let error: string | undefined;
  s.setEncoding('utf8');
  s.on('data', (d: string) => (data += d));
  s.on('end', () => s.end());
  s.on('error', (e: NodeJS.ErrnoException) => (error = e.code));
  return new Promise((resolve) => s.once('close', () => resolve({ data, error })));
}

t.test("'auto' takes native where it loads, and says why not otherwise", async (t) => {
  const auto = await chooseTcpBackend('auto');
  const relayLoads = (await import('@anycast-origin/tcp-relay').then((m) => m.available(), () => false));
  t.equal(auto.kind, relayLoads ? 'native' : 'node');
  t.equal(auto.fallback === undefined, relayLoads);
  t.equal((await chooseTcpBackend('node')).kind, 'node');
});

for (const kind of TCP_BACKENDS) {
  t.test(`tcpBackend ${kind}`, onTcpBackend(kind), async (t) => {
    await t.test('an exchange from the client\'s own address, with half-close: bytes reported once ended', async (t) => {
      // The upstream answers after the client's FIN, then closes: the relay must pass both FINs on.
      const up = await upstream(t, (s) => {
        let got = '';
        s.setEncoding('utf8');
        s.on('data', (d: string) => (got += d));
        s.on('end', () => s.end(`you said ${got}`));
      });
      const { flows, entry } = await relay(t, kind, up.port);
      const c = await client(entry.port, '127.47.2.1');
      const done = drained(c);
      c.end('hello');
      const r = await done;
      t.same(r, { data: 'you said hello', error: undefined }, 'the answer after a half-close, then a clean close');
      await waitFor(() => flows[0]?.ended.length === 1, 2000, 'the flow ended');
      const f = flows[0] as Flow;
      t.same(f.ended, [undefined], 'ended once, not a drop');
      t.equal(f.moved[1], 5, 'bytes in');
      t.equal(f.moved[3], 14, 'bytes out');
      t.ok(f.moved[0] >= 1 && f.moved[2] >= 1, 'reads each way');
      t.equal(up.peers[0]?.split(':')[0], '127.47.2.1', 'the upstream saw the client\'s address');
      t.equal(`${f.sourceAddress}:${f.sourcePort}`, up.peers[0], 'the upstream socket\'s own address, as the upstream saw it');
    });

    await t.test('no flow logs (wantsLocalPort false): the same exchange, the upstream socket\'s address not read', async (t) => {
      const up = await upstream(t);
      const { flows, entry } = await relay(t, kind, up.port, LIMITS, () => true, false);
      const c = await client(entry.port, '127.47.2.9');
      const done = drained(c);
      c.end('hello');
      t.same(await done, { data: 'hello', error: undefined });
      await waitFor(() => flows[0]?.ended.length === 1, 2000, 'the flow ended');
      t.equal(up.peers[0]?.split(':')[0], '127.47.2.9', 'the upstream saw the client\'s address');
      t.same([flows[0]?.sourceAddress, flows[0]?.sourcePort], [undefined, undefined]);
    });

    await t.test('bytes of an open flow are reported by sync()', async (t) => {
      const up = await upstream(t);
      const { flows, entry, backend } = await relay(t, kind, up.port);
      const c = await client(entry.port, '127.47.2.2');
      t.teardown(() => c.destroy());
      c.write('x'.repeat(1000));
      let echoed = 0;
      c.on('data', (d: Buffer) => (echoed += d.length));
      await waitFor(() => echoed === 1000, 2000, 'the echo');
      backend.sync();
      const f = flows[0] as Flow;
      t.same([f.moved[1], f.moved[3]], [1000, 1000], 'totals so far');
      t.same(f.ended, [], 'still open');
    });

    await t.test('a refused connect resets the client and counts as upstream_error', async (t) => {
      const up = await upstream(t);
      const port = up.port;
      await new Promise<void>((r) => up.server.close(() => r()));
      const { flows, entry } = await relay(t, kind, port);
      const c = await client(entry.port, '127.47.2.3');
      const r = await drained(c);
      t.equal(r.error, 'ECONNRESET', 'the client is reset');
      await waitFor(() => flows[0]?.ended.length === 1, 2000, 'the flow ended');
      t.same(flows[0]?.ended, ['upstream_error']);
    });

    await t.test('a connection the data plane does not route is reset and never reported', async (t) => {
      const up = await upstream(t);
      const { flows, entry } = await relay(t, kind, up.port, LIMITS, () => false);
      // The reset may come before the client's connect completes: no await of the connect.
      const r = await drained(connect({ host: '127.47.0.1', port: entry.port, localAddress: '127.47.2.4' }));
      t.equal(r.error, 'ECONNRESET');
      t.same(flows, []);
    });

    await t.test('idle flows close after idleTimeoutSeconds; at maxConnections one is evicted for a new one', async (t) => {
      const up = await upstream(t);
      const { flows, entry } = await relay(t, kind, up.port, { idleTimeoutSeconds: 0.3, maxConnections: 2 });
      const a = await client(entry.port, '127.47.2.5');
      const aDone = drained(a);
      await waitFor(() => flows.length === 1, 2000, 'the first flow');
      const b = await client(entry.port, '127.47.2.6');
      const bDone = drained(b);
      await waitFor(() => flows.length === 2, 2000, 'the second flow');
      const c = await client(entry.port, '127.47.2.7');
      const cDone = drained(c);
      await waitFor(() => flows.length === 3 && (flows[0]?.ended.length ?? 0) === 1, 2000, 'the first evicted');
      t.same(flows[0]?.ended, ['evicted'], 'the oldest, least recently active flow');
      t.equal((await aDone).error, undefined, 'closed, not reset');
      const started = Date.now();
      await Promise.all([bDone, cDone]);
      await waitFor(() => flows.every((f) => f.ended.length === 1), 2000, 'all ended');
      t.same(flows.slice(1).map((f) => f.ended), [[undefined], [undefined]], 'the others ended idle');
      t.ok(Date.now() - started < 2000, 'within the idle timeout and its sweep');
    });

    await t.test('closing an entry ends its flows and frees its port', async (t) => {
      const up = await upstream(t);
      const { flows, entry } = await relay(t, kind, up.port);
      const c = await client(entry.port, '127.47.2.8');
      const done = drained(c);
      await waitFor(() => flows.length === 1, 2000, 'the flow');
      await entry.close();
      await done;
      await waitFor(() => flows[0]?.ended.length === 1, 2000, 'reported ended');
      const again = createServer();
      await new Promise<void>((resolve, reject) => {
        again.once('error', reject);
        again.listen({ host: '127.47.0.1', port: entry.port, exclusive: true }, () => resolve());
      });
      t.pass(`port ${entry.port} is free`);
      await new Promise<void>((r) => again.close(() => r()));
    });
  });
}
