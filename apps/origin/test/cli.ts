import t from 'tap';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createSocket } from 'node:dgram';
import { request } from 'node:http';
import { dig, needs, run } from '@anycast-origin/testkit';
import { runtimeInfo } from '@anycast-origin/http-origin';
import { CLI, spawnOrigin, startOrigin } from './fixtures/origin.js';

function get(port: number, path: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

t.test('serves HTTP and DNS with the given identity; logs JSON; prints what to try', async (t) => {
  const o = await startOrigin(t, ['--identity-id', 'origin-test-1', '--drain-seconds', '0']);
  t.match(o.start, { level: 30, msg: 'serving', identity: { id: 'origin-test-1' }, http: { address: '127.0.0.1', backend: 'native', workers: 1 }, dns: { address: '127.0.0.1', workers: 1, udpBackend: 'mmsg' } });
  const runtime = runtimeInfo();
  t.same(o.start.runtime, runtime, 'the runtime: Node.js, its end of life, the uWS build');
  const eol = (): Record<string, unknown> | undefined => o.logs.find((l) => l.level === 40 && typeof l.msg === 'string' && l.msg.includes('end of life'));
  // The warning follows the start line: give it the moment it takes to arrive.
  for (let i = 0; i < 50 && runtime.endOfLife && !eol(); i++) await new Promise((r) => setTimeout(r, 20));
  const warning = eol();
  if (runtime.endOfLife) t.match(warning, { node: process.versions.node, nodeEndOfLife: runtime.nodeEndOfLife, msg: /^Node\.js \S+ is past its end of life/ }, 'an end-of-life runtime is said at start');
  else t.equal(warning, undefined, `Node.js ${runtime.node} is supported until ${runtime.nodeEndOfLife}: no warning`);
  // The hint goes to stderr right after the start log on stdout: wait for it to arrive.
  for (let i = 0; i < 100 && !o.stderr().includes('dig @'); i++) await new Promise((r) => setTimeout(r, 20));
  t.match(o.stderr(), `curl -s http://127.0.0.1:${o.httpPort}/`);
  t.match(o.stderr(), `dig @127.0.0.1 -p ${o.dnsPort} id.server txt ch +short`);
  const r = await get(o.httpPort, '/');
  t.equal(r.status, 200);
  t.equal(r.body, 'hostname: origin-test-1\n');
  t.equal(r.headers['x-served-by'], 'origin-test-1');
  t.equal((await get(o.httpPort, '/healthz')).status, 200);
  await t.test('curl', needs('curl', 'curl'), async (t) => {
    const c = await run('curl', ['-s', `http://127.0.0.1:${o.httpPort}/`]);
    t.equal(c.stdout, 'hostname: origin-test-1\n');
  });
  await t.test('dig', needs('dig', 'bind9-dnsutils'), async (t) => {
    t.equal(await dig(o.dnsPort, ['id.server', 'txt', 'ch', '+short']), '"origin-test-1"\n');
    t.equal(await dig(o.dnsPort, ['+tcp', 'hostname.bind', 'txt', 'ch', '+short']), '"origin-test-1"\n');
  });
  await t.test('SIGTERM with drain 0 exits 0 and logs the stop', async (t) => {
    o.child.kill('SIGTERM');
    t.same(await o.exit, { code: 0, signal: null });
    t.ok(o.logs.some((l) => l.msg === 'stopped'));
  });
});

t.test("--dns-udp-backend node serves DNS through Node's own UDP socket instead of the batched addon", async (t) => {
  const o = await startOrigin(t, ['--identity-id', 'node-udp', '--dns-udp-backend', 'node', '--drain-seconds', '0']);
  t.match(o.start, { dns: { udpBackend: 'udp_wrap' } });
  await t.test('dig', needs('dig', 'bind9-dnsutils'), async (t) => {
    t.equal(await dig(o.dnsPort, ['id.server', 'txt', 'ch', '+short']), '"node-udp"\n');
  });
  o.child.kill('SIGTERM');
  t.same(await o.exit, { code: 0, signal: null });
});

t.test('identity from the environment and a config file', async (t) => {
  const dir = t.testdir({ 'c.json': JSON.stringify({ dns: { zone: { name: 'anycast.example', a: ['192.0.2.10'] }, hideVersion: true } }) });
  const o = await startOrigin(t, ['--config', `${dir}/c.json`, '--drain-seconds', '0'], { ORIGIN_ID: 'env-id', ORIGIN_AVAILABILITY_ZONE: 'eu-central-1b', ORIGIN_IDENTITY_SOURCE: 'env' });
  t.match(o.start, { identity: { id: 'env-id', availabilityZone: 'eu-central-1b', region: 'eu-central-1', source: { id: 'env', availabilityZone: 'env' } }, dns: { zone: 'anycast.example' } });
  t.equal((await get(o.httpPort, '/')).body, 'hostname: env-id\n');
  await t.test('zone answers', needs('dig', 'bind9-dnsutils'), async (t) => {
    t.equal(await dig(o.dnsPort, ['id.anycast.example', 'txt', '+short', '+norec']), '"env-id"\n');
    t.equal(await dig(o.dnsPort, ['anycast.example', 'a', '+short', '+norec']), '192.0.2.10\n');
    t.match(await dig(o.dnsPort, ['version.server', 'txt', 'ch']), /status: REFUSED/);
  });
  o.child.kill('SIGTERM');
  t.equal((await o.exit).code, 0);
});

t.test('SIGTERM during a steady request loop: health 503 at once, no request lost, exit 0', async (t) => {
  const drainMs = 2000;
  const o = await startOrigin(t, ['--identity-id', 'drain-test', '--drain-seconds', String(drainMs / 1000)]);
  let ok = 0;
  let closedAfterDrain = 0;
  const failures: string[] = [];
  let stop = false;
  let signalAt = Infinity;
  const loop = async () => {
    while (!stop) {
      try {
        // A new connection per request: after the drain the listener is gone and the
        // connection is refused, which ends the loop; nothing in flight may be cut.
        const r = await get(o.httpPort, '/');
        if (r.status === 200 && r.body === 'hostname: drain-test\n') ok++;
        else failures.push(`${r.status} ${r.body}`);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        if (['ECONNREFUSED', 'ECONNRESET'].includes(code) && Date.now() >= signalAt + drainMs) {
          closedAfterDrain++;
          stop = true;
        } else failures.push(`${code} ${(e as Error).message} at +${Date.now() - signalAt} ms`);
      }
    }
  };
  const loops = [loop(), loop(), loop()];
  await new Promise((r) => setTimeout(r, 300));
  const before = ok;
  signalAt = Date.now();
  o.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 200));
  const health = await get(o.httpPort, '/healthz');
  t.equal(health.status, 503, '/healthz is 503 during the drain');
  t.equal(health.body.trim(), 'draining');
  const exit = await o.exit;
  const took = Date.now() - signalAt;
  stop = true;
  await Promise.all(loops);
  t.same(exit, { code: 0, signal: null });
  t.ok(took >= drainMs - 100 && took < drainMs + 6000, `kept serving for the drain (${took} ms)`);
  t.ok(ok > before + 20, `requests kept being answered during the drain (${before} before, ${ok} in all)`);
  t.same(failures, [], 'no request failed or was cut');
  t.ok(closedAfterDrain >= 1, 'the listener closed after the drain');
  t.match(o.logs.filter((l) => l.level !== 40).map((l) => l.msg), ['serving', 'draining: health checks fail now, serving continues', 'stopped'], 'the log (end-of-life warnings aside)');
});

t.test('a second signal exits at once with a non-zero code', async (t) => {
  const o = await startOrigin(t, ['--drain-seconds', '60']);
  o.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 200));
  const at = Date.now();
  o.child.kill('SIGINT');
  const exit = await o.exit;
  t.equal(exit.code, 130, 'exit 128+SIGINT');
  t.ok(Date.now() - at < 3000, 'at once, not after the 60 s drain');
  t.ok(o.logs.some((l) => l.msg === 'second signal: stopping now without finishing the drain'));
});

t.test('bad flags and config: one line naming the problem as the user wrote it, exit 2, nothing started', async (t) => {
  const dir = t.testdir({
    'unknown.json': JSON.stringify({ http: { workers: 1 }, colour: 'blue' }),
    'bad.json': '{',
    'types.json': JSON.stringify({ drainSeconds: 'soon' }),
    'nested.json': JSON.stringify({ dns: { rrl: { slip: 11 } } }),
  });
  const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
    [['--http-workers', 'x'], {}, /^anycast-origin: --http-workers must be an integer 1\.\.256, got "x" \(see anycast-origin --help\)\n$/],
    [['--http-host', 'nowhere'], {}, /^anycast-origin: --http-host must be an IPv4 or IPv6 address, got "nowhere"/],
    [['--frobnicate'], {}, /^anycast-origin: unknown option '--frobnicate'/],
    [['--config', `${dir}/unknown.json`], {}, /^anycast-origin: .*unknown\.json: colour is not a known option \(known: logLevel, drainSeconds, metrics, identity, http, dns\)/],
    [['--config', `${dir}/bad.json`], {}, /^anycast-origin: .*bad\.json: not valid JSON/],
    [['--config', `${dir}/types.json`], {}, /^anycast-origin: .*types\.json: drainSeconds must be a number 0\.\.86400 \(s\), got "soon"/],
    [['--config', `${dir}/nested.json`], {}, /^anycast-origin: .*nested\.json: dns\.rrl\.slip must be an integer 0\.\.10, got 11/],
    [['--config', `${dir}/none.json`], {}, /none\.json: cannot read it \(ENOENT\)/],
    [[], { ORIGIN_DRAIN_SECONDS: '-1' }, /^anycast-origin: ORIGIN_DRAIN_SECONDS must be a number 0\.\.86400 \(s\), got -1/],
    [['--dns-rrl-slip', '11'], {}, /^anycast-origin: --dns-rrl-slip must be an integer 0\.\.10, got 11 \(see anycast-origin --help\)\n$/],
    [['--dns-rrl', 'off', '--dns-rrl-slip', '3'], {}, /^anycast-origin: --dns-rrl-slip conflicts with --dns-rrl off/],
    [['--http', 'off', '--dns', 'off'], {}, /^anycast-origin: --http and --dns are both off: nothing to serve/],
    [['--metrics', 'somewhere'], {}, /^anycast-origin: --metrics must be ADDR:PORT, \[IPv6\]:PORT or off, got "somewhere"/],
    [['--identity-id', 'x'.repeat(256)], {}, /^anycast-origin: --identity-id must be a string of 1\.\.255 bytes without control characters \(one DNS TXT string\), got "x{40}\.\.\." \(see anycast-origin --help\)\n$/],
    [['--identity-availability-zone', 'moon-1'], {}, /^anycast-origin: --identity-availability-zone must be an availability zone name like us-west-2c, got "moon-1"/],
    [['--identity-region', 'us-east-1', '--identity-availability-zone', 'us-west-2c', '--identity-source', 'os', '--http-port', '0', '--dns-port', '0'], {}, /^anycast-origin: --identity-region must be us-west-2, the region of availability zone us-west-2c, got "us-east-1"/],
    [['--identity-source', 'env', '--http-port', '0', '--dns-port', '0'], { ORIGIN_REGION: 'atlantis' }, /^anycast-origin: ORIGIN_REGION must be an AWS region name like us-west-2, got "atlantis"/],
  ];
  for (const [argv, env, re] of cases) {
    const s = spawnOrigin(t, argv, env);
    const exit = await s.exit;
    t.equal(exit.code, 2, `${argv.join(' ')}: exit 2`);
    t.match(s.stderr(), re, `${argv.join(' ')}: message`);
    t.equal(s.stderr().trim().split('\n').length, 1, 'one line');
    t.notOk(s.logs.some((l) => l.msg === 'serving'), 'nothing started');
  }
});

t.test('--help and --version', async (t) => {
  const h = await run(process.execPath, [CLI, '--help']);
  t.equal(h.code, 0);
  t.match(h.stdout, /--drain-seconds <n>/);
  t.match(h.stdout, /ORIGIN_DRAIN_SECONDS/);
  const v = await run(process.execPath, [CLI, '--version']);
  t.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
});

t.test('port in use: a clear error naming the address, exit 1', async (t) => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => blocker.close(() => r())));
  const port = (blocker.address() as AddressInfo).port;
  const s = spawnOrigin(t, ['--http-port', String(port), '--dns', 'off', '--identity-source', 'os', '--http-workers', '1']);
  t.equal((await s.exit).code, 1);
  t.match(s.stderr(), new RegExp(`^anycast-origin: http 127\\.0\\.0\\.1:${port}: address already in use\\n$`));

  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  t.teardown(() => udp.close());
  const uport = udp.address().port;
  const d = spawnOrigin(t, ['--http', 'off', '--dns-port', String(uport), '--identity-source', 'os']);
  t.equal((await d.exit).code, 1);
  t.match(d.stderr(), new RegExp(`^anycast-origin: dns 127\\.0\\.0\\.1:${uport}: address already in use\\n$`));

  // HTTP starts, DNS fails: HTTP must be closed again and the exit clean (no abort).
  const both = spawnOrigin(t, ['--http-port', '0', '--dns-port', String(uport), '--identity-source', 'os', '--http-workers', '2']);
  const e = await both.exit;
  t.same(e, { code: 1, signal: null });
});
