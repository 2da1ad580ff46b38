import t from 'tap';
import type { Test } from 'tap';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { Worker } from 'node:worker_threads';
import { freePort } from '@anycast-origin/testkit';
import { available, ERROR_CODES, InvalidOptionError, openBatchSocket, unavailableReason } from '../src/index.js';
import type { BatchSocket, BatchSocketOptions } from '../src/index.js';

type Seen = { text: string; address: string; port: number; v6: boolean };

function echo(t: Test, extra: Partial<BatchSocketOptions> = {}): { sock: BatchSocket; seen: Seen[]; errors: Error[] } {
  const seen: Seen[] = [];
  const errors: Error[] = [];
  const sock = openBatchSocket({
    host: '127.0.0.1',
    port: 0,
    onMessage: (msg, address, port, v6) => {
      seen.push({ text: msg.toString(), address, port, v6 });
      if (msg.toString() === 'silent') return null;
      return Buffer.concat([Buffer.from('re:'), msg]);
    },
    onError: (e) => errors.push(e),
    ...extra,
  });
  t.teardown(() => sock.close());
  return { sock, seen, errors };
}

function client(t: Test, type: 'udp4' | 'udp6' = 'udp4'): Promise<Socket> {
  // A burst of replies must fit in the client's receive queue (capped by net.core.rmem_max).
  const c = createSocket({ type, recvBufferSize: 1 << 20 });
  t.teardown(() => new Promise<void>((r) => c.close(() => r())));
  return new Promise((resolve) => c.bind(0, type === 'udp4' ? '127.0.0.1' : '::1', () => resolve(c)));
}

/** Send every payload from one socket and collect `expect` replies (or time out). */
function exchange(c: Socket, port: number, host: string, payloads: (string | Buffer)[], expect = payloads.length, timeoutMs = 3000): Promise<string[]> {
  const got: string[] = [];
  return new Promise((resolve) => {
    const done = () => { clearTimeout(timer); c.off('message', onMsg); resolve(got); };
    const onMsg = (m: Buffer) => { got.push(m.toString()); if (got.length >= expect) done(); };
    const timer = setTimeout(done, timeoutMs);
    c.on('message', onMsg);
    if (expect === 0) setTimeout(done, 300);
    for (const p of payloads) c.send(p, port, host);
  });
}

t.test('the native part is built and loaded on Linux', async (t) => {
  t.equal(unavailableReason(), undefined);
  t.ok(available());
});

t.test('answers each datagram to its sender, with the sender address and port', async (t) => {
  const { sock, seen, errors } = echo(t);
  t.ok(sock.port > 0);
  const c = await client(t);
  t.same(await exchange(c, sock.port, '127.0.0.1', ['hello']), ['re:hello']);
  t.same(seen, [{ text: 'hello', address: '127.0.0.1', port: c.address().port, v6: false }]);
  t.same(errors, []);
});

t.test('a burst arrives in batches larger than one, and every datagram is answered', async (t) => {
  const { sock, errors } = echo(t, { batch: 32 });
  const c = await client(t);
  const payloads = Array.from({ length: 200 }, (_, i) => `q${i}`);
  const got = await exchange(c, sock.port, '127.0.0.1', payloads);
  t.equal(sock.stats.received, 200);
  t.equal(sock.stats.replied, 200);
  t.equal(got.length, 200);
  t.same(new Set(got), new Set(payloads.map((p) => `re:${p}`)));
  t.ok(sock.stats.batches < 200, `${sock.stats.batches} batches for 200 datagrams`);
  t.same(errors, []);
});

t.test('two senders in one batch each get their own answer (address text per sender)', async (t) => {
  const { sock, seen } = echo(t);
  const a = await client(t);
  const b = await client(t);
  const [ra, rb] = await Promise.all([
    exchange(a, sock.port, '127.0.0.1', Array.from({ length: 50 }, (_, i) => `a${i}`)),
    exchange(b, sock.port, '127.0.0.1', Array.from({ length: 50 }, (_, i) => `b${i}`)),
  ]);
  t.ok(ra.every((m) => m.startsWith('re:a')) && ra.length === 50);
  t.ok(rb.every((m) => m.startsWith('re:b')) && rb.length === 50);
  t.ok(seen.every((s) => s.port === (s.text.startsWith('a') ? a : b).address().port));
});

t.test('null means no reply; an empty datagram is handed over too', async (t) => {
  const { sock, seen } = echo(t);
  const c = await client(t);
  t.same(await exchange(c, sock.port, '127.0.0.1', ['silent'], 0), []);
  t.same(await exchange(c, sock.port, '127.0.0.1', [Buffer.alloc(0)]), ['re:']);
  t.same(seen.map((s) => s.text), ['silent', '']);
});

t.test('IPv6: on ::1, and on :: where IPv4 senders arrive IPv4-mapped', async (t) => {
  const v6 = echo(t, { host: '::1' });
  const c6 = await client(t, 'udp6');
  t.same(await exchange(c6, v6.sock.port, '::1', ['six']), ['re:six']);
  t.same(v6.seen[0], { text: 'six', address: '::1', port: c6.address().port, v6: true });
  const dual = echo(t, { host: '::' });
  const c4 = await client(t);
  t.same(await exchange(c4, dual.sock.port, '127.0.0.1', ['four']), ['re:four']);
  t.equal(dual.seen[0]?.address, '::ffff:127.0.0.1');
  t.equal(dual.seen[0]?.v6, true);
});

t.test('a datagram larger than maxDatagramBytes is dropped and reported; the socket goes on', async (t) => {
  const { sock, seen, errors } = echo(t, { maxDatagramBytes: 512 });
  const c = await client(t);
  t.same(await exchange(c, sock.port, '127.0.0.1', [Buffer.alloc(513, 0x61)], 0), []);
  t.equal(sock.stats.oversized, 1);
  t.match(errors[0], { code: 'UDP_MMSG_ERR_DATAGRAM_TOO_LARGE' });
  t.same(await exchange(c, sock.port, '127.0.0.1', [Buffer.alloc(512, 0x62)]), [`re:${'b'.repeat(512)}`]);
  t.equal(seen.length, 1);
});

t.test('a reply larger than maxReplyBytes is not sent and is reported', async (t) => {
  const errors: Error[] = [];
  const sock = openBatchSocket({ host: '127.0.0.1', port: 0, maxReplyBytes: 512, onMessage: (m) => (m.toString() === 'big' ? Buffer.alloc(513) : Buffer.from('ok')), onError: (e) => errors.push(e) });
  t.teardown(() => sock.close());
  const c = await client(t);
  t.same(await exchange(c, sock.port, '127.0.0.1', ['big', 'small'], 1), ['ok']);
  t.match(errors, [{ code: 'UDP_MMSG_ERR_REPLY_TOO_LARGE' }]);
});

t.test('a taken port is EADDRINUSE (no SO_REUSEADDR); reusePort lets two sockets share one', async (t) => {
  const { sock } = echo(t);
  t.throws(() => openBatchSocket({ host: '127.0.0.1', port: sock.port, onMessage: () => null }), { code: 'EADDRINUSE', syscall: 'bind', port: sock.port });
  const port = await freePort(); // a fixed port, found without SO_REUSEPORT
  const a = openBatchSocket({ host: '127.0.0.1', port, reusePort: true, onMessage: () => Buffer.from('a') });
  t.teardown(() => a.close());
  const b = openBatchSocket({ host: '127.0.0.1', port: a.port, reusePort: true, onMessage: () => Buffer.from('b') });
  t.teardown(() => b.close());
  t.equal(b.port, a.port);
  // The kernel spreads senders over the group by hash of the 4-tuple: many senders reach both.
  const seen = new Set<string>();
  for (let i = 0; i < 40 && seen.size < 2; i++) {
    const c = await client(t);
    for (const m of await exchange(c, a.port, '127.0.0.1', ['x'])) seen.add(m);
  }
  t.same([...seen].sort(), ['a', 'b']);
});

t.test('an address not on this host is EADDRNOTAVAIL', async (t) => {
  t.throws(() => openBatchSocket({ host: '192.0.2.1', port: 0, onMessage: () => null }), { code: 'EADDRNOTAVAIL', syscall: 'bind' });
});

t.test('close(): idempotent, frees the port before it resolves, stops answering', async (t) => {
  const { sock } = echo(t);
  const port = sock.port;
  const first = sock.close();
  t.equal(sock.close(), first, 'the same promise');
  await first;
  const again = openBatchSocket({ host: '127.0.0.1', port, onMessage: () => Buffer.from('new') });
  const c = await client(t);
  t.same(await exchange(c, port, '127.0.0.1', ['x']), ['new']);
  await again.close();
  t.same(await exchange(c, port, '127.0.0.1', ['x'], 0), []);
});

t.test('close() from inside the handler: the rest of the batch is not answered, nothing crashes', async (t) => {
  let sock: BatchSocket | undefined = undefined;
  let calls = 0;
  let closed: Promise<void> | undefined;
  sock = openBatchSocket({ host: '127.0.0.1', port: 0, onMessage: () => { calls++; closed ??= sock?.close(); return Buffer.from('late'); } });
  const c = await client(t);
  const got = await exchange(c, sock.port, '127.0.0.1', Array.from({ length: 20 }, () => 'x'), 0);
  await closed;
  t.same(got, []);
  t.ok(calls >= 1);
});

t.test('a handler that throws reaches uncaughtException like any callback; the socket survives', async (t) => {
  const caught: Error[] = [];
  const onUncaught = (e: Error) => caught.push(e);
  const listeners = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', onUncaught);
  t.teardown(() => {
    process.off('uncaughtException', onUncaught);
    for (const l of listeners) process.on('uncaughtException', l);
  });
  const sock = openBatchSocket({ host: '127.0.0.1', port: 0, onMessage: (m) => { if (m.toString() === 'boom') throw new Error('handler bug'); return Buffer.from('ok'); } });
  t.teardown(() => sock.close());
  const c = await client(t);
  await exchange(c, sock.port, '127.0.0.1', ['boom'], 0);
  t.match(caught, [{ message: 'handler bug' }]);
  t.same(await exchange(c, sock.port, '127.0.0.1', ['fine']), ['ok']);
});

t.test('options are validated up front, naming the option', async (t) => {
  const ok = { host: '127.0.0.1', port: 0, onMessage: () => null };
  const cases: [Record<string, unknown>, string][] = [
    [{ host: 'localhost' }, 'host'],
    [{ host: 7 }, 'host'],
    [{ port: 70000 }, 'port'],
    [{ port: 1.5 }, 'port'],
    [{ onMessage: 'x' }, 'onMessage'],
    [{ onError: 1 }, 'onError'],
    [{ batch: 0 }, 'batch'],
    [{ batch: 257 }, 'batch'],
    [{ maxDatagramBytes: 100 }, 'maxDatagramBytes'],
    [{ maxReplyBytes: 65537 }, 'maxReplyBytes'],
    [{ recvBufferBytes: -1 }, 'recvBufferBytes'],
    [{ reusePort: 'yes' }, 'reusePort'],
    [{ reusePort: true }, 'port'], // port 0 with SO_REUSEPORT could join a group already serving
  ];
  for (const [bad, option] of cases) {
    let caught: unknown;
    try {
      openBatchSocket({ ...ok, ...bad } as unknown as BatchSocketOptions);
    } catch (e) {
      caught = e;
    }
    t.ok(caught instanceof InvalidOptionError, `${option}: an InvalidOptionError`);
    t.match(caught, { option, code: 'UDP_MMSG_ERR_INVALID_OPTION', message: new RegExp(`^${option} `) }, option);
  }
  t.throws(() => openBatchSocket(null as unknown as BatchSocketOptions), { option: 'options', message: 'options must be an object, got null' });
  t.throws(() => openBatchSocket({ ...ok, batch: 0 }), { message: 'batch must be an integer 1..256, got 0' }, 'the one message format');
  t.throws(() => openBatchSocket({ host: '127.0.0.1', port: 0 } as unknown as BatchSocketOptions), { message: 'onMessage is required (a function)' });
  t.ok(ERROR_CODES.includes('UDP_MMSG_ERR_INVALID_OPTION'));
});

t.test('a worker thread that exits with a socket open tears it down (port freed, no crash)', async (t) => {
  const src = `
    const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)}).then((m) => {
      const s = m.openBatchSocket({ host: '127.0.0.1', port: 0, onMessage: () => Buffer.from('w') });
      parentPort.postMessage(s.port);
    });`;
  const w = new Worker(src, { eval: true });
  const port = await new Promise<number>((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
  const c = await client(t);
  t.same(await exchange(c, port, '127.0.0.1', ['x']), ['w']);
  t.equal(await w.terminate(), 1);
  const again = openBatchSocket({ host: '127.0.0.1', port, onMessage: () => Buffer.from('main') });
  t.teardown(() => again.close());
  t.same(await exchange(c, port, '127.0.0.1', ['x']), ['main']);
});

t.test('an open socket nothing references survives garbage collection, as a dgram socket does', async (t) => {
  const { spawn } = await import('node:child_process');
  const script = `
    const m = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
    const port = m.openBatchSocket({ host: '127.0.0.1', port: 0, onMessage: () => Buffer.from('alive') }).port;
    for (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }
    process.stdout.write(port + '\\n');`;
  const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => { child.kill('SIGKILL'); });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  while (!out.includes('\n') && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
  const port = Number(out.trim());
  const c = await client(t);
  t.same(await exchange(c, port, '127.0.0.1', ['x']), ['alive'], 'still answering after gc()');
  t.equal(child.exitCode, null, 'and it keeps the process alive');
});
