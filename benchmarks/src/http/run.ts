/**
 * HTTP benchmark: our origin (threads: 1) side by side with nginx (1 worker), Go net/http and
 * node:http, all answering `hostname: <id>\n` with the same headers, each pinned to one core
 * with the load generator on the other. wrk -t1 -c64 and autocannon -c64 -p10, interleaved
 * rounds, medians; ratios to nginx from the same run; results also written as JSON.
 *
 *   npm run bench:http -- [--seconds 5] [--rounds 3] [--only origin,nginx]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchArgs, cores, cpuMicros, median, positiveInt, ratio, requireTools, rssBytes, stopChild, table, writeResults } from '../lib/harness.js';
import { autocannon, wrk } from './load.js';
import type { LoadResult } from './load.js';
import { BODY, PEERS, PEER_LABELS, TOOLS, buildGo, checkAnswer, startPeer } from './servers.js';
import type { Peer, Running } from './servers.js';

const values = benchArgs('usage: npm run bench:http -- [options]', {
  seconds: { type: 'string', default: '5', description: 'seconds per wrk/autocannon run' },
  rounds: { type: 'string', default: '3', description: 'interleaved rounds (medians reported)' },
  only: { type: 'string', description: 'comma-separated peers to run besides nginx: origin,go,node' },
  'no-autocannon': { type: 'boolean', default: false, description: 'skip the autocannon runs' },
});
const seconds = positiveInt('seconds', values.seconds);
const rounds = positiveInt('rounds', values.rounds);
const peers: Peer[] = values.only ? (values.only.split(',') as Peer[]).filter((p) => PEERS.includes(p)) : [...PEERS];
if (!peers.includes('nginx')) peers.unshift('nginx');

requireTools(TOOLS.filter((tool) => tool.command !== 'go' || peers.includes('go'))); // Go only when its peer runs
const cpu = cores();
const dir = mkdtempSync(join(tmpdir(), 'bench-http-'));
const running = new Map<Peer, Running>();
const results = new Map<Peer, { wrk: LoadResult[]; autocannon: LoadResult[]; rssBytes: number; wrkCpuUsPerReq: number[] }>();

async function main(): Promise<void> {
  process.stderr.write(`cores: server ${cpu.server}, load ${cpu.load}; ${rounds} rounds x ${seconds}s; body ${JSON.stringify(BODY)}\n`);
  const goBinary = peers.includes('go') ? await buildGo(dir) : undefined;
  for (const peer of peers) {
    const r = await startPeer(peer, cpu.server, dir, goBinary);
    running.set(peer, r);
    await checkAnswer(peer, r.port); // correct before timed
    results.set(peer, { wrk: [], autocannon: [], rssBytes: 0, wrkCpuUsPerReq: [] });
  }
  // Warm-up (JIT, caches): 1 s each, not recorded.
  for (const peer of peers) await wrk(cpu.load, running.get(peer)!.port, 1);
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 ? peers : [...peers].reverse();
    for (const peer of order) {
      const pid = running.get(peer)!.child.pid ?? 0;
      const cpu0 = cpuMicros(pid);
      const w = await wrk(cpu.load, running.get(peer)!.port, seconds);
      const usPerReq = (cpuMicros(pid) - cpu0) / Math.max(1, w.requests);
      results.get(peer)!.wrk.push(w);
      results.get(peer)!.wrkCpuUsPerReq.push(usPerReq);
      process.stderr.write(`round ${round} wrk        ${peer.padEnd(6)} ${Math.round(w.rps)} req/s p99 ${w.p99Ms.toFixed(2)} ms, server CPU ${usPerReq.toFixed(2)} us/req${w.errors ? ` errors ${w.errors}` : ''}\n`);
    }
    if (!values['no-autocannon']) {
      for (const peer of order) {
        const a = await autocannon(cpu.load, running.get(peer)!.port, seconds);
        results.get(peer)!.autocannon.push(a);
        process.stderr.write(`round ${round} autocannon ${peer.padEnd(6)} ${Math.round(a.rps)} req/s p99 ${a.p99Ms.toFixed(2)} ms${a.errors ? ` errors ${a.errors}` : ''}\n`);
      }
    }
  }
  for (const peer of peers) {
    const r = running.get(peer)!;
    await checkAnswer(peer, r.port); // still correct after load
    results.get(peer)!.rssBytes = rssBytes(r.child.pid ?? 0);
  }

  const med = (xs: LoadResult[], k: keyof LoadResult): number => median(xs.map((x) => x[k] ?? NaN));
  const ref = results.get('nginx')!;
  const refWrk = med(ref.wrk, 'rps');
  const refAc = med(ref.autocannon, 'rps');
  const capacity = (peer: Peer): number => 1e6 / median(results.get(peer)!.wrkCpuUsPerReq);
  const refCap = capacity('nginx');
  const rows = peers.map((peer) => {
    const r = results.get(peer)!;
    const w = med(r.wrk, 'rps');
    const a = med(r.autocannon, 'rps');
    return [
      PEER_LABELS[peer],
      Math.round(w), ratio(w, refWrk), med(r.wrk, 'p99Ms').toFixed(2),
      r.autocannon.length ? Math.round(a) : 'n/a', r.autocannon.length ? ratio(a, refAc) : 'n/a', r.autocannon.length ? med(r.autocannon, 'p99Ms').toFixed(2) : 'n/a',
      median(r.wrkCpuUsPerReq).toFixed(2), Math.round(capacity(peer)), ratio(capacity(peer), refCap),
      (r.rssBytes / 1048576).toFixed(1),
      r.wrk.reduce((s, x) => s + x.errors, 0) + r.autocannon.reduce((s, x) => s + x.errors, 0),
    ];
  });
  const text = table(
    ['server', 'wrk req/s', 'vs nginx', 'wrk p99 ms', 'autocannon req/s', 'vs nginx', 'ac p99 ms', 'CPU us/req', 'req per CPU-s', 'vs nginx', 'RSS MB', 'errors'],
    rows,
  );
  process.stdout.write(`\nHTTP, one server core, wrk -t1 -c64 -d${seconds}s and autocannon -c64 -p10 -d${seconds}, median of ${rounds} interleaved rounds\n`
    + 'CPU us/req: server CPU (user+system) per wrk request; req per CPU-s = 1e6 / that: per-core capacity, steadier than req/s when the machine is shared\n\n'
    + `${text}\n`);
  const origin = results.get('origin');
  if (origin) {
    const w = med(origin.wrk, 'rps');
    const targets = [
      ['origin >= 1.0x nginx (wrk)', w / refWrk >= 1.0, ratio(w, refWrk)],
      ['origin >= 1.0x nginx (req per CPU-s)', capacity('origin') / refCap >= 1.0, ratio(capacity('origin'), refCap)],
      ['origin >= 2x Go (wrk)', results.get('go') ? w / med(results.get('go')!.wrk, 'rps') >= 2 : 'n/a', results.get('go') ? ratio(w, med(results.get('go')!.wrk, 'rps')) : 'n/a'],
      ['origin >= 2.5x node:http (wrk)', results.get('node') ? w / med(results.get('node')!.wrk, 'rps') >= 2.5 : 'n/a', results.get('node') ? ratio(w, med(results.get('node')!.wrk, 'rps')) : 'n/a'],
      ['origin RSS after load <= 64 MB', origin.rssBytes <= 64 * 1048576, `${(origin.rssBytes / 1048576).toFixed(1)} MB`],
    ] as const;
    process.stdout.write(`\n${table(['target', 'met', 'measured'], targets.map(([a, b, c]) => [a, String(b), c]))}\n`);
  }
  const file = writeResults('http', {
    date: new Date().toISOString(),
    node: process.version,
    cores: cpu,
    seconds,
    rounds,
    body: BODY,
    peers: Object.fromEntries([...results].map(([peer, r]) => [peer, { label: PEER_LABELS[peer], ...r }])),
    table: text,
  });
  process.stdout.write(`\nresults: ${file}\n`);
}

try {
  await main();
} finally {
  await Promise.all([...running.values()].map((r) => stopChild(r.child)));
  rmSync(dir, { recursive: true, force: true });
}
