/**
 * DNS benchmark: our origin (workers 1, RRL off; batched mmsg UDP and Node's UDP), NSD (RRL off), Knot, and a bare node:dgram
 * template loop, each pinned to one core with dnsperf pinned to the other; CH TXT id.server
 * from a binary query file (-B), -c 8; several interleaved rounds; q/s, lost queries and RSS,
 * ratios to NSD from the same run; JSON written to benchmarks/results/.
 *
 *   npm run bench:dns -w benchmarks -- --rounds 3 --seconds 5
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
})
const rounds = positiveInt('rounds', values.rounds);
const seconds = positiveInt('seconds', values.seconds);
const clients = positiveInt('clients', values.clients);
const outstanding = positiveInt('outstanding', values.outstanding);
const pacedQps = Number(values['paced-qps']);

requireTools([
  { command: 'dnsperf', aptPackage: 'dnsperf' },
  { command: 'taskset', aptPackage: 'util-linux' },
  { command: 'nsd', aptPackage: 'nsd' },
  { command: 'knotd', aptPackage: 'knot' },
]);

/** One server under test; `cpu` (microseconds) and `answered` add up over the saturated rounds. */
interface Subject { name: string; port: number; child?: ChildProcess; qps: number[]; lost: number; sent: number; answered: number; cpu: number; rss: number; paced?: DnsperfResult }

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
  const add = (name: string, port: number, child: ChildProcess) => {
    child.stderr?.resume();
    child.stdout?.resume();
    subjects.push({ name, port, child, qps: [], lost: 0, sent: 0, answered: 0, cpu: 0, rss: 0 });
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
    add('anycast-origin (workers 1, Node UDP)', port, spawnPinned(serverCpu, process.execPath, [join(HERE, 'origin-server.js'), String(port), 'node']));
    port = await freePort();
    add('bare dgram + template', port, spawnPinned(serverCpu, process.execPath, [join(HERE, 'bare-dgram.js'), String(port), ID]));
    for (const s of subjects) await waitReady(s);

    const dnsperf = (s: Subject, extra: string[] = []) => runPinned(loadCpu, 'dnsperf', [
      '-s', '127.0.0.1', '-p', String(s.port), '-d', qfile, '-B', '-c', String(clients), '-q', String(outstanding), '-l', String(seconds), ...extra,
    ]);
    for (let r = 0; r < rounds; r++) {
      // Interleave, rotating the order each round.
      const order = subjects.map((_, i) => subjects[(i + r) % subjects.length] as Subject);
      for (const s of order) {
        const pid = s.child?.pid as number;
        const cpu0 = treeCpuMicros(pid);
        const out = await dnsperf(s);
        s.cpu += treeCpuMicros(pid) - cpu0;
        const res = parseDnsperf(out.stdout);
        if (!Number.isFinite(res.qps)) throw new Error(`dnsperf against ${s.name} failed: ${out.stdout}${out.stderr}`);
        s.qps.push(res.qps);
        s.lost += res.lost;
        s.sent += res.sent;
        s.answered += res.completed;
        s.rss = Math.max(s.rss, rssBytes(s.child?.pid as number));
        process.stderr.write(`round ${r + 1}/${rounds} ${s.name}: ${Math.round(res.qps)} q/s, lost ${res.lost}\n`);
      }
    }
    // Below saturation: a paced run, where nothing should be lost.
    for (const s of subjects) {
      s.paced = parseDnsperf((await dnsperf(s, ['-Q', String(pacedQps)])).stdout);
      s.rss = Math.max(s.rss, rssBytes(s.child?.pid as number));
    }
  } finally {
    for (const s of subjects) if (s.child) await stopChild(s.child);
    rmSync(dir, { recursive: true, force: true });
  }

  const nsd = median(subjects.find((s) => s.name === 'NSD')?.qps ?? []);
  // Server CPU per answered query: per-core capacity, which still compares servers when the
  // single dnsperf core, not the server, is what saturates.
  const usPerQuery = (s: Subject) => s.cpu / Math.max(1, s.answered);
  const nsdSubject = subjects.find((s) => s.name === 'NSD');
  const nsdCapacity = nsdSubject ? 1e6 / usPerQuery(nsdSubject) : NaN;
  const headers = ['server (1 core)', 'q/s (median)', 'vs NSD', 'rounds q/s', 'CPU us/query', 'q per CPU-s', 'vs NSD', 'lost (saturated)', `lost @${pacedQps} q/s`, 'RSS MB'];
  const rows = subjects.map((s) => [
    s.name, Math.round(median(s.qps)), ratio(median(s.qps), nsd), s.qps.map((q) => Math.round(q / 1000) + 'k').join(' '),
    usPerQuery(s).toFixed(2), Math.round(1e6 / usPerQuery(s)), ratio(1e6 / usPerQuery(s), nsdCapacity),
    `${s.lost} of ${s.sent}`, s.paced ? `${s.paced.lost} of ${s.paced.sent}` : 'n/a', (s.rss / 2 ** 20).toFixed(1),
  ]);
  const command = `taskset -c ${loadCpu} dnsperf -s 127.0.0.1 -p <port> -d id.server.bin -B -c ${clients} -q ${outstanding} -l ${seconds}`;
  process.stdout.write(`\nCH TXT id.server, server pinned to CPU ${serverCpu}, ${command}; ${rounds} interleaved rounds\n`
    + 'CPU us/query: server CPU (user+system, the whole process tree) per answered query over the saturated rounds; q per CPU-s = 1e6 / that\n\n'
    + `${table(headers, rows)}\n`);
  const file = writeResults('dns', {
    date: new Date().toISOString(), rounds, seconds, clients, outstanding, pacedQps, command, serverCpu, loadCpu,
    subjects: subjects.map((s) => ({ name: s.name, qps: s.qps, medianQps: median(s.qps), ratioToNsd: median(s.qps) / nsd, cpuMicrosPerQuery: usPerQuery(s), capacityRatioToNsd: 1e6 / usPerQuery(s) / nsdCapacity, lost: s.lost, sent: s.sent, answered: s.answered, paced: s.paced, rssBytes: s.rss })),
  });
  process.stdout.write(`\nresults: ${file}\n`);
}

await main();
