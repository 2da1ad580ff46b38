/**
 * Relay benchmark: what the emulator's data plane costs a lab, with each TCP relay behind its
 * entries (the emulator's `tcpBackend`: `node`, node:net; `native`, @anycast-origin/tcp-relay).
 * One emulator process per backend, each pinned to the same core (the "server" core, used by
 * one of them at a time); the origins and the load generators share the other. Each load is
 * taken straight to the origin and through each emulator's entry, interleaved, in several
 * rounds:
 *
 * - DNS: dnsperf (CH TXT id.server, -c 8 -q 200) straight to the DNS origin vs through the UDP
 *   entry (UDP is relayed the same way under both TCP backends: two samples of one relay);
 * - HTTP, a new connection per request: wrk -t1 -c64 with `Connection: close`, straight to the
 *   HTTP origin vs through the TCP entry;
 * - HTTP, keep-alive: wrk -t1 -c64;
 * - added latency at no load: dnsperf -c 1 -q 1 (mean) and wrk -t1 -c1 (median), through minus straight.
 *
 * The HTTP loads also go through the bare relays (bare-proxy.ts, no routing), pinned to the
 * emulator's core in their turn: Node's `net` (accept, connect, pipe) and @anycast-origin/tcp-relay
 * with one fixed target: the floors of the two backends, so the emulator's own share shows.
 * And through the outside peer, nginx's stream proxy (nginx-stream.ts, one process, the same
 * fixed target), with `proxy_half_close on` (FINs passed on, as our relays do) and with its
 * default (the first FIN ends the session): the ratios to it say how our relays compare to a
 * production TCP relay on this machine, and what passing on half-close costs.
 *
 * Reports rates, the ratio through/straight, the emulator's CPU per relayed query or request
 * and so its per-core capacity (1e6 / CPU us): that figure stays meaningful on a shared
 * machine and when the load core (origin + load generator) is what saturates, as it does on a
 * 2-core machine. The origin's CPU per request is measured on every path too: a relay costing
 * less per request than the origin behind it is not a lab's bottleneck. Checks the targets (>= 20k DNS q/s through the UDP entry, >= 10k
 * new-connection HTTP req/s through the TCP entry, on one core) on both.
 *
 *   npm run bench:relay -- [--rounds 3] [--seconds 5] [--preserve true|false] [--backends node,native]
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
import { benchArgs, cores, cpuTimes, median, positiveInt, ratio, requireTools, runPinned, spawnLogged, stopChild, table, treeCpuMicros, waitForTcp, writeResults } from '../lib/harness.js';
import type { Logged } from '../lib/harness.js';
import { binaryQuery, parseDnsperf } from '../dns/peers.js';
import { wrk } from '../http/load.js';
import { ID, INSTANCE_ID, ZONE } from '../http/servers.js';
import { nginxStreamModule, startNginxStream } from './nginx-stream.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const entry = (dir: string, name: string): string[] => (FROM_SOURCE ? [...process.execArgv, join(HERE, '..', dir, `${name}.ts`)] : [join(HERE, '..', dir, `${name}.js`)]);

const values = benchArgs('usage: npm run bench:relay -- [options]', {
  rounds: { type: 'string', default: '3', description: 'interleaved rounds (medians reported)' },
  seconds: { type: 'string', default: '5', description: 'seconds per dnsperf/wrk run' },
  preserve: { type: 'string', default: 'true', description: 'client IP preservation on the endpoint: true or false' },
  backends: { type: 'string', default: 'node,native', description: 'the emulator\'s tcpBackend values to measure, comma-separated: node, native' },
});
const rounds = positiveInt('rounds', values.rounds);
const seconds = positiveInt('seconds', values.seconds);
if (values.preserve !== 'true' && values.preserve !== 'false') {
  process.stderr.write(`--preserve: ${JSON.stringify(values.preserve)} is not true or false\n`);
  process.exit(2);
}
const BACKENDS = ['node', 'native'] as const;
type Backend = (typeof BACKENDS)[number];
const backends = values.backends.split(',').filter(Boolean);
if (backends.length === 0 || backends.some((b) => !(BACKENDS as readonly string[]).includes(b))) {
  process.stderr.write(`--backends: ${JSON.stringify(values.backends)} is not a comma-separated list of node, native\n`);
  process.exit(2);
}
const through = BACKENDS.filter((b) => backends.includes(b));
/** Address blocks of the two emulators' entries. */
const POOLS: Record<Backend, string> = { node: '127.77.1.0/24', native: '127.77.2.0/24' };

requireTools([
  { command: 'taskset', aptPackage: 'util-linux' },
  { command: 'dnsperf', aptPackage: 'dnsperf' },
  { command: 'wrk', aptPackage: 'wrk' },
]);
const stream = nginxStreamModule();

interface Target { address: string; port: number }
/** Straight to the origin, through the emulator with one TCP backend, or through a bare relay or nginx (HTTP only). */
type Bare = 'bareNode' | 'bareNative';
type Peer = 'nginxHalfClose' | 'nginx';
const PEERS: readonly Peer[] = ['nginxHalfClose', 'nginx'];
type Path = 'straight' | Backend | Bare | Peer;
interface Series { rate: number[]; relayCpuUs: number[]; relaySystemShare: number[]; originCpuUs: number[]; errors: number }
const series = (): Series => ({ rate: [], relayCpuUs: [], relaySystemShare: [], originCpuUs: [], errors: 0 });
const paths = (): Record<Path, Series> => ({ straight: series(), node: series(), native: series(), bareNode: series(), bareNative: series(), nginxHalfClose: series(), nginx: series() });
const BARE: Record<Backend, Bare> = { node: 'bareNode', native: 'bareNative' };
/** The paths of the HTTP loads alone: the bare relays of the backends measured, and nginx. */
const plainPaths: (Bare | Peer)[] = [...through.map((b) => BARE[b]), ...PEERS];
const results = { dns: paths(), httpClose: paths(), httpKeepAlive: paths() };
const samples = (): Record<'straight' | Backend, number[]> => ({ straight: [], node: [], native: [] });
const latency = { dns: samples(), http: samples() };

const spawnNode = (cpu: number, args: string[]): Logged => spawnLogged(cpu, process.execPath, args);

async function firstLine(p: Logged, what: string): Promise<string> {
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
    // Written without a FIN: nginx's stream proxy by default ends the session at the client's FIN.
    s.write('GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n');
  });
}

const relayedPaths = (): ('straight' | Backend)[] => ['straight', ...through];

async function main(): Promise<void> {
  const cpu = cores();
  const dir = mkdtempSync(join(tmpdir(), 'bench-relay-'));
  const qfile = join(dir, 'id.server.bin');
  writeFileSync(qfile, binaryQuery('id.server'));
  const children: ChildProcess[] = [];
  try {
    // Origins on the load core, with the load generators; the emulator alone on the server core.
    const httpPort = await freePort();
    const http = spawnNode(cpu.load, [...entry('http', 'origin-server'), String(httpPort), INSTANCE_ID, ZONE]);
    children.push(http.child);
    const dnsPort = await freePort();
    const dns = spawnNode(cpu.load, [...entry('dns', 'origin-server'), String(dnsPort), 'auto']);
    children.push(dns.child);
    await waitForTcp(httpPort, '127.0.0.1', 15_000);
    await waitForTcp(dnsPort, '127.0.0.1', 15_000);
    const emulators = {} as Record<Backend, Logged & { tcp: Target; udp: Target }>;
    for (const backend of through) {
      const p = spawnNode(cpu.server, [...entry('relay', 'relay-server'), String(httpPort), String(dnsPort), values.preserve, backend, POOLS[backend]]);
      children.push(p.child);
      const started = JSON.parse(await firstLine(p, `the emulator (tcpBackend ${backend})`)) as { tcp: Target; udp: Target; tcpBackend: string };
      if (started.tcpBackend !== backend) throw new Error(`the emulator relays TCP with ${started.tcpBackend}, not ${backend}`);
      emulators[backend] = { ...p, tcp: started.tcp, udp: started.udp };
    }
    // The relays the HTTP loads alone go through, on 127.0.0.1: the bare ones and nginx.
    const plain: Partial<Record<Bare | Peer, Logged & { port: number }>> = {};
    for (const backend of through) {
      const p = spawnNode(cpu.server, [...entry('relay', 'bare-proxy'), String(httpPort), backend]);
      children.push(p.child);
      plain[BARE[backend]] = { ...p, port: (JSON.parse(await firstLine(p, `the bare ${backend} relay`)) as { port: number }).port };
    }
    for (const peer of PEERS) {
      const port = await freePort();
      const p = await startNginxStream(cpu.server, { dir, port, upstream: { address: '127.0.0.1', port: httpPort }, bindAddress: '127.0.0.1', halfClose: peer === 'nginxHalfClose', module: stream.module });
      children.push(p.child);
      plain[peer] = { ...p, port };
    }
    const plainOf = (p: Path) => (p === 'straight' || p === 'node' || p === 'native' ? undefined : plain[p]);
    const pidOf = (p: Path): number => (p === 'straight' ? 0 : (plainOf(p) ?? emulators[p as Backend]).child.pid as number);
    const straight = { dns: { address: '127.0.0.1', port: dnsPort }, http: { address: '127.0.0.1', port: httpPort } };
    const dnsTarget = (p: 'straight' | Backend): Target => (p === 'straight' ? straight.dns : emulators[p].udp);
    const httpTarget = (p: Path): Target => {
      const relay = plainOf(p);
      return relay ? { address: '127.0.0.1', port: relay.port } : p === 'straight' ? straight.http : emulators[p as Backend].tcp;
    };
    const relayed = ['straight', ...through] as const;
    const answering = async (when: string) => {
      for (const p of relayed) {
        if (!(await dnsAnswer(dnsTarget(p)))) throw new Error(`no id.server answer ${p} ${when}: ${p === 'straight' ? dns.output() : emulators[p].output()}`);
        if (!(await httpAnswer(httpTarget(p)))) throw new Error(`no HTTP answer ${p} ${when}: ${p === 'straight' ? http.output() : emulators[p].output()}`);
      }
    };
    await answering('before load');
    for (const p of plainPaths) if (!(await httpAnswer(httpTarget(p)))) throw new Error(`no HTTP answer through ${p}: ${plainOf(p)?.output()}`);
    process.stderr.write(`cores: emulators ${cpu.server}, origins + load ${cpu.load}; preserve ${values.preserve}; `
      + `${through.map((b) => `${b}: UDP ${emulators[b].udp.address}:${emulators[b].udp.port}, TCP ${emulators[b].tcp.address}:${emulators[b].tcp.port}`).join('; ')}\n`);

    const measure = async (s: Series, path: Path, originPid: number, run: () => Promise<{ rate: number; count: number; errors: number }>) => {
      const pid = pidOf(path);
      const c0 = pid ? cpuTimes(pid) : { user: 0, system: 0 };
      const o0 = treeCpuMicros(originPid);
      const r = await run();
      const c1 = pid ? cpuTimes(pid) : { user: 0, system: 0 };
      const used = c1.user - c0.user + c1.system - c0.system;
      const count = Math.max(1, r.count);
      s.rate.push(r.rate);
      s.errors += r.errors;
      s.originCpuUs.push((treeCpuMicros(originPid) - o0) / count);
      if (pid) {
        s.relayCpuUs.push(used / count);
        s.relaySystemShare.push((c1.system - c0.system) / Math.max(1, used));
      }
      return r;
    };
    const dnsperf = async (t: Target, extra: string[] = ['-c', '8', '-q', '200'], secs = seconds) => {
      const out = await runPinned(cpu.load, 'dnsperf', ['-s', t.address, '-p', String(t.port), '-d', qfile, '-B', '-l', String(secs), ...extra]);
      const r = parseDnsperf(out.stdout);
      if (!Number.isFinite(r.qps)) throw new Error(`dnsperf failed: ${out.stdout}${out.stderr}`);
      return r;
    };
    // Warm-up: JIT and caches, not recorded.
    for (const b of through) {
      await dnsperf(dnsTarget(b), undefined, 1);
      await wrk(cpu.load, httpTarget(b).port, 1, 64, { host: httpTarget(b).address, headers: ['Connection: close'] });
    }
    for (let round = 1; round <= rounds; round++) {
      // Interleaved, the order turned every round: a drift of the machine's load spreads over every path.
      const order = round % 2 ? [...relayed] : [...relayed].reverse();
      for (const p of order) {
        const r = await measure(results.dns[p], p, dns.child.pid as number, async () => {
          const d = await dnsperf(dnsTarget(p));
          return { rate: d.qps, count: d.completed, errors: d.lost };
        });
        process.stderr.write(`round ${round} dns           ${p.padEnd(10)} ${Math.round(r.rate)} q/s lost ${r.errors}\n`);
      }
      for (const [name, headers] of [['httpClose', ['Connection: close']], ['httpKeepAlive', []]] as const) {
        for (const p of [...order, ...plainPaths]) {
          const t = httpTarget(p);
          const r = await measure(results[name][p], p, http.child.pid as number, async () => {
            const w = await wrk(cpu.load, t.port, seconds, 64, { host: t.address, headers });
            return { rate: w.rps, count: w.requests, errors: w.errors };
          });
          process.stderr.write(`round ${round} ${name.padEnd(13)} ${p.padEnd(10)} ${Math.round(r.rate)} req/s errors ${r.errors}\n`);
        }
      }
      for (const p of order) {
        latency.dns[p].push((await dnsperf(dnsTarget(p), ['-c', '1', '-q', '1'], 2)).avgLatencyMs);
        const t = httpTarget(p);
        latency.http[p].push((await wrk(cpu.load, t.port, 2, 1, { host: t.address })).p50Ms ?? NaN);
      }
    }
    await answering('after load');
  } finally {
    for (const c of children.reverse()) await stopChild(c);
    rmSync(dir, { recursive: true, force: true });
  }

  const label: Record<Path, string> = {
    straight: 'straight to the origin', node: 'emulator, tcpBackend node', native: 'emulator, tcpBackend native',
    bareNode: 'bare node:net relay (accept, connect, pipe)', bareNative: 'bare tcp-relay, one fixed target',
    nginxHalfClose: 'nginx stream proxy, proxy_half_close on (FINs passed on, as ours)', nginx: 'nginx stream proxy, default (the first FIN ends the session)',
  };
  const rows = ([
    ['DNS q/s (dnsperf -c8 -q200, UDP entry)', results.dns, relayedPaths()],
    ['HTTP req/s, new connection each (wrk -c64, Connection: close; TCP entry)', results.httpClose, [...relayedPaths(), ...plainPaths]],
    ['HTTP req/s, keep-alive (wrk -c64; TCP entry)', results.httpKeepAlive, [...relayedPaths(), ...plainPaths]],
  ] as const).flatMap(([load, r, ps]) => ps.map((p: Path) => {
    const rate = median(r[p].rate);
    const us = median(r[p].relayCpuUs);
    return [
      load, label[p], Math.round(rate), ratio(rate, median(r.straight.rate)), p === 'straight' ? '-' : us.toFixed(2),
      p === 'straight' ? '-' : `${Math.round(median(r[p].relaySystemShare) * 100)}%`, p === 'straight' ? '-' : Math.round(1e6 / us),
      median(r[p].originCpuUs).toFixed(2), r[p].errors,
    ];
  }));
  const added = (x: number[], straightMs: number[]) => ((median(x) - median(straightMs)) * 1000).toFixed(0);
  const latencyRows = relayedPaths().map((p) => [
    label[p], (median(latency.dns[p]) * 1000).toFixed(0), p === 'straight' ? '-' : added(latency.dns[p], latency.dns.straight),
    (median(latency.http[p]) * 1000).toFixed(0), p === 'straight' ? '-' : added(latency.http[p], latency.http.straight),
  ]);
  const targetRows = through.flatMap((b) => {
    const dnsRate = median(results.dns[b].rate);
    const dnsCapacity = 1e6 / median(results.dns[b].relayCpuUs);
    const closeRate = median(results.httpClose[b].rate);
    const closeCapacity = 1e6 / median(results.httpClose[b].relayCpuUs);
    return [
      [`>= 20k DNS q/s through the UDP entry (tcpBackend ${b})`, Math.round(dnsRate), String(dnsRate >= 20_000), Math.round(dnsCapacity), String(dnsCapacity >= 20_000)],
      [`>= 10k new-connection HTTP req/s through the TCP entry (tcpBackend ${b})`, Math.round(closeRate), String(closeRate >= 10_000), Math.round(closeCapacity), String(closeCapacity >= 10_000)],
    ];
  });
  // CPU per request against nginx with the same FIN semantics, round by round (both measured in the same round), then the median.
  const vsPeer = (r: Record<Path, Series>, p: Path): string => ratio(median(r[p].relayCpuUs.map((us, i) => us / (r.nginxHalfClose.relayCpuUs[i] as number))), 1);
  const peerRows = (['httpClose', 'httpKeepAlive'] as const).flatMap((name) => [...through, ...through.map((b) => BARE[b]), 'nginx' as const].map((p: Path) => [
    name === 'httpClose' ? 'new connection each' : 'keep-alive', label[p], vsPeer(results[name], p),
  ]));
  process.stdout.write(`\nRelay: each emulator pinned to one core (one at a time), origins and load on the other; ${rounds} interleaved rounds x ${seconds}s, medians; client IP preservation ${values.preserve}\n`
    + 'relay CPU us: the relaying process\'s CPU (user+system) per query or request, "of it kernel" the system-time share; per-core capacity = 1e6 / that (robust on a shared machine, and when the load core saturates first)\n'
    + 'wrk counts every connection the origin closes after its answer as a read error: errors under Connection: close are those, not failures\n\n'
    + `${table(['load', 'path', 'rate', 'vs straight', 'relay CPU us/req', 'of it kernel', 'relay per-core capacity', 'origin CPU us/req', 'errors/lost'], rows)}\n\n`
    + `${table(['latency at no load', 'DNS us (dnsperf -c1 -q1, mean)', 'DNS added us', 'HTTP us (wrk -c1, median)', 'HTTP added us'], latencyRows)}\n\n`
    + `${table(['HTTP load', 'path', 'relay CPU per request vs nginx proxy_half_close on (median of the rounds\' ratios)'], peerRows)}\n\n`
    + `${table(['target (one core)', 'measured', 'met (measured)', 'per-core capacity', 'met (capacity)'], targetRows)}\n`);
  const file = writeResults('relay', { date: new Date().toISOString(), node: process.version, rounds, seconds, preserve: values.preserve, backends: through, results, latency });
  process.stdout.write(`\nresults: ${file}\n`);
}

await main();
