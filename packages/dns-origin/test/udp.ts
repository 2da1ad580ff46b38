import t from 'tap';
import type { Test } from 'tap';
import { createSocket } from 'node:dgram';
import { createUdpEndpoint, udpWrap } from '../src/udp.js';
import type { UdpEndpoint } from '../src/udp.js';

async function echo(t: Test, shared: boolean, host = '127.0.0.1'): Promise<{ ep: UdpEndpoint; seen: { address: string; v6: boolean }[]; errors: Error[] }> {
  const seen: { address: string; v6: boolean }[] = [];
  const errors: Error[] = [];
  // The handler runs only once datagrams arrive, after `ep` is assigned.
  const ep: UdpEndpoint = await createUdpEndpoint({
    host, port: 0, recvBufferBytes: 1 << 20, shared,
    onMessage: (msg, address, port, v6) => {
      seen.push({ address, v6 });
      ep.send(Buffer.concat([Buffer.from('re:'), msg]), port, address);
    },
    onError: (e) => errors.push(e),
  });
  t.teardown(() => ep.close());
  return { ep, seen, errors };
}

function ask(port: number, text: string, type: 'udp4' | 'udp6' = 'udp4', host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = createSocket(type);
    const timer = setTimeout(() => { c.close(); reject(new Error('no answer')); }, 2000);
    c.on('message', (m) => { clearTimeout(timer); c.close(); resolve(m.toString()); });
    c.send(text, port, host);
  });
}

t.test('on Node 20-24 the udp_wrap handle is found', async (t) => {
  t.not(udpWrap(), null);
});

t.test('a process of its own answers through udp_wrap; a cluster worker through dgram', async (t) => {
  for (const shared of [false, true]) {
    const { ep, errors } = await echo(t, shared);
    t.equal(ep.kind, shared ? 'dgram' : 'udp_wrap');
    t.ok(ep.port > 0);
    t.equal(await ask(ep.port, 'hello'), 're:hello');
    const many = await Promise.all(Array.from({ length: 50 }, (_, i) => ask(ep.port, `q${i}`)));
    t.equal(many.filter((m, i) => m === `re:q${i}`).length, 50, 'every datagram answered to its sender');
    t.same(errors, [], 'no socket errors');
  }
});

t.test("'::' is dual-stack: IPv4 clients arrive IPv4-mapped", async (t) => {
  const { ep, seen } = await echo(t, false, '::');
  t.equal(await ask(ep.port, 'v4'), 're:v4');
  t.equal(await ask(ep.port, 'v6', 'udp6', '::1'), 're:v6');
  t.same(seen, [{ address: '::ffff:127.0.0.1', v6: true }, { address: '::1', v6: true }]);
});

t.test('a taken port is EADDRINUSE, as with dgram; close is idempotent', async (t) => {
  const { ep } = await echo(t, false);
  await t.rejects(createUdpEndpoint({ host: '127.0.0.1', port: ep.port, recvBufferBytes: 1 << 20, shared: false, onMessage: () => {}, onError: () => {} }), { code: 'EADDRINUSE' });
  await t.rejects(createUdpEndpoint({ host: '127.0.0.1', port: ep.port, recvBufferBytes: 1 << 20, shared: true, onMessage: () => {}, onError: () => {} }), { code: 'EADDRINUSE' });
  await ep.close();
  await ep.close();
  ep.send(Buffer.from('x'), 9, '127.0.0.1'); // after close: ignored, no throw
});
