import t from 'tap';
import { createServer } from 'node:net';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needs, run } from '@anycast-origin/testkit';
import { instanceIdFor } from '../src/plan.js';
import { assertNothingLeft, blocks, CLI, configFile, get, labFlags, processesIn, sleep, spawnLab, stateFrom, waitFor } from './fixtures/lab.js';

const B = blocks(101);

t.test('--help, up --help and --version exit 0 and list every flag with its LAB_ variable', async (t) => {
  const top = await run(process.execPath, [CLI, '--help']);
  t.equal(top.code, 0);
  t.match(top.stdout, /Usage: anycast-lab/);
  t.match(top.stdout, /up \[options\]/);
  const up = await run(process.execPath, [CLI, 'up', '--help']);
  t.equal(up.code, 0);
  for (const flag of ['--config', '--state-file', '--api', '--health-interval', '--deploy-seconds', '--vantage', '--atlas-probes']) t.match(up.stdout, flag);
  t.match(up.stdout, /LAB_HEALTH_INTERVAL/);
  const v = await run(process.execPath, [CLI, '--version']);
  t.equal(v.code, 0);
  t.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
  const launcher = await run(process.execPath, [new URL('../bin/anycast-lab.js', import.meta.url).pathname, '--help']);
  t.equal(launcher.code, 0, 'the committed bin launcher runs the built CLI');
  t.match(launcher.stdout, /Usage: anycast-lab/);
});

t.test('usage errors: one line naming what was written, exit 2, nothing started', async (t) => {
  const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
    [['up', '--nope'], {}, /^anycast-lab: unknown option '--nope'.*\(see anycast-lab up --help\)\n$/],
    [['up', '--health-interval', '0'], {}, /^anycast-lab: --health-interval must be a number 0\.1\.\.30 \(s\), got 0 \(see anycast-lab up --help\)\n$/],
    [['up'], { LAB_API: 'nope' }, /^anycast-lab: LAB_API must be a loopback ADDR:PORT like 127\.0\.0\.1:4599 \(port 0: ephemeral\), got "nope"/],
    [['up', '--origin-addresses', '10.0.0.0/16'], {}, /^anycast-lab: --origin-addresses must be a loopback block 127\.x\.y\.z\/8\.\.30 with its host bits clear, got "10\.0\.0\.0\/16"/],
    [['up', '--config', '/nonexistent/anycast.config.json'], {}, /^anycast-lab: \/nonexistent\/anycast\.config\.json: cannot read it \(ENOENT\)\n$/],
    [['nope'], {}, /^anycast-lab: unknown command 'nope'/],
  ];
  for (const [args, env, message] of cases) {
    const r = await run(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    t.equal(r.code, 2, args.join(' '));
    t.match(r.stderr, message, args.join(' '));
    t.equal(r.stderr.split('\n').length, 2, 'one line');
  }
  const none = await run(process.execPath, [CLI]);
  t.equal(none.code, 2, 'no command: the help on stderr, exit 2');
  t.match(none.stderr, /Usage: anycast-lab/);
});

t.test('a config the config package refuses: its words, with the file, exit 2', async (t) => {
  const file = configFile(t, ['eu-central-1'], 1, { healthCheck: { intervalSeconds: 5 } });
  const r = await run(process.execPath, [CLI, 'up', '--config', file, ...labFlags(B)]);
  t.equal(r.code, 2);
  t.match(r.stderr, `anycast-lab: ${file}: healthCheck.intervalSeconds must be 10 or 30`);
});

t.test('up: the service of the config, the state file, the printed commands work as pasted, Ctrl-C drains and stops everything', async (t) => {
  const config = configFile(t, ['eu-central-1', 'us-east-1'], 2);
  const stateFile = join(dirname(config), 'lab.json');
  const lab = spawnLab(t, ['up', '--config', config, '--state-file', stateFile, ...labFlags(B, { healthInterval: 0.5 })]);
  const state = await stateFrom(stateFile, lab);

  await t.test('the state file has the contract\'s shape', async (t) => {
    t.same(Object.keys(state), ['api', 'accelerator', 'listeners', 'endpoints', 'vantagePoints']);
    t.match(state.api, /^http:\/\/127\.0\.0\.1:\d+$/);
    t.match(state.accelerator, { arn: /^arn:aws:globalaccelerator::\d{12}:accelerator\/[0-9a-f-]{36}$/, ipAddresses: ['127.103.0.1', '127.103.0.2'] });
    t.same(state.listeners.map((l) => `${l.protocol} ${l.port}`), ['TCP 80', 'UDP 53', 'TCP 53']);
    for (const l of state.listeners) {
      t.equal(l.entries.length, 2, 'one entry per static address');
      t.match(l.entries[0], /^127\.103\.0\.1:\d+$/);
    }
    t.same(state.endpoints.map((e) => [e.id, e.region, e.availabilityZone, e.address]), [
      [instanceIdFor('lab-test', 'eu-central-1', 0), 'eu-central-1', 'eu-central-1a', '127.101.1.1'],
      [instanceIdFor('lab-test', 'eu-central-1', 1), 'eu-central-1', 'eu-central-1b', '127.101.1.2'],
      [instanceIdFor('lab-test', 'us-east-1', 0), 'us-east-1', 'us-east-1a', '127.101.2.1'],
      [instanceIdFor('lab-test', 'us-east-1', 1), 'us-east-1', 'us-east-1b', '127.101.2.2'],
    ]);
    for (const e of state.endpoints) t.ok(e.http > 0 && e.dns > 0, 'the ports the origins bound');
    t.same(Object.keys(state.vantagePoints[0] ?? {}), ['id', 'name', 'address', 'latitude', 'longitude']);
    t.same(state.vantagePoints.slice(0, 4).map((v) => [v.id, v.name, v.address]), [[1, 'tokyo', '127.102.0.1'], [2, 'amsterdam', '127.102.0.2'], [3, 'new-york', '127.102.0.3'], [4, 'seattle', '127.102.0.4']]);
  });

  await t.test('every origin answers as an AWS instance would, directly and through the entry', async (t) => {
    for (const e of state.endpoints) {
      const r = await get(`http://${e.address}:${e.http}/`);
      t.match(r.body, new RegExp(`^hostname: ${e.id}\\.${e.availabilityZone}\\n$`));
    }
    const http = state.listeners.find((l) => l.protocol === 'TCP' && l.port === 80);
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) seen.add((await get(`http://${http?.entries[1]}/`, '127.102.0.2')).body);
    t.same([...seen].sort(), state.endpoints.filter((e) => e.region === 'eu-central-1').map((e) => `hostname: ${e.id}.${e.availabilityZone}\n`).sort(), 'amsterdam lands in eu-central-1, on both instances');
  });

  await t.test('the printed commands, pasted', async (t) => {
    const out = lab.stdout();
    t.match(out, /anycast-lab: lab-test is up in \d+\.\d s: 4 instances in 2 regions, 3 listeners, 44 vantage points/);
    const line = (re: RegExp) => out.split('\n').map((l) => l.trim()).find((l) => re.test(l)) as string;
    const exportLine = line(/^export AWS_ENDPOINT_URL_GLOBAL_ACCELERATOR=/);
    t.equal(exportLine, `export AWS_ENDPOINT_URL_GLOBAL_ACCELERATOR=${state.api} AWS_REGION=us-west-2 AWS_ACCESS_KEY_ID=lab AWS_SECRET_ACCESS_KEY=lab`);
    const loop = line(/^for i in \$\(seq 100\)/);
    t.equal(loop, `for i in $(seq 100); do curl -s --interface 127.102.0.1 http://${state.listeners[0]?.entries[0]}/; done | sort | uniq -c`);
    await t.test('the seed\'s curl loop from Tokyo', needs('curl', 'curl'), async (t) => {
      const r = await run('bash', ['-c', loop.replace('seq 100', 'seq 20')], { timeoutMs: 60_000 });
      const counts = r.stdout.trim().split('\n').map((l) => /^\s*(\d+) hostname: (\S+)$/.exec(l));
      t.ok(counts.every((m) => m !== null), r.stdout);
      t.equal(counts.reduce((n, m) => n + Number(m?.[1]), 0), 20, 'every request answered');
      // Tokyo's nearest of eu-central-1 and us-east-1 is eu-central-1
      t.ok(counts.every((m) => m?.[2]?.endsWith('eu-central-1a') || m?.[2]?.endsWith('eu-central-1b')), r.stdout);
    });
    await t.test('the dig from Amsterdam', needs('dig', 'bind9-dnsutils'), async (t) => {
      const dig = line(/^dig -b /);
      t.match(dig, /^dig -b 127\.102\.0\.2 @127\.103\.0\.1 -p \d+ id\.server txt ch \+short$/);
      const r = await run('bash', ['-c', dig]);
      t.match(r.stdout, /^"i-0[0-9a-f]{16}\.eu-central-1[ab]"\n$/);
    });
    await t.test('the AWS CLI against the lab\'s API', needs('aws', 'awscli'), async (t) => {
      const aws = line(/^aws globalaccelerator list-accelerators/);
      const r = await run('bash', ['-c', `${exportLine}; ${aws} --output json`]);
      t.equal(r.code, 0, r.stderr);
      const list = JSON.parse(r.stdout) as { Accelerators: { Name: string; Status: string; IpSets: { IpAddresses: string[] }[] }[] };
      t.match(list.Accelerators, [{ Name: 'lab-test', Status: 'DEPLOYED', IpSets: [{ IpAddresses: ['127.103.0.1', '127.103.0.2'] }] }]);
    });
  });

  await t.test('SIGINT: origins drain (health checks fail, traffic keeps flowing), then everything stops, exit 0', async (t) => {
    const t0 = Date.now();
    lab.child.kill('SIGINT');
    await waitFor('a draining origin failing its health check', () => lab.logs().some((l) => typeof l.reason === 'string' && l.reason.includes('HTTP 503')), 20_000);
    const during = await get(`http://${state.listeners[0]?.entries[0]}/`, '127.102.0.2');
    t.equal(during.status, 200, 'still answering while draining');
    t.same(await lab.exit, { code: 0, signal: null });
    const drain = 0.5 * 3 + 0.5;
    t.ok(Date.now() - t0 >= drain * 1000, `drained for the drain time (${drain} s)`);
    t.notOk(existsSync(stateFile), 'the state file is removed');
    t.ok(lab.logs().some((l) => l.msg === 'stopped: no origin, entry or API left'));
    await assertNothingLeft(t, B, state.api.replace('http://', ''));
  });
});

t.test('a second Ctrl-C stops at once (exit 130) instead of waiting out the drain', async (t) => {
  const config = configFile(t, ['eu-central-1'], 1);
  const stateFile = join(dirname(config), 'lab.json');
  // health checks every 10 s: the drain would take 40 s
  const lab = spawnLab(t, ['up', '--config', config, '--state-file', stateFile, ...labFlags(B, { healthInterval: 10 })]);
  const state = await stateFrom(stateFile, lab);
  const t0 = Date.now();
  lab.child.kill('SIGINT');
  await waitFor('draining', () => lab.logs().some((l) => String(l.msg).includes('draining the origins for 40 s')), 10_000);
  await sleep(300); // a person's second Ctrl-C (one within 150 ms is the same one, forwarded: see below)
  lab.child.kill('SIGINT');
  t.same(await lab.exit, { code: 130, signal: null });
  t.ok(Date.now() - t0 < 15_000, `stopped in ${Date.now() - t0} ms, not 40 s`);
  await assertNothingLeft(t, B, state.api.replace('http://', ''));
});

t.test('one Ctrl-C delivered twice at once (the terminal, and npm run forwarding it) is one: the lab drains', async (t) => {
  const config = configFile(t, ['eu-central-1'], 1);
  const stateFile = join(dirname(config), 'lab.json');
  const lab = spawnLab(t, ['up', '--config', config, '--state-file', stateFile, ...labFlags(B, { healthInterval: 0.5 })]);
  const state = await stateFrom(stateFile, lab);
  lab.child.kill('SIGINT');
  lab.child.kill('SIGINT');
  t.same(await lab.exit, { code: 0, signal: null }, 'drained and exited 0');
  t.equal(lab.logs().filter((l) => String(l.msg).startsWith('SIGINT')).length, 1, 'one stop');
  t.ok(lab.logs().some((l) => String(l.msg).startsWith('draining the origins for 2.5 s')));
  await assertNothingLeft(t, B, state.api.replace('http://', ''));
});

t.test('killed with SIGKILL mid-run, or while starting: nothing is left running', async (t) => {
  const config = configFile(t, ['eu-central-1', 'us-east-1'], 2);
  const stateFile = join(dirname(config), 'lab.json');
  const lab = spawnLab(t, ['up', '--config', config, '--state-file', stateFile, ...labFlags(B)]);
  const state = await stateFrom(stateFile, lab);
  lab.child.kill('SIGKILL');
  await lab.exit;
  await assertNothingLeft(t, B, state.api.replace('http://', ''));

  const starting = spawnLab(t, ['up', '--config', config, ...labFlags(B)]);
  await waitFor('an origin process started', () => processesIn(B.origins).length > 0, 30_000, 10);
  starting.child.kill('SIGKILL');
  await starting.exit;
  await assertNothingLeft(t, B);
});

t.test('an origin that cannot start: its own words, exit 1, the others stopped', async (t) => {
  const config = configFile(t, ['eu-central-1', 'us-east-1'], 1);
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.101.2.1', r));
  const port = (taken.address() as { port: number }).port;
  const r = await run(process.execPath, [CLI, 'up', '--config', config, ...labFlags(B), '--origin-http-port', String(port)], { timeoutMs: 90_000 });
  await new Promise<void>((r) => taken.close(() => r()));
  t.equal(r.code, 1);
  t.match(r.stderr, new RegExp(`anycast-lab: origin ${instanceIdFor('lab-test', 'us-east-1', 0)} on 127\\.101\\.2\\.1 exited before serving \\(code 1\\): anycast-origin: .*127\\.101\\.2\\.1:${port}`));
  await sleep(100);
  await assertNothingLeft(t, B);
});

t.test('--atlas-probes holds one vantage point per probe of the seed\'s run; --vantage replaces the cities; --output json prints the state', async (t) => {
  const config = configFile(t, ['eu-central-1', 'us-east-1'], 1);
  const vantage = join(dirname(config), 'vantage.json');
  writeFileSync(vantage, JSON.stringify([{ name: 'tokyo', latitude: 35.68, longitude: 139.69 }, { name: 'sydney', latitude: -33.87, longitude: 151.21 }]));
  const stateFile = join(dirname(config), 'lab.json');
  const seed = fileURLToPath(new URL('../data/measurement-22698168-dial-100.geojson', import.meta.url));
  const lab = spawnLab(t, ['up', '--config', config, '--state-file', stateFile, '--vantage', vantage, '--atlas-probes', seed, '--output', 'json', ...labFlags(B)]);
  const state = await stateFrom(stateFile, lab);
  t.equal(state.vantagePoints.length, 2 + 470, 'two of the file, 470 of the run');
  t.same(state.vantagePoints.slice(0, 3).map((v) => v.name), ['tokyo', 'sydney', 'atlas-1']);
  t.same(state.vantagePoints[471], { id: 472, name: 'atlas-470', address: '127.102.1.218', latitude: state.vantagePoints[471]?.latitude, longitude: state.vantagePoints[471]?.longitude });
  await waitFor('stdout', () => lab.stdout().trim().endsWith('}'), 10_000);
  t.same(JSON.parse(lab.stdout()), state, '--output json: the state file\'s JSON on stdout');
  // a probe position in Germany lands in eu-central-1 from its own address
  const german = state.vantagePoints.find((v) => v.name.startsWith('atlas-') && Math.abs(v.latitude - 51) < 3 && Math.abs(v.longitude - 10) < 4);
  t.ok(german, 'a probe in Germany');
  const r = await get(`http://${state.listeners[0]?.entries[0]}/`, german?.address);
  t.match(r.body, /\.eu-central-1[ab]\n$/);
  lab.child.kill('SIGTERM');
  t.same(await lab.exit, { code: 0, signal: null });
  await assertNothingLeft(t, B, state.api.replace('http://', ''));
});

t.test('a signal while starting stops at once; an API address that is taken: exit 1 naming it', async (t) => {
  const config = configFile(t, ['eu-central-1', 'us-east-1'], 2);
  const lab = spawnLab(t, ['up', '--config', config, ...labFlags(B)]);
  await waitFor('an origin process started', () => processesIn(B.origins).length > 0, 30_000, 10);
  lab.child.kill('SIGINT');
  t.same(await lab.exit, { code: 130, signal: null });
  t.ok(lab.logs().some((l) => l.msg === 'stopped while starting: no origin, entry or API left'));
  await assertNothingLeft(t, B);

  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as { port: number }).port;
  const r = await run(process.execPath, [CLI, 'up', '--config', config, ...labFlags(B), '--api', `127.0.0.1:${port}`], { timeoutMs: 90_000 });
  await new Promise<void>((r) => taken.close(() => r()));
  t.equal(r.code, 1);
  t.match(r.stderr, new RegExp(`^anycast-lab: the lab did not start: .*127\\.0\\.0\\.1:${port}`, 'm'));
  await assertNothingLeft(t, B);
});
