import t from 'tap';
import { createServer } from 'node:net';
import { AddressInUseError, createHttpOrigin, InvalidStateError, uwsChoice } from '../src/index.js';
import type { RequestEcho } from '../src/index.js';
import { ID, TEXT, http, identity, startOrigin } from './fixtures/helpers.js';

const COMMON = { 'x-served-by': ID, 'x-origin-region': 'us-west-2', 'cache-control': 'no-store' };

t.test('routes, statuses, headers, HEAD and 405 (one origin)', async (t) => {
  const { origin, port } = await startOrigin(t, { version: '9.8.7', benchmarkRoutes: true });

  t.test('/ and every unlisted path answer the seed text', async (t) => {
    for (const path of ['/', '/anything', '/a/b/c?x=1', '/json/', '/healthz/x', '/index.html']) {
      const r = await http(port, path);
      t.equal(r.status, 200, path);
      t.equal(r.body.toString(), TEXT, path);
      t.match(r.headers, { ...COMMON, 'content-type': 'text/plain; charset=utf-8', 'content-length': String(TEXT.length) }, path);
    }
  });

  t.test('/bench answers 1', async (t) => {
    const r = await http(port, '/bench');
    t.equal(r.status, 200);
    t.equal(r.body.toString(), '1');
    t.match(r.headers, COMMON);
  });

  t.test('/healthz answers ok while serving', async (t) => {
    const r = await http(port, '/healthz');
    t.equal(r.status, 200);
    t.equal(r.body.toString(), 'ok\n');
    t.match(r.headers, COMMON);
  });

  t.test('/json echoes who answered and the request', async (t) => {
    const r = await http(port, '/json?q=1', { headers: { 'x-test': 'yes' } });
    t.equal(r.status, 200);
    t.match(r.headers, { ...COMMON, 'content-type': 'application/json; charset=utf-8' });
    const j = JSON.parse(r.body.toString()) as RequestEcho;
    t.match(j, {
      id: ID, hostname: 'test-host', instanceId: 'i-0e32d5b1a3f76cc05', availabilityZone: 'us-west-2c', region: 'us-west-2',
      clientAddress: '127.0.0.1', clientPort: null, serverAddress: '127.0.0.1', serverPort: port,
      method: 'GET', path: '/json', query: 'q=1', httpVersion: 'HTTP/1.1', version: '9.8.7', worker: 0,
    });
    t.equal(j.headers['x-test'], 'yes');
    t.equal(j.headers.host, `127.0.0.1:${port}`);
    t.ok(Math.abs(Date.parse(j.time) - Date.now()) < 5000);
  });

  t.test('/data?size=N', async (t) => {
    const r = await http(port, '/data?size=100');
    t.equal(r.status, 200);
    t.equal(r.body.length, 100);
    t.equal(r.body.toString(), '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-\n0123456789abcdefghijklmnopqrstuvwxyz');
    t.match(r.headers, { ...COMMON, 'content-type': 'application/octet-stream', 'content-length': '100' });
    const zero = await http(port, '/data?size=0');
    t.equal(zero.status, 200);
    t.equal(zero.body.length, 0);
    const max = await http(port, '/data?size=1048576');
    t.equal(max.status, 200);
    t.equal(max.body.length, 1048576);
    t.equal(max.body[1048575], '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-\n'.charCodeAt(1048575 % 64));
    for (const [q, reason] of <[string, string][]>[['', 'size is required'], ['?size=abc', 'non-negative decimal integer'], ['?size=-5', 'non-negative'], ['?size=1048577', 'over the cap of 1048576 bytes']]) {
      const bad = await http(port, `/data${q}`);
      t.equal(bad.status, 400, q);
      t.match(bad.body.toString(), reason, q);
      t.match(bad.headers, COMMON);
    }
  });

  t.test('HEAD: same status and headers, no body', async (t) => {
    for (const [path, len] of [['/', TEXT.length], ['/bench', 1], ['/healthz', 3], ['/data?size=5000', 5000]] as const) {
      const r = await http(port, path, { method: 'HEAD' });
      t.equal(r.status, 200, path);
      t.equal(r.body.length, 0, path);
      t.equal(r.headers['content-length'], String(len), path);
      t.match(r.headers, COMMON, path);
    }
    const j = await http(port, '/json', { method: 'HEAD' });
    t.equal(j.status, 200);
    t.ok(Number(j.headers['content-length']) > 100);
    const m = await http(port, '/metrics', { method: 'HEAD' });
    t.equal(m.status, 200);
    const bad = await http(port, '/data?size=x', { method: 'HEAD' });
    t.equal(bad.status, 400);
  });

  t.test('other methods: 405 with Allow', async (t) => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      for (const path of ['/', '/json', '/healthz', '/data?size=1']) {
        const r = await http(port, path, { method, body: method === 'POST' ? 'hello' : undefined });
        t.equal(r.status, 405, `${method} ${path}`);
        t.equal(r.headers.allow, 'GET, HEAD');
        t.match(r.headers, COMMON);
        t.equal(r.body.toString(), 'method not allowed\n');
      }
    }
  });

  t.test('/metrics and stats() count by route and status', async (t) => {
    const r = await http(port, '/metrics');
    t.equal(r.status, 200);
    t.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const text = r.body.toString();
    t.match(text, 'anycast_http_origin_requests_total{route="root",status="200"} 7\n');
    t.match(text, 'anycast_http_origin_requests_total{route="root",status="405"} 5\n');
    t.match(text, 'anycast_http_origin_requests_total{route="data",status="400"} 5\n');
    t.match(text, `anycast_http_origin_uws_backend{backend="native",uws="${uwsChoice().build.version}"} 1\n`);
    t.match(text, 'anycast_http_origin_draining 0\n');
    t.match(text, 'anycast_http_origin_workers 1\n');
    t.match(text, /anycast_http_origin_open_connections [1-9]\d*\n/);
    const s = origin.stats();
    t.match(s, { backend: 'native', workers: 1, state: 'listening', listening: true, draining: false, address: '127.0.0.1', port, inFlight: 0, workerError: null });
    t.equal(s.requests.byRoute.root['200'], 7);
    t.equal(s.requests.byRoute.json['405'], 5);
    t.equal(s.requests.byRoute.metrics['200'], 2);
    t.equal(s.requests.total, s.requests.byWorker[0]);
    t.ok(s.bytesSent > 1048576);
    t.ok(s.uptimeSeconds > 0);
  });
});

t.test('a second origin on a taken port: coded error naming host:port', async (t) => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise((r) => blocker.close(r)));
  const port = (blocker.address() as { port: number }).port;
  for (const workers of [1, 2]) {
    const origin = createHttpOrigin({ identity, port, workers });
    t.teardown(() => origin.close());
    const err = await t.rejects(origin.listen(), AddressInUseError) as unknown as AddressInUseError;
    t.equal(err.code, 'HTTP_ORIGIN_ERR_ADDRESS_IN_USE');
    t.match(err.message, `127.0.0.1:${port}`);
    t.match(err.message, 'address already in use');
    t.equal(origin.stats().state, 'closed');
  }
});

t.test('IPv6 loopback', async (t) => {
  const { createServer: probe } = await import('node:net');
  const ok = await new Promise<boolean>((r) => { const s = probe(); s.once('error', () => r(false)); s.listen(0, '::1', () => s.close(() => r(true))); });
  if (!ok) {
    t.comment('no ::1 on this host: skipped');
    return;
  }
  const { origin, port } = await startOrigin(t, { host: '::1' });
  const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    import('node:http').then(({ request }) => {
      const req = request({ host: '::1', port, path: '/json', agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    }, reject);
  });
  t.equal(r.status, 200);
  t.match(JSON.parse(r.body), { clientAddress: '::1', serverAddress: '::1', serverPort: port });
  t.match(origin.stats(), { address: '::1', port });
});

t.test('lifecycle: listen once, close idempotent, drain before listen', async (t) => {
  const { subscribe, unsubscribe } = await import('node:diagnostics_channel');
  const { CHANNELS } = await import('../src/index.js');
  const states: string[] = [];
  const onState = (m: unknown): void => void states.push((m as { state: string }).state);
  subscribe(CHANNELS.state, onState);
  t.teardown(() => void unsubscribe(CHANNELS.state, onState));
  const { origin } = await startOrigin(t);
  await t.rejects(origin.listen(), InvalidStateError);
  await origin.close();
  await origin.close();
  t.equal(origin.stats().state, 'closed');
  t.same(states, ['starting', 'listening', 'closing', 'closed'], 'state changes published on diagnostics_channel');
  await origin.drain();
  const idle = createHttpOrigin({ identity, port: 0, workers: 1 });
  await idle.drain();
  t.equal(idle.stats().draining, true);
  await t.rejects(idle.listen(), InvalidStateError);
});

t.test('drain: 503 at once, keeps serving, loses nothing in flight, then closes', async (t) => {
  const { origin, port } = await startOrigin(t, { drainSeconds: 2, maxDataBytes: 64 * 1024 * 1024, benchmarkRoutes: true });
  const { Agent, request } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  t.teardown(() => agent.destroy());
  let sent = 0;
  let answered = 0;
  let refused = 0;
  const lost: string[] = [];
  let stop = false;
  const one = (): Promise<void> => new Promise((resolve) => {
    sent++;
    const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode === 200 && Buffer.concat(chunks).toString() === TEXT) answered++;
        else lost.push(`status ${res.statusCode}`);
        resolve();
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      // Refused = the listener was already closed: the request never started.
      if (err.code === 'ECONNREFUSED') refused++;
      else lost.push(err.code ?? err.message);
      resolve();
    });
    req.end();
  });
  const loops = Array.from({ length: 8 }, async () => {
    while (!stop) await one();
  });

  // A 32 MiB download read slowly: in flight when the listeners close, must still complete.
  const size = 32 * 1024 * 1024;
  const download = new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `/data?size=${size}`, agent: false }, (res) => {
      let got = 0;
      res.on('data', (c: Buffer) => {
        got += c.length;
        res.pause();
        setTimeout(() => res.resume(), 2); // ~ a few MB/s: takes longer than drainSeconds
      });
      res.on('end', () => resolve(got));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });

  await new Promise((r) => setTimeout(r, 200));
  const t0 = Date.now();
  const drained = origin.drain();
  t.equal(origin.drain(), drained, 'drain() twice returns the same promise');
  t.equal(origin.stats().draining, true);
  t.equal(origin.stats().state, 'draining');
  const h = await http(port, '/healthz');
  t.equal(h.status, 503, '/healthz 503 at once');
  t.equal(h.body.toString(), 'draining\n');
  t.match(h.headers, COMMON);
  const head = await http(port, '/healthz', { method: 'HEAD' });
  t.equal(head.status, 503, 'HEAD /healthz 503 too (checkers may use HEAD)');
  t.equal(head.headers['content-length'], String('draining\n'.length));
  const m = await http(port, '/metrics');
  t.match(m.body.toString(), 'anycast_http_origin_draining 1\n');
  const during = answered;
  await new Promise((r) => setTimeout(r, 500));
  t.ok(answered > during, 'still serving while draining');
  t.equal((await http(port, '/')).status, 200);
  t.ok(origin.stats().inFlight >= 1, 'download in flight');

  await drained;
  const elapsed = Date.now() - t0;
  stop = true;
  await Promise.all(loops);
  t.equal(await download, size, 'the in-flight download completed');
  t.ok(elapsed >= 2000, `drain took ${elapsed} ms (>= drainSeconds)`);
  t.same(lost, [], 'no request lost');
  t.ok(answered > 50, `${answered} answered, ${refused} refused after close, ${sent} sent`);
  t.equal(answered + refused, sent);
  const s = origin.stats();
  t.equal(s.state, 'closed');
  t.equal(s.inFlight, 0);
  t.equal(s.openConnections, 0);
  await t.rejects(http(port, '/'), { code: 'ECONNREFUSED' });
});

t.test('drainSeconds: 0 closes right away; close() ends a long drain early', async (t) => {
  const a = await startOrigin(t, { drainSeconds: 0 });
  const t0 = Date.now();
  await a.origin.drain();
  t.ok(Date.now() - t0 < 2000);
  await t.rejects(http(a.port, '/'), { code: 'ECONNREFUSED' });
  const b = await startOrigin(t, { drainSeconds: 3600 });
  const d = b.origin.drain();
  t.equal((await http(b.port, '/healthz')).status, 503);
  await b.origin.close();
  await d;
  t.equal(b.origin.stats().state, 'closed');
  await t.rejects(http(b.port, '/'), { code: 'ECONNREFUSED' });
});

t.test('benchmarkRoutes and metricsRoute: off, those paths are the identity text like any other', async (t) => {
  const { port } = await startOrigin(t, { metricsRoute: false });
  for (const path of ['/data?size=1048576', '/bench', '/metrics']) {
    const r = await http(port, path);
    t.equal(r.status, 200, path);
    t.equal(r.body.toString(), TEXT, `${path}: the identity text, not the route`);
  }
  const post = await http(port, '/data', { method: 'POST' });
  t.equal(post.status, 405);
  const on = await startOrigin(t, { benchmarkRoutes: true });
  t.equal((await http(on.port, '/data?size=3')).body.toString(), '012');
  t.equal((await http(on.port, '/bench')).body.toString(), '1');
});

t.test('metricsExtra: appended to /metrics, from one worker and from worker threads; metrics() alone', async (t) => {
  for (const workers of [1, 2]) {
    let calls = 0;
    const { origin, port } = await startOrigin(t, {
      workers,
      metricsExtra: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 5));
        return '# TYPE other_total counter\nother_total 7\n';
      },
    });
    const r = await http(port, '/metrics');
    t.equal(r.status, 200);
    const text = r.body.toString();
    t.match(text, /anycast_http_origin_requests_total\{route="root",status="200"\} 0\n/, `workers ${workers}: own counters`);
    t.ok(text.endsWith('# TYPE other_total counter\nother_total 7\n'), `workers ${workers}: the extra text last`);
    const head = await http(port, '/metrics', { method: 'HEAD' });
    t.ok(Number(head.headers['content-length']) > text.length - 100, 'HEAD: the length of the text (counters moved meanwhile)');
    t.equal(head.body.length, 0, 'HEAD: no body');
    t.equal(calls, 2);
    t.notMatch(origin.metrics(), /other_total/, 'metrics(): the origin\'s own text');
    t.match(origin.metrics(), /^# HELP anycast_http_origin_info /);
  }
  const failing = await startOrigin(t, { metricsExtra: () => Promise.reject(new Error('down')) });
  const r = await http(failing.port, '/metrics');
  t.equal(r.status, 200, 'a failing extra source still leaves the own metrics');
  t.match(r.body.toString(), /anycast_http_origin_info/);
});
