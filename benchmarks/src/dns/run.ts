/**
 * DNS benchmark: our origin (workers 1, RRL off; batched mmsg UDP and Node's UDP), NSD (RRL off), Knot, and a bare node:dgram
 * template loop, each pinned to one core with dnsperf pinned to the other; CH TXT id.server
 * from a binary query file (-B), -c 8; several interleaved rounds; q/s, lost queries and RSS,
 * ratios to NSD from the same run; JSON written to benchmarks/results/. Over UDP, and over
 * TCP (dnsperf -m tcp: -c connections with -q queries in flight over them) for NSD, Knot
 * and the origin (the TCP path is the same whatever the UDP backend).
 *
 *   npm run bench:dns -w benchmarks -- --rounds 3 --seconds 5 [--transports udp,tcp]
 */
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  benchArgs, cores, median, positiveInt, ratio, requireTools, rssBytes, runPinned, spawnPinned, stopChild, table, treeCpuMicros, writeResults,
} from '../lib/harness.js';
import { freePort, knotConf, nsdConf } from '@anycast-origin/testkit';
import { binaryQuery, parseDnsperf } from './peers.js';
import type { DnsperfResult } from './peers.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ID = 'i-0e32d5b1a3f76cc05.us-west-2c';

const values = benchArgs('usage: npm run bench:dns -- [options]', {
  rounds: { type: 'string', default: '3', description: 'interleaved rounds (medians reported)' },
  seconds: { type: 'string', default: '5', description: 'seconds per dnsperf run' },
  clients: { type: 'string', default: '8', description: 'dnsperf -c (client sockets)' },
  outstanding: { type: 'string', default: '200', description: 'dnsperf -q (queries in flight)' },
  'paced-qps': { type: 'string', default: '30000', description: 'rate of the paced run that checks for lost queries' },
  transports: { type: 'string', default: 'udp,tcp', description: 'udp, tcp or both (comma-separated)' },
});
const rounds = positiveInt('rounds', values.rounds);
const seconds = positiveInt('seconds', values.seconds);
const clients = positiveInt('clients', values.clients);
const outstanding = positiveInt('outstanding', values.outstanding);
const pacedQps = Number(values['paced-qps']);
type Transport = 'udp' | 'tcp';
const transports = values.transports.split(',').map((x) => x.trim()).filter(Boolean);
if (transports.length === 0 || transports.some((x) => x !== 'udp' && x !== 'tcp')) {
  process.stderr.write(`--transports: ${JSON.stringify(values.transports)} is not a list of udp and tcp\n`);
  process.exit(2);
}

requireTools([
  { command: 'dnsperf', aptPackage: 'dnsperf' },
  { command: 'taskset', aptPackage: 'util-linux' },
  { command: 'nsd', aptPackage: 'nsd' },
  { command: 'knotd', aptPackage: 'knot' },
]);

/** One transport's figures for a server; `cpu` (microseconds) and `answered` add up over the saturated rounds. */
interface Run { qps: number[]; lost: number; sent: number; answered: number; cpu: number; paced?: DnsperfResult }
/** One server under test, and the transports it is measured on. */
interface Subject { name: string; port: number; child?: ChildProcess; on: Transport[]; runs: Record<Transport, Run>; rss: number }
const emptyRun = (): Run => ({ qps: [], lost: 0, sent: 0, answered: 0, cpu: 0 });

/** Ask id.server over UDP; true when the identity comes back. */
async function answers(port: number): Promise<boolean> {
  const q = binaryQuery('id.server').subarray(2);
  const sock = createSocket('udp4');
  return new Promise((resolve) => {
    const timer = setTimeout(() => { sock.close(); resolve(false); }, 200);
    sock.on('message', (m) => { clearTimeout(timer); sock.close(); resolve(m.includes(Buffer.from(ID))); });
    sock.send(q, port, '127.0.0.1');
  });
}

async function waitReady(s: Subject): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await answers(s.port)) return;
    await sleep(100);
  }
  throw new Error(`${s.name} is not answering id.server on 127.0.0.1:${s.port}`);
}

/** The origin subject imports the built package: say how to build it when it is not. */
function requireBuiltOrigin(): void {
  try {
    const entry = fileURLToPath(import.meta.resolve('@anycast-origin/dns-origin'));
    if (!existsSync(entry)) throw new Error(entry);
  } catch {
    throw new Error('@anycast-origin/dns-origin is not built: npx turbo run build --filter=@anycast-origin/dns-origin (or npm run bench:dns at the root)');
  }
}

async function main(): Promise<void> {
  requireBuiltOrigin();
  const { server: serverCpu, load: loadCpu } = cores();
  const dir = mkdtempSync(join(tmpdir(), 'bench-dns-'));
  const qfile = join(dir, 'id.server.bin');
  writeFileSync(qfile, binaryQuery('id.server'));
  const subjects: Subject[] = [];
  const add = (name: string, port: number, child: ChildProcess, on: Transport[] = ['udp', 'tcp']) => {
    child.stderr?.resume();
    child.stdout?.resume();
    subjects.push({ name, port, child, on: on.filter((x) => transports.includes(x)), runs: { udp: emptyRun(), tcp: emptyRun() }, rss: 0 });
  };
  try {
    const nsdDir = join(dir, 'nsd');
    const knotDir = join(dir, 'knot');
    mkdirSync(nsdDir);
    mkdirSync(join(knotDir, 'db'), { recursive: true });
    const common = { identity: ID, version: 'bench' };
    let port = await freePort();
    writeFileSync(join(nsdDir, 'nsd.conf'), nsdConf({ ...common, port, dir: nsdDir, rundir: nsdDir }));
    add('NSD', port, spawnPinned(serverCpu, 'nsd', ['-d', '-c', join(nsdDir, 'nsd.conf')]));
    port = await freePort();
    writeFileSync(join(knotDir, 'knot.conf'), knotConf({ ...common, port, dir: knotDir, rundir: dir }));
    add('Knot', port, spawnPinned(serverCpu, 'knotd', ['-c', join(knotDir, 'knot.conf')]));
    port = await freePort();
    add('anycast-origin (workers 1, mmsg)', port, spawnPinned(serverCpu, process.execPath, [join(HERE, 'origin-server.js'), String(port), 'mmsg']));
    port = await freePort();
    add('anycast-origin (workers 1, Node UDP)', port, spawnPinned(serverCpu, process.execPath, [join(HERE, 'origin-server.js'), String(port), 'node']), ['udp']);
    port = await freePort();
    add('bare dgram + template', port, spawnPinned(serverCpu, process.execPath, [join(HERE, 'bare-dgram.js'), String(port), ID]), ['udp']);
    for (const s of subjects) await waitReady(s);

    const dnsperf = (s: Subject, mode: Transport, extra: string[] = []) => runPinned(loadCpu, 'dnsperf', [
      '-m', mode, '-s', '127.0.0.1', '-p', String(s.port), '-d', qfile, '-B', '-c', String(clients), '-q', String(outstanding), '-l', String(seconds), ...extra,
    ]);
    for (const mode of transports as Transport[]) {
      const measured = subjects.filter((s) => s.on.includes(mode));
      for (let r = 0; r < rounds; r++) {
        // Interleave, rotating the order each round.
        const order = measured.map((_, i) => measured[(i + r) % measured.length] as Subject);
        for (const s of order) {
          const run = s.runs[mode];
          const pid = s.child?.pid as number;
          const cpu0 = treeCpuMicros(pid);
          const out = await dnsperf(s, mode);
          run.cpu += treeCpuMicros(pid) - cpu0;
          const res = parseDnsperf(out.stdout);
          if (!Number.isFinite(res.qps)) throw new Error(`dnsperf -m ${mode} against ${s.name} failed: ${out.stdout}${out.stderr}`);
          run.qps.push(res.qps);
          run.lost += res.lost;
          run.sent += res.sent;
          run.answered += res.completed;
          s.rss = Math.max(s.rss, rssBytes(s.child?.pid as number));
          process.stderr.write(`${mode} round ${r + 1}/${rounds} ${s.name}: ${Math.round(res.qps)} q/s, lost ${res.lost}\n`);
        }
      }
      // Below saturation: a paced run, where nothing should be lost.
      for (const s of measured) {
        s.runs[mode].paced = parseDnsperf((await dnsperf(s, mode, ['-Q', String(pacedQps)])).stdout);
        s.rss = Math.max(s.rss, rssBytes(s.child?.pid as number));
      }
    }
  } finally {
    for (const s of subjects) if (s.child) await stopChild(s.child);
    rmSync(dir, { recursive: true, force: true });
  }

  const command = (mode: Transport) => `taskset -c ${loadCpu} dnsperf -m ${mode} -s 127.0.0.1 -p <port> -d id.server.bin -B -c ${clients} -q ${outstanding} -l ${seconds}`;
  process.stdout.write(`\nCH TXT id.server, server pinned to CPU ${serverCpu}; ${rounds} interleaved rounds per transport\n`
    + 'CPU us/query: server CPU (user+system, the whole process tree) per answered query over the saturated rounds; q per CPU-s = 1e6 / that\n');
  const results: Record<string, unknown> = {};
  for (const mode of transports as Transport[]) {
    const measured = subjects.filter((s) => s.on.includes(mode));
    const nsdRun = measured.find((s) => s.name === 'NSD')?.runs[mode];
    const nsd = median(nsdRun?.qps ?? []);
    // Server CPU per answered query: per-core capacity, which still compares servers when the
    // single dnsperf core, not the server, is what saturates.
    const usPerQuery = (r: Run) => r.cpu / Math.max(1, r.answered);
    const nsdCapacity = nsdRun ? 1e6 / usPerQuery(nsdRun) : NaN;
    const headers = ['server (1 core)', 'q/s (median)', 'vs NSD', 'rounds q/s', 'CPU us/query', 'q per CPU-s', 'vs NSD', 'lost (saturated)', `lost @${pacedQps} q/s`, 'RSS MB'];
    const rows = measured.map((s) => {
      const r = s.runs[mode];
      return [
        s.name, Math.round(median(r.qps)), ratio(median(r.qps), nsd), r.qps.map((q) => Math.round(q / 1000) + 'k').join(' '),
        usPerQuery(r).toFixed(2), Math.round(1e6 / usPerQuery(r)), ratio(1e6 / usPerQuery(r), nsdCapacity),
        `${r.lost} of ${r.sent}`, r.paced ? `${r.paced.lost} of ${r.paced.sent}` : 'n/a', (s.rss / 2 ** 20).toFixed(1),
      ];
    });
    process.stdout.write(`\n${mode.toUpperCase()}: ${command(mode)}\n\n${table(headers, rows)}\n`);
    results[mode] = {
      command: command(mode),
      subjects: measured.map((s) => {
        const r = s.runs[mode];
        return { name: s.name, qps: r.qps, medianQps: median(r.qps), ratioToNsd: median(r.qps) / nsd, cpuMicrosPerQuery: usPerQuery(r), capacityRatioToNsd: 1e6 / usPerQuery(r) / nsdCapacity, lost: r.lost, sent: r.sent, answered: r.answered, paced: r.paced, rssBytes: s.rss };
      }),
    };
  }
  const file = writeResults('dns', { date: new Date().toISOString(), rounds, seconds, clients, outstanding, pacedQps, serverCpu, loadCpu, transports, ...results });
  process.stdout.write(`\nresults: ${file}\n`);
}

await main();
