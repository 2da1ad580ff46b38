/**
 * Relay benchmark: what the emulator's data plane costs a lab. The emulator runs in its own
 * process pinned to one core (the "server" core); the origins and the load generators share
 * the other. Each measurement is taken straight to the origin and through the emulator's
 * entry, interleaved, in several rounds:
 *
 * - DNS: dnsperf (CH TXT id.server, -c 8 -q 200) straight to the DNS origin vs through the UDP
 *   entry;
 * - HTTP, a new connection per request: wrk -t1 -c64 with `Connection: close`, straight to the
 *   HTTP origin vs through the TCP entry;
 * - HTTP, keep-alive: wrk -t1 -c64;
 * - added latency at no load: dnsperf -c 1 -q 1 (mean) and wrk -t1 -c1 (median), through minus straight.
 *
 * The same HTTP loads also go through a bare Node relay (bare-proxy.ts: accept, connect, pipe),
 * pinned to the emulator's core in its turn: the floor of what any relay on Node's `net` costs.
 *
 * Reports rates, the ratio through/straight, the emulator's CPU per relayed request (and so
 * its per-core capacity, which stays meaningful when the shared load core is what saturates),
 * and checks the targets (>= 20k DNS q/s through the UDP entry, >= 10k new-connection HTTP
 * req/s through the TCP entry, on one core).
 *
 *   npm run bench:relay -- [--rounds 3] [--seconds 5] [--preserve true|false]
 */
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@anycast-origin/testkit';
import { benchArgs, cores, cpuMicros, median, positiveInt, ratio, requireTools, runPinned, spawnPinned, stopChild, table, waitForTcp, writeResults } from '../lib/harness.js';
import { binaryQuery, parseDnsperf } from '../dns/peers.js';
import { wrk } from '../http/load.js';
import { ID, INSTANCE_ID, ZONE } from '../http/servers.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const entry = (dir: string, name: string): string[] => (FROM_SOURCE ? [...process.execArgv, join(HERE, '..', dir, `${name}.ts`)] : [join(HERE, '..', dir, `${name}.js`)]);

const values = benchArgs('usage: npm run bench:relay -- [options]', {
  rounds: { type: 'string', default: '3', description: 'interleaved rounds (medians reported)' },
  seconds: { type: 'string', default: '5', description: 'seconds per dnsperf/wrk run' },
  preserve: { type: 'string', default: 'true', description: 'client IP preservation on the endpoint: true or false' },
});
const rounds = positiveInt('rounds', values.rounds);
const seconds = positiveInt('seconds', values.seconds);
if (values.preserve !== 'true' && values.preserve !== 'false') {
  process.stderr.write(`--preserve: ${JSON.stringify(values.preserve)} is not true or false\n`);
  process.exit(2);
}

requireTools([
  { command: 'taskset', aptPackage: 'util-linux' },
  { command: 'dnsperf', aptPackage: 'dnsperf' },
  { command: 'wrk', aptPackage: 'wrk' },
]);

interface Target { address: string; port: number }
type Path = 'straight' | 'relay' | 'bare';
interface Series { rate: number[]; relayCpuUs: number[]; errors: number }
const series = (): Series => ({ rate: [], relayCpuUs: [], errors: 0 });
const results = {
  dns: { straight: series(), relay: series(), bare: series() },
  httpClose: { straight: series(), relay: series(), bare: series() },
  httpKeepAlive: { straight: series(), relay: series(), bare: series() },
};
const latency = { dns: { straight: [] as number[], relay: [] as number[] }, http: { straight: [] as number[], relay: [] as number[] } };

function spawnLogged(cpu: number, args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawnPinned(cpu, process.execPath, args);
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  return { child, output: () => out };
}

async function firstLine(p: { child: ChildProcess; output: () => string }, what: string): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const line = p.output().split('\n').find((l) => l.startsWith('{'));
    if (line) return line;
    if (p.child.exitCode !== null) break;
    await sleep(100);
  }
  throw new Error(`${what} did not start: ${p.output()}`);
}

async function dnsAnswer(t: Target): Promise<boolean> {
  const sock = createSocket('udp4');
  return new Promise((resolve) => {
    const timer = setTimeout(() => { sock.close(); resolve(false); }, 500);
    sock.on('message', (m) => { clearTimeout(timer); sock.close(); resolve(m.includes(Buffer.from(ID))); });
    sock.send(binaryQuery('id.server').subarray(2), t.port, t.address);
  });
}

async function httpAnswer(t: Target): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(t.port, t.address);
    let body = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (body += d));
    s.on('error', () => resolve(false));
    s.on('close', () => resolve(body.includes(`hostname: ${ID}`)));
    s.end('GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n');
  });
}

async function main(): Promise<void> {
  const cpu = cores();
  const dir = mkdtempSync(join(tmpdir(), 'bench-relay-'));
  const qfile = join(dir, 'id.server.bin');
  writeFileSync(qfile, binaryQuery('id.server'));
  const children: ChildProcess[] = [];
  try {
    // Origins on the load core, with the load generators; the emulator alone on the server core.
    const httpPort = await freePort();
    const http = spawnLogged(cpu.load, [...entry('http', 'origin-server'), String(httpPort), INSTANCE_ID, ZONE]);
    children.push(http.child);
    const dnsPort = await freePort();
    const dns = spawnLogged(cpu.load, [...entry('dns', 'origin-server'), String(dnsPort), 'auto']);
    children.push(dns.child);
    await waitForTcp(httpPort, '127.0.0.1', 15_000);
    await waitForTcp(dnsPort, '127.0.0.1', 15_000);
    const relay = spawnLogged(cpu.server, [...entry('relay', 'relay-server'), String(httpPort), String(dnsPort), values.preserve]);
    children.push(relay.child);
    const entries = JSON.parse(await firstLine(relay, 'the emulator')) as { tcp: Target; udp: Target };
    const bare = spawnLogged(cpu.server, [...entry('relay', 'bare-proxy'), String(httpPort)]);
    children.push(bare.child);
    const barePort = (JSON.parse(await firstLine(bare, 'the bare relay')) as { port: number }).port;
    const pids: Record<Path, number> = { straight: 0, relay: relay.child.pid as number, bare: bare.child.pid as number };
    const targets = {
      dns: { straight: { address: '127.0.0.1', port: dnsPort }, relay: entries.udp },
      http: { straight: { address: '127.0.0.1', port: httpPort }, relay: entries.tcp, bare: { address: '127.0.0.1', port: barePort } },
    };
    for (const p of ['straight', 'relay'] as const) {
      if (!(await dnsAnswer(targets.dns[p]))) throw new Error(`no id.server answer ${p}: ${relay.output()}${dns.output()}`);
      if (!(await httpAnswer(targets.http[p]))) throw new Error(`no HTTP answer ${p}: ${relay.output()}${http.output()}`);
    }
    if (!(await httpAnswer(targets.http.bare))) throw new Error(`no HTTP answer through the bare relay: ${bare.output()}`);
    process.stderr.write(`cores: emulator ${cpu.server}, origins + load ${cpu.load}; entries UDP ${entries.udp.address}:${entries.udp.port}, TCP ${entries.tcp.address}:${entries.tcp.port}; preserve ${values.preserve}\n`);

    const measure = async (s: Series, path: Path, run: () => Promise<{ rate: number; count: number; errors: number }>) => {
      const pid = pids[path];
      const c0 = pid ? cpuMicros(pid) : 0;
      const r = await run();
      const used = pid ? cpuMicros(pid) - c0 : 0;
      s.rate.push(r.rate);
      s.errors += r.errors;
      if (pid) s.relayCpuUs.push(used / Math.max(1, r.count));
      return r;
    };
    const dnsperf = async (t: Target, extra: string[] = ['-c', '8', '-q', '200'], secs = seconds) => {
      const out = await runPinned(cpu.load, 'dnsperf', ['-s', t.address, '-p', String(t.port), '-d', qfile, '-B', '-l', String(secs), ...extra]);
      const r = parseDnsperf(out.stdout);
      if (!Number.isFinite(r.qps)) throw new Error(`dnsperf failed: ${out.stdout}${out.stderr}`);
      return r;
    };
    // Warm-up: JIT and caches, not recorded.
    await dnsperf(targets.dns.relay, undefined, 1);
    await wrk(cpu.load, targets.http.relay.port, 1, 64, { host: targets.http.relay.address, headers: ['Connection: close'] });
    for (let round = 1; round <= rounds; round++) {
      const order: ('straight' | 'relay')[] = round % 2 ? ['straight', 'relay'] : ['relay', 'straight'];
      for (const p of order) {
        const r = await measure(results.dns[p], p, async () => {
          const d = await dnsperf(targets.dns[p]);
          return { rate: d.qps, count: d.completed, errors: d.lost };
        });
        process.stderr.write(`round ${round} dns ${p.padEnd(8)} ${Math.round(r.rate)} q/s lost ${r.errors}\n`);
      }
      for (const [name, headers] of [['httpClose', ['Connection: close']], ['httpKeepAlive', []]] as const) {
        for (const p of [...order, 'bare' as const]) {
          const t = targets.http[p];
          const r = await measure(results[name][p], p, async () => {
            const w = await wrk(cpu.load, t.port, seconds, 64, { host: t.address, headers });
            return { rate: w.rps, count: w.requests, errors: w.errors };
          });
          process.stderr.write(`round ${round} ${name.padEnd(13)} ${p.padEnd(8)} ${Math.round(r.rate)} req/s errors ${r.errors}\n`);
        }
      }
      for (const p of order) {
        latency.dns[p].push((await dnsperf(targets.dns[p], ['-c', '1', '-q', '1'], 2)).avgLatencyMs);
        const t = targets.http[p];
        latency.http[p].push((await wrk(cpu.load, t.port, 2, 1, { host: t.address })).p50Ms ?? NaN);
      }
    }
    for (const p of ['straight', 'relay'] as const) {
      if (!(await dnsAnswer(targets.dns[p])) || !(await httpAnswer(targets.http[p]))) throw new Error(`answers wrong after load (${p})`);
    }
  } finally {
    for (const c of children.reverse()) await stopChild(c);
    rmSync(dir, { recursive: true, force: true });
  }

  const rows = ([
    ['DNS q/s (dnsperf -c8 -q200)', results.dns],
    ['HTTP req/s, new connection each (wrk -c64, Connection: close)', results.httpClose],
    ['HTTP req/s, keep-alive (wrk -c64)', results.httpKeepAlive],
  ] as const).map(([label, r]) => {
    const straight = median(r.straight.rate);
    const through = median(r.relay.rate);
    const us = median(r.relay.relayCpuUs);
    const bareUs = median(r.bare.relayCpuUs);
    return [
      label, Math.round(straight), Math.round(through), ratio(through, straight), us.toFixed(2), Math.round(1e6 / us),
      r.bare.rate.length ? `${Math.round(median(r.bare.rate))} (${bareUs.toFixed(2)} us/req)` : 'n/a', r.relay.errors + r.straight.errors,
    ];
  });
  const added = (x: { straight: number[]; relay: number[] }) => (median(x.relay) - median(x.straight)) * 1000;
  const latencyRows = [
    ['DNS, dnsperf -c1 -q1 (mean)', (median(latency.dns.straight) * 1000).toFixed(0), (median(latency.dns.relay) * 1000).toFixed(0), added(latency.dns).toFixed(0)],
    ['HTTP keep-alive, wrk -c1 (median)', (median(latency.http.straight) * 1000).toFixed(0), (median(latency.http.relay) * 1000).toFixed(0), added(latency.http).toFixed(0)],
  ];
  const dnsRelay = median(results.dns.relay.rate);
  const closeRelay = median(results.httpClose.relay.rate);
  const dnsCapacity = 1e6 / median(results.dns.relay.relayCpuUs);
  const closeCapacity = 1e6 / median(results.httpClose.relay.relayCpuUs);
  const targetsTable = [
    ['>= 20k DNS q/s through the UDP entry', String(dnsRelay >= 20_000), `${Math.round(dnsRelay)} q/s (capacity per emulator core ${Math.round(dnsCapacity)})`],
    ['>= 10k new-connection HTTP req/s through the TCP entry', String(closeRelay >= 10_000), `${Math.round(closeRelay)} req/s (capacity per emulator core ${Math.round(closeCapacity)})`],
  ];
  process.stdout.write(`\nRelay: emulator pinned to one core, origins and load on the other; ${rounds} interleaved rounds x ${seconds}s, medians; client IP preservation ${values.preserve}\n`
    + 'emulator CPU us/req: the emulator process\'s CPU (user+system) per relayed request; per-core capacity = 1e6 / that\n\n'
    + 'bare Node relay: accept, connect, pipe (bare-proxy.ts) on the same core, its rate and CPU per request\n'
    + 'wrk counts every connection the origin closes after its answer as a read error: errors under Connection: close are those, not failures\n\n'
    + `${table(['load', 'straight', 'through the emulator', 'ratio', 'emulator CPU us/req', 'per-core capacity', 'bare Node relay', 'errors/lost'], rows)}\n\n`
    + `${table(['latency at no load', 'straight us', 'through us', 'added us'], latencyRows)}\n\n`
    + `${table(['target', 'met', 'measured'], targetsTable)}\n`);
  const file = writeResults('relay', { date: new Date().toISOString(), node: process.version, rounds, seconds, preserve: values.preserve, results, latency });
  process.stdout.write(`\nresults: ${file}\n`);
}

await main();
