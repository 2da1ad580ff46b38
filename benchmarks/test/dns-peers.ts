import t from 'tap';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from '../src/lib/harness.js';
import { freePort, knotConf, needs, nsdConf } from '@anycast-origin/testkit';
import { binaryQuery, parseDnsperf } from '../src/dns/peers.js';

const ID = 'i-0e32d5b1a3f76cc05.us-west-2c';

t.test('binary query file and dnsperf output parsing', async (t) => {
  const q = binaryQuery('id.server');
  t.equal(q.readUInt16BE(0), q.length - 2, 'length prefix (-B: TCP-stream format)');
  t.same([...q.subarray(2 + 12)], [2, 0x69, 0x64, 6, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72, 0, 0, 16, 0, 3], 'id.server TXT CH');
  const r = parseDnsperf('  Queries sent:         100\n  Queries completed:    98 (98.00%)\n  Queries lost:         2 (2.00%)\n  Queries per second:   12345.678\n\n  Average Latency (s):  0.000125 (min 0.000020, max 0.001000)\n');
  t.same(r, { qps: 12345.678, sent: 100, completed: 98, lost: 2, avgLatencyMs: 0.125 });
});

async function idServer(port: number): Promise<string | null> {
  const sock = createSocket('udp4');
  return new Promise((resolve) => {
    const timer = setTimeout(() => { sock.close(); resolve(null); }, 200);
    sock.on('message', (m) => { clearTimeout(timer); sock.close(); resolve(m.toString('latin1')); });
    sock.send(binaryQuery('id.server').subarray(2), port, '127.0.0.1');
  });
}

for (const [name, cmd, pkg] of [['NSD', 'nsd', 'nsd'], ['Knot', 'knotd', 'knot']] as const) {
  t.test(`${name} starts from the generated config and answers id.server with the identity`, needs(cmd, pkg), async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-dns-test-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'db'));
    const port = await freePort();
    const c = { port, identity: ID, version: 'bench', dir, rundir: dir };
    const conf = join(dir, `${cmd}.conf`);
    writeFileSync(conf, cmd === 'nsd' ? nsdConf(c) : knotConf(c));
    const child = spawn(cmd, cmd === 'nsd' ? ['-d', '-c', conf] : ['-c', conf], { stdio: 'ignore' });
    t.teardown(() => stopChild(child));
    let answer: string | null = null;
    for (let i = 0; i < 50 && answer === null; i++) answer = await idServer(port);
    t.ok(answer?.includes(ID), `${name} answered with the identity`);
  });
}
