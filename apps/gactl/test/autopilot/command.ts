/**
 * `gactl autopilot` as a user runs it: against the emulator, the load from each endpoint's
 * /metrics named in a targets file (loopback pages whose counters grow at a set rate), the
 * capacity from flags and a file; one pino line per Region and step on stderr, the step as
 * JSON on stdout; --dry-run, --once, usage errors (exit 2), and SIGTERM stopping the loop
 * between steps (exit 0).
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { capacityOf, stepLines } from '../../src/autopilot/command.js';
import type { StepReport } from '../../src/autopilot/run.js';
import { CLI, gactlHere as gactl, REGIONS, seed } from '../fixtures/seed.js';
import type { Seed } from '../fixtures/seed.js';

/**
 * One /metrics page per endpoint, on loopback, whose request counter grows at `rps[region]`
 * requests per second of wall time (health checks and scrapes are counted too: they are not load).
 */
async function fakeFleet(t: Test, s: Seed, rps: Record<string, number>): Promise<string> {
  const started = Date.now();
  const targets: { id: string; region: string; metrics: string }[] = [];
  for (const region of REGIONS) {
    for (const id of s.instances[region] as string[]) {
      const server: Server = createServer((req, res) => {
        const seconds = (Date.now() - started) / 1000;
        const served = Math.floor(((rps[region] ?? 0) / 2) * seconds);
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end([
          `anycast_http_origin_info{id="${id}",region="${region}",version="test"} 1`,
          `anycast_http_origin_requests_total{route="root",status="200"} ${served}`,
          `anycast_http_origin_requests_total{route="healthz",status="200"} ${Math.floor(seconds * 1000)}`,
          `anycast_dns_origin_queries_total{transport="udp"} 0`,
          '',
        ].join('\n'));
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      t.teardown(() => new Promise((r) => server.close(r)));
      targets.push({ id, region, metrics: `http://127.0.0.1:${(server.address() as { port: number }).port}/metrics` });
    }
  }
  const file = join(t.testdir({}), 'targets.json');
  writeFileSync(file, JSON.stringify(targets));
  return file;
}

const CAP = ['--capacity', 'eu-central-1=100,us-east-1=2000', '--capacity', 'us-west-2=1000', '--capacity', 'ap-southeast-1=500'];

t.test('capacity: flags over the file, comma lists and repeats; a bad file is a usage error', async (t) => {
  const dir = t.testdir({ 'cap.json': JSON.stringify({ 'eu-central-1': 50, 'us-east-1': 10 }), 'bad.json': JSON.stringify({ 'eu-central-1': -5 }), 'list.json': '[1]' });
  t.same(capacityOf({ capacity: ['eu-central-1=500', 'us-east-1=2000.5'] }), { 'eu-central-1': 500, 'us-east-1': 2000.5 });
  t.same(capacityOf({ capacityFile: join(dir, 'cap.json'), capacity: ['us-east-1=20'] }), { 'eu-central-1': 50, 'us-east-1': 20 });
  t.throws(() => capacityOf({ capacityFile: join(dir, 'bad.json') }), { code: 'GACTL_ERR_USAGE', message: /each entry must be "<region>": requests per second above 0, got "eu-central-1": -5/ });
  t.throws(() => capacityOf({ capacityFile: join(dir, 'list.json') }), { code: 'GACTL_ERR_USAGE' });
  t.throws(() => capacityOf({ capacityFile: join(dir, 'none.json') }), { code: 'GACTL_ERR_USAGE', message: /^--capacity-file: / });
  t.throws(() => capacityOf({}), { code: 'GACTL_ERR_USAGE', message: /--capacity REGION=RPS... or --capacity-file FILE/ });
});

t.test('usage errors: exit 2, one line', async (t) => {
  const env = { PATH: process.env.PATH };
  for (const [args, message] of [
    [['autopilot', '--capacity', 'eu-central-1'], /--capacity\[0\] must be REGION=RPS like eu-central-1=500, got "eu-central-1"/],
    [['autopilot', '--capacity', 'eu-central-1=0'], /REGION=RPS/],
    [['autopilot'], /--capacity REGION=RPS\.\.\. or --capacity-file FILE/],
    [['autopilot', ...CAP, '--target', '1.5'], /--target must be a number 0.01..1, got 1.5/],
    [['autopilot', ...CAP, '--metrics-from', 'x.json', '--prometheus', 'http://127.0.0.1:9090'], /two sources of the load: give one/],
    [['autopilot', ...CAP, '--prometheus', 'ftp://x'], /--prometheus must be an http:\/\/ or https:\/\/ URL/],
  ] as [string[], RegExp][]) {
    const r = await gactl(['--endpoint-url', 'http://127.0.0.1:9', ...args], env);
    t.equal(r.code, 2, args.join(' '));
    t.match(r.stderr, message);
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  }
  const low = await gactl(['--endpoint-url', 'http://127.0.0.1:9', 'autopilot', ...CAP, '--low', '0.9', '--metrics-from', 'x.json'], env);
  t.equal(low.code, 2);
  t.match(low.stderr, /--low must be below --target \(0.8\), got 0.9/);
});

t.test('--once --dry-run --output json: one step from two scrapes, the decision on stdout and in the log, nothing written', async (t) => {
  const s = await seed(t, { addressPool: '127.86.1.0/24' });
  const targets = await fakeFleet(t, s, { 'eu-central-1': 300 });
  const r = await gactl(['autopilot', ...CAP, '--metrics-from', targets, '--interval', '0.5', '--once', '--dry-run', '--output', 'json'], s.env);
  t.equal(r.code, 0, r.stderr);
  const step = JSON.parse(r.stdout) as StepReport;
  t.match(step, { step: 1, dryRun: true, hold: null, accelerator: { status: 'DEPLOYED' } });
  const eu = step.regions.find((x) => x.region === 'eu-central-1');
  t.match(eu, { action: 'lower', dialBefore: 100, dialAfter: 90, written: false, capacity: 100 });
  t.ok((eu?.load as number) > 240 && (eu?.load as number) < 360, `EU load ~300 rps (healthz not counted): ${eu?.load}`);
  t.equal((await s.group('TCP:80', 'eu-central-1')).dial, 100, 'dry run: nothing written');
  const logs = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const line = logs.find((l) => l.region === 'eu-central-1');
  t.match(line, { level: 30, name: 'gactl-autopilot', step: 1, region: 'eu-central-1', capacity: 100, dialBefore: 100, dialAfter: 90, action: 'lower', written: false, dryRun: true, why: /above 0.8 of capacity/ });
  t.equal(logs.filter((l) => l.step === 1).length, 4, 'one line per Region');
});

t.test('the table output and a write', async (t) => {
  const s = await seed(t, { addressPool: '127.86.2.0/24' });
  const targets = await fakeFleet(t, s, { 'eu-central-1': 300 });
  const r = await gactl(['autopilot', ...CAP, '--metrics-from', targets, '--interval', '0.5', '--once', '--listener', 'TCP:80'], s.env);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^step 1 \S+ DEPLOYED\n/);
  t.match(r.stdout, /eu-central-1 +\d+\.\d \/ 100 +\d\.\d\d +dial 100 -> 90 +lower +above 0.8 of capacity .* \[written\]/);
  t.equal((await s.group('TCP:80', 'eu-central-1')).dial, 90);
  t.equal((await s.group('UDP:53', 'eu-central-1')).dial, 100);
  const lines = stepLines({
    step: 2, time: 'T', accelerator: { arn: 'a', status: 'IN_PROGRESS' }, intervalSeconds: 1, hold: 'accelerator IN_PROGRESS: waiting for DEPLOYED', dryRun: false,
    regions: [{ region: 'us-east-1', load: null, capacity: 10, utilization: null, dialBefore: 50, dialAfter: 50, action: 'hold', why: 'no data', predictedLoad: null, written: false, http: null, dns: null }],
  });
  t.equal(lines, 'step 2 T IN_PROGRESS: accelerator IN_PROGRESS: waiting for DEPLOYED\n  us-east-1          - / 10           -  dial 50         hold   no data\n');
});

t.test('SIGTERM stops the running autopilot between steps: exit 0, the stop logged', async (t) => {
  const s = await seed(t, { addressPool: '127.86.3.0/24' });
  const targets = await fakeFleet(t, s, {});
  const child = spawn(process.execPath, [CLI, 'autopilot', ...CAP, '--metrics-from', targets, '--interval', '0.2', '--output', 'json'], { stdio: ['ignore', 'pipe', 'pipe'], env: s.env });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const deadline = Date.now() + 30_000;
  while (out.split('\n').filter(Boolean).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGTERM');
  const [code] = (await once(child, 'close')) as [number | null];
  t.equal(code, 0, err.slice(-2000));
  const steps = out.trim().split('\n').map((l) => JSON.parse(l) as StepReport);
  t.ok(steps.length >= 3);
  t.same(steps.map((x) => x.step), steps.map((_, i) => i + 1));
  t.ok(steps.slice(1).every((x) => x.regions.every((r) => r.action === 'hold' && r.why === 'below capacity, dial at 100')), 'idle: nothing moves');
  t.match(err, /"signal":"SIGTERM".*stopping after the current step/);
  t.match(err, /stopped after \d+ step\(s\), 0 dial\(s\) written, 0 failed/);
});

t.test('the source flags are the load sources\' own option descriptions (one source of truth)', async (t) => {
  const { metaOf } = await import('@anycast-origin/options');
  const { COMMAND_FLAGS } = await import('../../src/options.js');
  const { SCRAPE_OPTIONS } = await import('../../src/autopilot/sources.js');
  const { PROMETHEUS_OPTIONS } = await import('../../src/autopilot/prometheus.js');
  const { EC2_TARGETS_OPTIONS } = await import('../../src/autopilot/ec2.js');
  const child = (group: unknown, key: string) => metaOf(group as never)?.children?.[key];
  const flags = (key: string) => child(COMMAND_FLAGS.autopilot, key);
  for (const [flag, group, key] of [
    ['scrapeTimeoutMs', SCRAPE_OPTIONS, 'timeoutMs'],
    ['scrapeTimeoutMs', PROMETHEUS_OPTIONS, 'timeoutMs'],
    ['window', PROMETHEUS_OPTIONS, 'window'],
    ['metricsPort', EC2_TARGETS_OPTIONS, 'port'],
    ['metricsAddress', EC2_TARGETS_OPTIONS, 'address'],
  ] as const) {
    t.ok(flags(flag) !== undefined && flags(flag) === child(group, key), `--${flag} is ${key} of the library`);
  }
  // And the generated help shows the library's range and default.
  const { parseArgs } = await import('../../src/args.js');
  const r = parseArgs(['autopilot', '--help'], {}, '0.0.0');
  const help = r.kind === 'exit' ? r.output.replace(/\s+/g, ' ') : '';
  t.ok(help.includes('--scrape-timeout-ms <n> longest time one read of the load may take: a /metrics scrape (connect, headers and page) or a Prometheus query (1..300000 ms; default: 5000 ms)'), help);
});
