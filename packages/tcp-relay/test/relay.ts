/**
 * The relay with real sockets on loopback: node:net clients and upstream servers on both
 * sides. Byte moving (exchanges, half-close both ways, backpressure both ways, bulk) runs in
 * both transfer modes; then connect failures, refusals, resets, the idle timeout, maxFlows,
 * collect(), closing a listener and the relay, bind errors, IPv6, a throwing handler.
 */
import t from 'tap';
import type { Test } from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { available, createTcpRelay, InvalidStateError, unavailableReason } from '../src/index.js';
import type { FlowReport, RelayTarget, TcpRelay, TcpRelayOptions } from '../src/index.js';

type Transfer = 'copy' | 'splice';
const TRANSFERS: Transfer[] = ['copy', 'splice'];

/** An upstream server on `host`, closed with the test; `seen` lists each connection's peer. */
async function upstream(t: Test, onSocket: (s: Socket) => void, host = '127.0.0.1'): Promise<{ server: Server; port: number; seen: { address: string; port: number }[] }> {
  const seen: { address: string; port: number }[] = [];
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    seen.push({ address: s.remoteAddress as string, port: s.remotePort as number });
    s.on('error', () => undefined);
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  t.teardown(() => new Promise<void>((r) => {
    for (const s of sockets) s.destroy();
    server.close(() => r());
  }));
  return { server, port: (server.address() as { port: number }).port, seen };
}

/** An echo upstream: writes back what it reads, prefixed; ends when the client ends. */
const echo = (s: Socket) => {
  s.on('data', (d) => s.write(Buffer.concat([Buffer.from('re:'), d])));
  s.on('end', () => s.end());
};

function relayFor<T extends RelayTarget = RelayTarget>(t: Test, options: Omit<TcpRelayOptions, 'onFlowEnd'> = {}): { relay: TcpRelay<T>; ends: FlowReport<T>[] } {
  const ends: FlowReport<T>[] = [];
  const relay = createTcpRelay<T>({ ...options, onFlowEnd: (r) => ends.push(r) });
  t.teardown(() => relay.close());
  return { relay, ends };
}

/** A client connected from `localAddress`; resolves once connected. */
function client(t: Test, port: number, localAddress = '127.0.0.1', host = '127.0.0.1'): Promise<Socket> {
  const s = connect({ host, port, localAddress, allowHalfOpen: true });
  s.on('error', () => undefined);
  t.teardown(() => s.destroy());
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** A client not waited for: a reset may come before its connect event. */
function rawClient(t: Test, port: number): Socket {
  const s = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  t.teardown(() => s.destroy());
  return s;
}

/** Everything a socket receives until it ends or closes, and how it closed. */
function received(s: Socket): Promise<{ data: Buffer; error: string | undefined }> {
  const chunks: Buffer[] = [];
  let error: string | undefined;
  s.on('data', (d: Buffer) => chunks.push(d));
  s.on('error', (e: NodeJS.ErrnoException) => (error = e.code));
  return new Promise((resolve) => {
    s.once('close', () => resolve({ data: Buffer.concat(chunks), error }));
    s.once('end', () => resolve({ data: Buffer.concat(chunks), error }));
  });
}

const until = async (cond: () => boolean, what: string, ms = 3000) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

t.test('the native part is built and loaded on Linux', async (t) => {
  t.equal(unavailableReason(), undefined);
  t.ok(available());
});

t.test('wantsLocalPort: false: the same exchange, the report\'s localPort 0 (no getsockname); true or absent: the port', async (t) => {
  const up = await upstream(t, echo);
  const { relay, ends } = relayFor(t, {});
  const wants = [false, true, undefined];
  let n = 0;
  const entry = relay.listen({ host: '127.0.0.1', port: 0, onConnection: (address) => ({ address: '127.0.0.1', port: up.port, localAddress: address, wantsLocalPort: wants[n++] }) });
  for (let i = 0; i < wants.length; i++) {
    const c = await client(t, entry.port);
    const got = received(c);
    c.end('hello');
    t.equal((await got).data.toString(), 're:hello');
    await until(() => ends.length === i + 1, 'the end record');
  }
  t.same(ends.map((r) => r.reason), ['closed', 'closed', 'closed']);
  t.equal(ends[0]?.localPort, 0, 'wantsLocalPort false: 0');
  t.same(ends.slice(1).map((r) => r.localPort), up.seen.slice(1).map((s) => s.port), 'true and absent: the upstream socket\'s local port');
  t.ok(up.seen.slice(1).every((s) => s.port > 0));
});

for (const transfer of TRANSFERS) {
  t.test(`${transfer}: an exchange both ways from the client's own address, reported once when it ends`, async (t) => {
    const up = await upstream(t, echo);
    const { relay, ends } = relayFor<RelayTarget & { tag: string }>(t, { transfer });
    const asked: [string, number][] = [];
    const entry = relay.listen({ host: '127.0.0.1', port: 0, onConnection: (address, port) => { asked.push([address, port]); return { address: '127.0.0.1', port: up.port, localAddress: address, tag: 'mine' }; } });
    const c = await client(t, entry.port, '127.0.0.7');
    const clientPort = c.localPort;
    const got = received(c);
    c.write('hello');
    await until(() => relay.collect().length > 0 || ends.length > 0, 'the echo');
    c.end();
    const { data } = await got;
    t.equal(data.toString(), 're:hello');
    t.same(asked, [['127.0.0.7', clientPort]], 'onConnection saw the client\'s address and port');
    t.same(up.seen.map((s) => s.address), ['127.0.0.7'], 'the upstream saw the client\'s address (localAddress)');
    await until(() => ends.length === 1, 'the end record');
    const [r] = ends as [FlowReport<RelayTarget & { tag: string }>];
    t.equal(r.target.tag, 'mine', 'the report carries what onConnection returned');
    t.match(r, { final: true, reason: 'closed', error: undefined, bytesIn: 5, packetsIn: 1, bytesOut: 8, packetsOut: 1 });
    t.equal(r.localPort, up.seen[0]?.port, 'the upstream socket\'s local port');
    t.ok(r.startTime <= r.time && Math.abs(r.time - Date.now()) < 5000, 'start and end times (ms since the epoch)');
    t.equal(relay.activeFlows, 0);
    t.match(relay.stats, { accepted: 1, refused: 0, ended: 1, endedBy: { closed: 1 } });
  });

  t.test(`${transfer}: half-close: the client's FIN reaches the upstream, which still answers`, async (t) => {
    let upstreamSawEnd = false;
    const up = await upstream(t, (s) => {
      const chunks: Buffer[] = [];
      s.on('data', (d) => chunks.push(d));
      s.on('end', () => {
        upstreamSawEnd = true;
        setTimeout(() => s.end(`after your FIN: ${Buffer.concat(chunks).toString()}`), 50);
      });
    });
    const { relay, ends } = relayFor(t, { transfer });
    const entry = relay.listen({ host: '127.0.0.1', port: 0, onConnection: () => ({ address: '127.0.0.1', port: up.port }) });
    const c = await client(t, entry.port);
    const got = received(c);
    c.end('question');
    t.equal((await got).data.toString(), 'after your FIN: question');
    t.ok(upstreamSawEnd);
    await until(() => ends.length === 1, 'the end record');
    t.equal(ends[0]?.reason, 'closed');
  });

  t.test(`${transfer}: half-close the other way: the upstream's FIN reaches the client, which still sends`, async (t) => {
    let resolveGot: (s: string) => void = () => undefined;
    const got = new Promise<string>((r) => (resolveGot = r));
    const up = await upstream(t, (s) => {
      let text = '';
      s.end('bye'); // FIN first, then keep reading
      s.on('data', (d) => (text += d.toString()));
      s.on('end', () => resolveGot(text));
    });
    const { relay } = relayFor(t, { transfer });
    const entry = relay.listen({ host: '127.0.0.1', port: 0, onConnection: () => ({ address: '127.0.0.1', port: up.port }) });
    const c = await client(t, entry.port);
    c.on('data', () => undefined);
    c.once('end', () => c.end('still talking'));
    t.equal(await got, 'still talking');
  });

  t.test(`${transfer}: backpressure: a side whose peer does not read is not read either; nothing is lost`, async (t) => {
    const blob = randomBytes(24 << 20);
    const up = await upstream(t, (s) => s.end(blob));
    const { relay, ends } = relayFor(t, { transfer, bufferBytes: 65_536 });
    const entry = relay.listen({ host: '127.0.0.1', port: 0, onConnection: () => ({ address: '127.0.0.1', port: up.port }) });
    const c = await client(t, entry.port);
    c.pause();
    await sleep(300);
    const stalled = relay.collect()[0];
    t.ok(stalled !== undefined && stalled.bytesOut < blob.length / 2, `the relay stopped reading the upstream (${stalled?.bytesOut} of ${blob.length} bytes read)`);
    const got = received(c);
    c.resume();
    const { data } = await got;
    t.equal(data.length, blob.length);
    t.equal(sha(data), sha(blob), 'every byte, in order');
    c.end();
    await until(() => ends.length === 1, 'the end record');
    t.equal(ends[0]?.bytesOut, blob.length);
  });

  t.test(`${transfer}: backpressure the other way: an upstream that does not read holds the client back`, async (t) => {
    const blob = randomBytes(16 << 20);
    let upSock: Socket | undefined;
    const chunks: Buffer[] = [];
    const up = await upstream(t, (s) => {
      upSock = s;
      s.pause();
      s.on('data', (d) => chunks.push(d));
    });
    const { relay } = relayFor(t, { transfer });
    const entry = relay.listen({ host: '127.0.0.1', port: 0, onConnection: () => ({ address: '127.0.0.1', port: up.port }) });
    const c = await client(t, entry.port);
    const flushed = new Promise<void>((resolve) => c.end(blob, () => resolve()));
    await sleep(300);
    t.ok((relay.collect()[0]?.bytesIn ?? 0) < blob.length / 2, 'the client is not read while the upstream is full');
    const ended = new Promise<void>((resolve) => upSock?.once('end', () => resolve()));
    upSock?.resume();
    await flushed;
    await ended;
    t.equal(sha(Buffer.concat(chunks)), sha(blob), 'every byte, in order');
  });

  t.test(`${transfer}: 300 short exchanges, 30 at a time, each answered and reported once`, async (t) => {
    const up = await upstream(t, echo);
    const { relay, ends } = relayFor(t, { transfer });
    const entry = relay.listen({ host: '127.0.0.1', port: 0, onConnection: (a) => ({ address: '127.0.0.1', port: up.port, localAddress: a }) });
    let next = 0;
    const answers: string[] = [];
    await Promise.all(Array.from({ length: 30 }, async () => {
      while (next < 300) {
        const i = next++;
        const c = await client(t, entry.port, `127.0.1.${(i % 200) + 1}`);
        const got = received(c);
        c.end(`q${i}`);
        answers[i] = (await got).data.toString();
        c.destroy();
      }
    }));
    t.same(answers, Array.from({ length: 300 }, (_, i) => `re:q${i}`));
    await until(() => ends.length === 300, '300 end records');
    t.equal(new Set(ends.map((e) => e.target)).size, 300, 'one record per flow');
    t.ok(ends.every((e) => e.reason === 'closed' && e.bytesIn > 0 && e.bytesOut > 0));
    t.equal(relay.activeFlows, 0);
  });
}

t.test('connect failure: the client is reset; reported connect-failed with the errno', async (t) => {
  const closed = await upstream(t, () => undefined);
  const port = closed.port;
  await new Promise<void>((r) => closed.server.close(() => r()));
  const { relay, ends } = relayFor(t);
  const entry = relay.listen({ host: '127.0.0.1', port: 0, onConnection: () => ({ address: '127.0.0.1', port }) });
  const c = rawClient(t, entry.port);
  c.write('GET / HTTP/1.1\r\n\r\n');
  t.equal((await received(c)).error, 'ECONNRESET', 'reset, not a clean close');
  await until(() => ends.length === 1, 'the end record');
  t.match(ends[0], { reason: 'connect-failed', error: 'ECONNREFUSED', bytesIn: 0, bytesOut: 0 });
});

t.test('onConnection returns null: the client is reset, nothing is reported; a malformed target is connect-failed EINVAL', async (t) => {
  const { relay, ends } = relayFor(t);
  const targets: unknown[] = [null, undefined, { address: 'not-an-ip', port: 80 }, { address: '127.0.0.1', port: 0 }, { address: '127.0.0.1', port: 80, localAddress: '::1' }, { address: '127.0.0.1', port: 80, localAddress: 7 }];
  let i = 0;
  const entry = relay.listen({ host: '127.0.0.1', port: 0, onConnection: () => targets[i++] as RelayTarget });
  for (const _ of targets) t.equal((await received(rawClient(t, entry.port))).error, 'ECONNRESET');
  await until(() => ends.length === 4, 'four end records');
  t.same(ends.map((e) => [e.reason, e.error]), [['connect-failed', 'EINVAL'], ['connect-failed', 'EINVAL'], ['connect-failed', 'EAFNOSUPPORT'], ['connect-failed', 'EINVAL']]);
  t.equal(relay.stats.refused, 2);
});

t.test('resets pass through: an upstream reset resets the client, a client reset resets the upstream', async (t) => {
  let upSock: Socket | undefined;
  const upErrors: string[] = [];
  const up = await upstream(t, (s) => {
    upSock = s;
    s.on('error', (e: NodeJS.ErrnoException) => upErrors.push(e.code as string));
    s.on('data', () => undefined);
  });
  const { relay, ends } = relayFor(t);
  const entry = relay.listen({ host: '127.0.0.1', port: 0, onConnection: () => ({ address: '127.0.0.1', port: up.port }) });
  const a = await client(t, entry.port);
  a.write('x');
  await until(() => upSock !== undefined, 'the upstream connection');
  upSock?.resetAndDestroy();
  t.equal((await received(a)).error, 'ECONNRESET');
  await until(() => ends.length === 1, 'the first record');
  t.match(ends[0], { reason: 'upstream-reset', error: 'ECONNRESET' });

  upSock = undefined;
  const b = await client(t, entry.port);
  b.write('y');
  await until(() => upSock !== undefined, 'the second upstream connection');
  const upClosed = new Promise((r) => upSock?.once('close', r));
  b.resetAndDestroy();
  await upClosed;
  t.same(upErrors, ['ECONNRESET'], 'the upstream was reset');
  await until(() => ends.length === 2, 'the second record');
  t.match(ends[1], { reason: 'client-reset', error: 'ECONNRESET' });
});

t.test('idle timeout: a flow with no byte either way is closed; traffic keeps one open', async (t) => {
  const up = await upstream(t, echo);
  const { relay, ends } = relayFor(t, { idleTimeoutSeconds: 0.3 });
  const entry = relay.listen({ host: '127.0.0.1', port: 0, onConnection: () => ({ address: '127.0.0.1', port: up.port }) });
  const quiet = await client(t, entry.port);
  const busy = await client(t, entry.port);
  busy.on('data', () => undefined);
  const quietDone = received(quiet);
  for (let i = 0; i < 8; i++) {
    busy.write('.');
    await sleep(100);
  }
  await quietDone;
  t.equal(busy.destroyed, false, 'the busy flow is still open');
  t.same(ends.map((e) => e.reason), ['idle'], 'the quiet one was closed as idle');
  t.equal(relay.activeFlows, 1);
});

t.test('maxFlows: a new flow at the limit closes the least recently active one', async (t) => {
  const up = await upstream(t, echo);
  const { relay, ends } = relayFor<RelayTarget & { n: number }>(t, { maxFlows: 3 });
  let n = 0;
  const entry = relay.listen({ host: '127.0.0.1', port: 0, onConnection: () => ({ address: '127.0.0.1', port: up.port, n: n++ }) });
  const conns: Socket[] = [];
  for (let i = 0; i < 3; i++) conns.push(await client(t, entry.port));
  await until(() => relay.activeFlows === 3, 'three flows');
  conns[0]?.on('data', () => undefined);
  conns[0]?.write('still here'); // flow 0 becomes the most recently active
  await until(() => relay.collect().length === 1, 'flow 0 active');
  conns.push(await client(t, entry.port));
  await until(() => ends.length === 1, 'one eviction');
  t.match(ends[0], { reason: 'evicted', target: { n: 1 } }, 'flow 1, the least recently active, made room');
  t.equal(relay.activeFlows, 3);
  t.equal(relay.stats.endedBy.evicted, 1);
});

t.test('collect(): totals so far of the flows that moved bytes since the last collect()', async (t) => {
  const up = await upstream(t, echo);
  const { relay } = relayFor<RelayTarget & { n: number }>(t);
  let n = 0;
  const entry = relay.listen({ host: '127.0.0.1', port: 0, onConnection: () => ({ address: '127.0.0.1', port: up.port, n: n++ }) });
  const a = await client(t, entry.port);
  const b = await client(t, entry.port);
  a.on('data', () => undefined);
  b.on('data', () => undefined);
  await until(() => relay.activeFlows === 2, 'two flows');
  t.same(relay.collect(), [], 'no bytes yet');
  a.write('aaaa');
  await sleep(200);
  const first = relay.collect();
  t.same(first.map((r) => [r.target.n, r.final, r.bytesIn, r.bytesOut]), [[0, false, 4, 7]]);
  t.same(relay.collect(), [], 'reported once until it moves again');
  a.write('aa');
  b.write('b');
  await sleep(200);
  t.same(relay.collect().map((r) => [r.target.n, r.bytesIn]).sort(), [[0, 6], [1, 1]], 'totals, not deltas');
});

t.test('listener.close(): its flows end (listener-closed), the port is free, other listeners go on', async (t) => {
  const up = await upstream(t, echo);
  const { relay, ends } = relayFor<RelayTarget & { via: string }>(t);
  const one = relay.listen({ host: '127.0.0.1', port: 0, onConnection: () => ({ address: '127.0.0.1', port: up.port, via: 'one' }) });
  const two = relay.listen({ host: '127.0.0.1', port: 0, onConnection: () => ({ address: '127.0.0.1', port: up.port, via: 'two' }) });
  const a = await client(t, one.port);
  const b = await client(t, two.port);
  await until(() => relay.activeFlows === 2, 'two flows');
  const aDone = received(a);
  await one.close();
  t.same(ends.map((e) => [e.reason, e.target.via]), [['listener-closed', 'one']], 'reported before close() resolves');
  await aDone;
  await one.close();
  const again = relay.listen({ host: '127.0.0.1', port: one.port, onConnection: () => ({ address: '127.0.0.1', port: up.port, via: 'again' }) });
  t.equal(again.port, one.port, 'its port can be bound again');
  const got = received(b);
  b.end('still');
  t.equal((await got).data.toString(), 're:still', 'the other listener\'s flow went on');
});

t.test('close(): every flow reported relay-closed, every port free when it resolves; idempotent', async (t) => {
  const up = await upstream(t, echo);
  const ends: FlowReport[] = [];
  const relay = createTcpRelay({ onFlowEnd: (r) => ends.push(r) });
  const entry = relay.listen({ host: '127.0.0.1', port: 0, onConnection: () => ({ address: '127.0.0.1', port: up.port }) });
  const conns = await Promise.all([client(t, entry.port), client(t, entry.port)]);
  await until(() => relay.activeFlows === 2, 'two flows');
  const done = conns.map(received);
  const closing = relay.close();
  t.equal(relay.close(), closing, 'the same promise');
  await closing;
  t.same(ends.map((e) => e.reason), ['relay-closed', 'relay-closed']);
  await Promise.all(done);
  const taken = createServer();
  await new Promise<void>((resolve, reject) => { taken.once('error', reject); taken.listen(entry.port, '127.0.0.1', () => resolve()); });
  taken.close();
  t.throws(() => relay.listen({ host: '127.0.0.1', port: 0, onConnection: () => null }), InvalidStateError);
  t.same(relay.collect(), []);
  t.equal(relay.activeFlows, 0);
});

t.test('bind errors are Node-style system errors; IPv6 and dual stack', async (t) => {
  const { relay } = relayFor(t);
  const first = relay.listen({ host: '127.0.0.1', port: 0, onConnection: () => null });
  t.throws(() => relay.listen({ host: '127.0.0.1', port: first.port, onConnection: () => null }), {
    code: 'EADDRINUSE', syscall: 'bind', address: '127.0.0.1', port: first.port, message: `bind EADDRINUSE 127.0.0.1:${first.port}`,
  });
  t.throws(() => relay.listen({ host: '192.0.2.1', port: 0, onConnection: () => null }), { code: 'EADDRNOTAVAIL', syscall: 'bind' }, 'an address this host does not have');
  const up = await upstream(t, echo, '::1');
  const seen: string[] = [];
  const dual = relay.listen({ host: '::', port: 0, onConnection: (a) => { seen.push(a); return { address: '::1', port: up.port }; } });
  for (const [host, local] of [['127.0.0.1', '127.0.0.1'], ['::1', '::1']]) {
    const c = await client(t, dual.port, local, host);
    const got = received(c);
    c.end('v');
    t.equal((await got).data.toString(), 're:v', `through ${host}`);
  }
  t.same(seen, ['::ffff:127.0.0.1', '::1'], 'IPv4 clients arrive IPv4-mapped on ::');
});

t.test('a handler that throws reaches uncaughtException; that client is reset, the relay goes on', async (t) => {
  const caught: Error[] = [];
  const onUncaught = (e: Error) => caught.push(e);
  const listeners = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', onUncaught);
  t.teardown(() => {
    process.off('uncaughtException', onUncaught);
    for (const l of listeners) process.on('uncaughtException', l);
  });
  const up = await upstream(t, echo);
  const { relay } = relayFor(t);
  let calls = 0;
  const entry = relay.listen({ host: '127.0.0.1', port: 0, onConnection: () => { if (calls++ === 0) throw new Error('handler bug'); return { address: '127.0.0.1', port: up.port }; } });
  t.equal((await received(rawClient(t, entry.port))).error, 'ECONNRESET');
  t.match(caught, [{ message: 'handler bug' }]);
  const b = await client(t, entry.port);
  const got = received(b);
  b.end('ok');
  t.equal((await got).data.toString(), 're:ok');
});

t.test('a worker thread that exits with a relay open tears it down: port freed, its flows closed', async (t) => {
  const up = await upstream(t, echo);
  const src = `
    const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)}).then((m) => {
      const relay = m.createTcpRelay();
      const l = relay.listen({ host: '127.0.0.1', port: 0, onConnection: () => ({ address: '127.0.0.1', port: ${up.port} }) });
      parentPort.postMessage(l.port);
    });`;
  const { Worker } = await import('node:worker_threads');
  const w = new Worker(src, { eval: true });
  const port = await new Promise<number>((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
  const c = await client(t, port);
  const echoed = new Promise<string>((r) => c.once('data', (d: Buffer) => r(d.toString())));
  c.write('w');
  t.equal(await echoed, 're:w', 'relayed by the worker');
  const done = received(c);
  t.equal(await w.terminate(), 1);
  await done;
  t.pass('its flow was closed');
  const { relay } = relayFor(t);
  t.equal(relay.listen({ host: '127.0.0.1', port, onConnection: () => null }).port, port, 'its port is free');
});

t.test('an open relay nothing references survives garbage collection and keeps the process alive', async (t) => {
  const up = await upstream(t, echo);
  const { spawn } = await import('node:child_process');
  const script = `
    const m = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
    const port = m.createTcpRelay().listen({ host: '127.0.0.1', port: 0, onConnection: () => ({ address: '127.0.0.1', port: ${up.port} }) }).port;
    for (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }
    process.stdout.write(port + '\\n');`;
  const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => { child.kill('SIGKILL'); });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  while (!out.includes('\n') && child.exitCode === null) await sleep(20);
  const c = await client(t, Number(out.trim()));
  const got = received(c);
  c.end('alive?');
  t.equal((await got).data.toString(), 're:alive?', 'still relaying after gc()');
  t.equal(child.exitCode, null, 'and the process is still running');
});

t.test('a relay with no listener and no flow left does not keep the process alive', async (t) => {
  const { run } = await import('@anycast-origin/testkit');
  // A listener closed while its flow runs (the flow ends with it): nothing holds the loop after.
  const script = `
    const net = await import('node:net');
    const m = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
    const up = net.createServer((s) => s.on('data', (d) => s.end(d)));
    await new Promise((r) => up.listen(0, '127.0.0.1', r));
    const upPort = up.address().port;
    const relay = m.createTcpRelay({ onFlowEnd: (r) => process.stdout.write(r.reason + '\\n') });
    const l = relay.listen({ host: '127.0.0.1', port: 0, onConnection: () => { up.close(); return { address: '127.0.0.1', port: upPort }; } });
    const c = net.connect(l.port, '127.0.0.1', () => { void l.close(); c.end('x'); });
    c.resume();
    c.on('close', () => setTimeout(() => process.stdout.write('exiting on its own\\n'), 10));`;
  const r = await run(process.execPath, ['--input-type=module', '-e', script], { timeoutMs: 10_000 });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'listener-closed\nexiting on its own\n');
});
