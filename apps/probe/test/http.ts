import t from 'tap';
import { createServer } from 'node:http';
import { needs, run } from '@anycast-origin/testkit';
import { measureHttp } from '../src/http.js';
import { InvalidOptionError } from '../src/errors.js';
import { EU, US_WEST, closedPort, startHttpOrigin, startNginx, tcpServer } from './fixtures/peers.js';

t.test('our HTTP origin: every request answered by its identity, region from the zone, latencies', async (t) => {
  const url = await startHttpOrigin(t, US_WEST);
  const r = await measureHttp({ url, count: 20, concurrency: 4 });
  t.match(r, { target: url, total: 20, ok: 20, errors: 0, errorKinds: {} });
  t.same(r.answers, [{ identity: 'i-0e32d5b1a3f76cc05.us-west-2c', region: 'us-west-2', count: 20, share: 1 }]);
  t.same(r.regions, [{ region: 'us-west-2', count: 20, share: 1 }]);
  t.ok(r.latencyMs && r.latencyMs.p50 > 0 && r.latencyMs.p50 <= r.latencyMs.p90 && r.latencyMs.p90 <= r.latencyMs.p99);
  t.ok(r.connectMs && r.connectMs.p50 > 0 && r.connectMs.p50 <= (r.latencyMs?.p50 ?? 0), 'connect time measured, below total');

  // curl, the seed's client, reads the same identity
  const curl = await run('curl', ['-s', url]);
  t.equal(curl.stdout, `hostname: ${r.answers[0]?.identity}\n`);
});

t.test('nginx answering the seed text (return 200 "hostname: <id>\\n")', needs('nginx', 'nginx-light'), async (t) => {
  const url = await startNginx(t, EU.id);
  const r = await measureHttp({ url, count: 10, concurrency: 2 });
  t.match(r, { total: 10, ok: 10, errors: 0 });
  t.same(r.answers, [{ identity: 'i-0123456789abcdef0.eu-central-1a', region: 'eu-central-1', count: 10, share: 1 }]);
});

t.test('a new connection per request (a new flow each), one per worker with keepAlive', async (t) => {
  const conns: string[] = [];
  const server = createServer((_req, res) => res.end('hostname: i-0e32d5b1a3f76cc05.us-west-2c\n'));
  server.on('connection', (s) => conns.push(`${s.remoteAddress}:${s.remotePort}`));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;

  const fresh = await measureHttp({ url, count: 12, concurrency: 3 });
  t.equal(fresh.ok, 12);
  t.equal(conns.length, 12, '12 requests, 12 connections');
  t.equal(new Set(conns).size, 12, 'each from its own source port');

  conns.length = 0;
  const reused = await measureHttp({ url, count: 12, concurrency: 3, keepAlive: true });
  t.equal(reused.ok, 12);
  t.equal(conns.length, 3, '12 requests over 3 connections');
  t.ok(reused.connectMs, 'the connects that happened are timed');
});

t.test('sourceAddress: the server sees the request from that loopback address', async (t) => {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.socket.remoteAddress ?? '');
    res.end('hostname: i-0e32d5b1a3f76cc05.us-west-2c\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  const r = await measureHttp({ url, count: 3, sourceAddress: '127.0.0.42' });
  t.equal(r.ok, 3);
  t.same(seen, ['127.0.0.42', '127.0.0.42', '127.0.0.42']);
});

t.test('failures are counted by kind, never thrown', async (t) => {
  t.test('refused', async (t) => {
    const port = await closedPort();
    const r = await measureHttp({ url: `http://127.0.0.1:${port}/`, count: 3 });
    t.match(r, { total: 3, ok: 0, errors: 3, errorKinds: { refused: 3 }, answers: [], latencyMs: null });
    t.match(r.errorSamples.refused, /ECONNREFUSED/);
  });

  t.test('timeout: accepts and never answers', async (t) => {
    const port = await tcpServer(t, () => {});
    const r = await measureHttp({ url: `http://127.0.0.1:${port}/`, count: 2, concurrency: 2, timeoutMs: 150 });
    t.match(r, { total: 2, ok: 0, errorKinds: { timeout: 2 } });
  });

  t.test('garbage: bytes that are not HTTP', async (t) => {
    const port = await tcpServer(t, (s) => s.end('\x00\x01 not http at all\r\n\r\n'));
    const r = await measureHttp({ url: `http://127.0.0.1:${port}/`, count: 2 });
    t.match(r, { total: 2, ok: 0, errorKinds: { garbage: 2 } });
  });

  t.test('reset: the connection closes before an answer', async (t) => {
    const port = await tcpServer(t, (s) => s.once('data', () => s.destroy()));
    const r = await measureHttp({ url: `http://127.0.0.1:${port}/`, count: 2 });
    t.match(r, { total: 2, ok: 0, errorKinds: { reset: 2 } });
  });

  t.test('status and no-identity: 503, and a 200 without the hostname line', async (t) => {
    let n = 0;
    const server = createServer((_req, res) => {
      n++;
      if (n % 3 === 1) res.writeHead(503).end('draining\n');
      else if (n % 3 === 2) res.end('<html>hello</html>');
      else res.end('hostname: i-0e32d5b1a3f76cc05.us-west-2c\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    t.teardown(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
    const r = await measureHttp({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/x`, count: 9 });
    t.match(r, { total: 9, ok: 3, errors: 6, errorKinds: { status: 3, 'no-identity': 3 } });
    t.equal(r.errorSamples.status, 'HTTP 503');
    t.equal(r.answers[0]?.share, 1, 'shares are of the answered requests');
  });
});

t.test('options are validated up front with the option named', async (t) => {
  await t.rejects(measureHttp({ url: 'ftp://x/' }), new InvalidOptionError('url', 'must be an http:// or https:// URL, got "ftp://x/"'));
  await t.rejects(measureHttp({ url: 'http://127.0.0.1/', count: 0 }), { code: 'PROBE_ERR_INVALID_OPTION', option: 'count', message: 'count must be an integer 1..1000000, got 0' });
  await t.rejects(measureHttp({ url: 'http://127.0.0.1/', sourceAddress: 'eth0' }), { option: 'sourceAddress', message: 'sourceAddress must be an IPv4 or IPv6 address, got "eth0"' });
  await t.rejects(measureHttp({ url: 'http://127.0.0.1/', bogus: 1 } as never), { option: 'bogus', message: /^bogus is not a known option \(known: url, count, .*\)$/ });
});
