import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs } from '@anycast-origin/testkit';
import { cpuMicros, requireTools, stopChild } from '../src/lib/harness.js';
import type { MissingToolError } from '../src/lib/harness.js';
import { parseAutocannon, parseWrk } from '../src/http/load.js';
import { BODY, ID, PEERS, TOOLS, buildGo, checkAnswer, nginxConfig, startPeer } from '../src/http/servers.js';

const WRK = `Running 5s test @ http://127.0.0.1:8080/
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   457.40us  120.11us   4.12ms   90.00%
    Req/Sec   140.12k     3.01k  145.00k    80.00%
  Latency Distribution
     50%  440.00us
     75%  480.00us
     90%  520.00us
     99%    1.02ms
  697123 requests in 5.00s, 120.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec: 139424.60
Transfer/sec:     24.00MB
`;

t.test('wrk and autocannon output parsers', async (t) => {
  t.same(parseWrk(WRK), { rps: 139424.6, requests: 697123, p99Ms: 1.02, p50Ms: 0.44, avgMs: 0.4574, errors: 3 });
  t.same(parseWrk(WRK.replace('1.02ms', '900.00us').replace('  Non-2xx or 3xx responses: 3\n', '  Socket errors: connect 0, read 2, write 0, timeout 1\n')), { rps: 139424.6, requests: 697123, p99Ms: 0.9, p50Ms: 0.44, avgMs: 0.4574, errors: 3 });
  t.throws(() => parseWrk('garbage'));
  t.same(parseAutocannon('progress\n{"requests":{"average":118000,"total":590000},"latency":{"p99":9},"non2xx":0,"errors":1,"timeouts":0}\n'), { rps: 118000, requests: 590000, p99Ms: 9, errors: 1 });
  t.throws(() => parseAutocannon('no json'));
});

t.test('cpuMicros reads a process CPU time from /proc', { skip: process.platform !== 'linux' && 'needs /proc' }, async (t) => {
  // Burn 50 ms of CPU as the kernel counts it (not wall time: a loaded machine gives less).
  const a = cpuMicros(process.pid);
  const start = process.cpuUsage();
  let used = 0;
  while (used < 50_000) {
    const d = process.cpuUsage(start);
    used = d.user + d.system;
  }
  const b = cpuMicros(process.pid);
  // /proc counts in clock ticks (10 ms): allow one tick either way.
  t.ok(b - a >= used - 10_000 && b - a <= used + 200_000, `/proc says ${b - a} us, cpuUsage ${used} us`);
});

t.test('every tool the benchmark runs is named with its Debian package', async (t) => {
  t.same(Object.fromEntries(TOOLS.map((x) => [x.command, x.aptPackage])), { taskset: 'util-linux', wrk: 'wrk', nginx: 'nginx-light', go: 'golang-go' });
  const err = t.throws(() => requireTools(TOOLS.map((x) => ({ ...x, command: `no-such-${x.command}` })))) as MissingToolError;
  t.match(err.message, 'apt-get install util-linux wrk nginx-light golang-go');
});

t.test('nginx config: one process, the same body and headers', async (t) => {
  const conf = nginxConfig(8123, '/tmp/x');
  t.match(conf, 'master_process off;');
  t.match(conf, 'worker_processes 1;');
  t.match(conf, 'listen 127.0.0.1:8123');
  t.match(conf, `return 200 "hostname: ${ID}\\n";`);
  t.match(conf, `add_header x-served-by "${ID}"`);
  t.equal(BODY, `hostname: ${ID}\n`);
});

t.test('checkAnswer refuses a server that answers wrong', async (t) => {
  const server = createServer((_req, res) => res.end('hello\n'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise((r) => server.close(r)));
  const port = (server.address() as { port: number }).port;
  await t.rejects(checkAnswer('wrong', port), /wrong on port \d+ answered wrong: body "hello\\n"/);
});

const missing = [needs('nginx', 'nginx-light'), needs('go', 'golang-go'), needs('taskset', 'util-linux')].find((n) => n.skip) ?? {};

t.test('every peer starts pinned and answers the same bytes before timing', missing, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-http-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const go = await buildGo(dir);
  for (const peer of PEERS) {
    const r = await startPeer(peer, 0, dir, go);
    t.teardown(() => stopChild(r.child));
    await checkAnswer(peer, r.port);
    t.pass(`${peer} answers ${JSON.stringify(BODY)}`);
    await stopChild(r.child);
  }
});
