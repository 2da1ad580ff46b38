import t from 'tap';
import type { Test } from 'tap';
import { createSocket } from 'node:dgram';
import { freePort } from '@anycast-origin/testkit';
import { createUdpEndpoint, loadMmsg, mmsgUnavailableReason, udpWrap } from '../src/udp.js';
import type { UdpBackendOption, UdpEndpoint } from '../src/udp.js';
import type * as UdpModule from '../src/udp.js';

/**
 * A cluster worker binds the fixed port its primary chose; with SO_REUSEPORT (mmsg) port 0
 * is refused, since Linux could hand out a port another reuseport group of ours serves.
 */
async function echo(t: Test, shared: boolean, backend: UdpBackendOption, host = '127.0.0.1', port = 0): Promise<{ ep: UdpEndpoint; seen: { address: string; v6: boolean }[]; errors: Error[] }> {
  const seen: { address: string; v6: boolean }[] = [];
  const errors: Error[] = [];
  if (shared && port === 0) port = await freePort(); // found without SO_REUSEPORT
  const ep: UdpEndpoint = await createUdpEndpoint({
    host, port, recvBufferBytes: 1 << 20, shared, backend,
    onMessage: (msg, address, _port, v6) => {
      seen.push({ address, v6 });
      return Buffer.concat([Buffer.from('re:'), msg]);
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

t.test('on Node 20-24 on Linux the udp_wrap handle and the mmsg addon are both found', async (t) => {
  t.not(udpWrap(), null);
  t.not(await loadMmsg(), null, 'the optional @anycast-origin/udp-mmsg is installed and built');
  t.equal(await mmsgUnavailableReason(), undefined);
});

// [backend option, cluster worker?, expected kind]
const CASES: [UdpBackendOption, boolean, string][] = [
  ['auto', false, 'mmsg'],
  ['auto', true, 'mmsg'],
  ['mmsg', false, 'mmsg'],
  ['node', false, 'udp_wrap'],
  ['node', true, 'dgram'],
];

for (const [backend, shared, kind] of CASES) {
  t.test(`backend '${backend}'${shared ? ' in a cluster worker' : ''}: ${kind} answers every datagram to its sender`, async (t) => {
    const { ep, errors } = await echo(t, shared, backend);
    t.equal(ep.kind, kind);
    t.ok(ep.port > 0);
    t.equal(await ask(ep.port, 'hello'), 're:hello');
    const many = await Promise.all(Array.from({ length: 50 }, (_, i) => ask(ep.port, `q${i}`)));
    t.equal(many.filter((m, i) => m === `re:q${i}`).length, 50, 'every datagram answered to its sender');
    t.same(errors, [], 'no socket errors');
  });

  t.test(`backend '${backend}'${shared ? ' in a cluster worker' : ''}: '::' is dual-stack, IPv4 clients arrive IPv4-mapped`, async (t) => {
    const { ep, seen } = await echo(t, shared, backend, '::');
    t.equal(await ask(ep.port, 'v4'), 're:v4');
    t.equal(await ask(ep.port, 'v6', 'udp6', '::1'), 're:v6');
    t.same(seen, [{ address: '::ffff:127.0.0.1', v6: true }, { address: '::1', v6: true }]);
  });

  t.test(`backend '${backend}'${shared ? ' in a cluster worker' : ''}: a taken port is EADDRINUSE; close is idempotent`, async (t) => {
    const { ep } = await echo(t, shared, backend);
    // A socket of another kind (no SO_REUSEPORT) holds the port: every backend is refused.
    for (const other of ['node', 'mmsg'] as const) {
      await t.rejects(createUdpEndpoint({ host: '127.0.0.1', port: ep.port, recvBufferBytes: 1 << 20, shared: false, backend: other, onMessage: () => null, onError: () => {} }), { code: 'EADDRINUSE' }, other);
    }
    await ep.close();
    await ep.close();
  });
}

t.test('mmsg workers share the port with SO_REUSEPORT; a plain socket cannot join them', async (t) => {
  const a = await echo(t, true, 'mmsg');
  const b = await createUdpEndpoint({ host: '127.0.0.1', port: a.ep.port, recvBufferBytes: 1 << 20, shared: true, backend: 'mmsg', onMessage: () => Buffer.from('b'), onError: () => {} });
  t.teardown(() => b.close());
  t.equal(b.port, a.ep.port);
  await t.rejects(createUdpEndpoint({ host: '127.0.0.1', port: a.ep.port, recvBufferBytes: 1 << 20, shared: false, backend: 'mmsg', onMessage: () => null, onError: () => {} }), { code: 'EADDRINUSE' });
});

t.test('where the addon is unavailable: auto falls back to Node UDP, an explicit mmsg is refused naming the option', async (t) => {
  const mocked = await t.mockImport<typeof UdpModule>('../src/udp.js', {
    '@anycast-origin/udp-mmsg': { available: () => false, unavailableReason: () => 'recvmmsg/sendmmsg are Linux system calls; this is darwin' },
  });
  const base = { host: '127.0.0.1', port: 0, recvBufferBytes: 1 << 20, onMessage: () => null, onError: () => {} };
  const auto = await mocked.createUdpEndpoint({ ...base, shared: false, backend: 'auto' });
  t.teardown(() => auto.close());
  t.equal(auto.kind, 'udp_wrap');
  const worker = await mocked.createUdpEndpoint({ ...base, shared: true, backend: 'auto' });
  t.teardown(() => worker.close());
  t.equal(worker.kind, 'dgram', 'a cluster worker shares the primary socket instead');
  await t.rejects(mocked.createUdpEndpoint({ ...base, shared: false, backend: 'mmsg' }), {
    code: 'DNS_ORIGIN_ERR_INVALID_OPTION', option: 'udpBackend', message: /^udpBackend is 'mmsg' but @anycast-origin\/udp-mmsg is unavailable here: recvmmsg\/sendmmsg are Linux system calls; this is darwin/,
  });
  t.equal(await mocked.mmsgUnavailableReason(), 'recvmmsg/sendmmsg are Linux system calls; this is darwin');
});

