import t from 'tap';
import type { Test } from 'tap';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { readDrainRecord, status } from '@anycast-origin/gactl';
import { FLAGS_END, FLAGS_START, flagsTable, tableIn } from '@anycast-origin/options';
import { FLAGS, formatPlan, main, parseArgs, rolloutPlan } from '../src/commands.js';
import { parseOutputs } from '../src/outputs.js';
import { instanceHealth } from '../src/verify.js';
import { instanceIdOf, startLab, waitFor } from './fixtures/lab.js';
import type { Lab } from './fixtures/lab.js';
import { testConfig } from './fixtures/synth.js';

function sink(tty = false) {
  let text = '';
  const w = new Writable({ write(chunk: Buffer, _e, cb) { text += chunk.toString(); cb(); } }) as Writable & { isTTY?: boolean };
  w.isTTY = tty;
  return { w, text: () => text };
}

async function run(argv: string[], env: NodeJS.ProcessEnv = {}, tty = false) {
  const out = sink();
  const err = sink(tty);
  const code = await main(argv, { stdout: out.w, stderr: err.w, env });
  return { code, stdout: out.text(), stderr: err.text() };
}

/** The lab's stack outputs as `terraform output -json` writes them, and a config of its regions. */
function files(t: Test, lab: Lab, config: object = {}) {
  const o = lab.outputs;
  const json = {
    accelerator_arn: { value: o.acceleratorArn },
    origins: { value: Object.fromEntries([...o.origins].map(([r, x]) => [r, { instances: x.instances, artifact: { bucket: x.artifact.bucket, key: x.artifact.key, version_id: x.artifact.versionId, sha256: x.artifact.sha256 } }])) },
  };
  const dir = t.testdir({
    'outputs.json': JSON.stringify(json),
    'artifact.tar.gz': 'x',
    'config.json': JSON.stringify({ regions: ['us-east-1', 'eu-central-1'], defaults: { instanceCount: 2 }, artifactPath: 'artifact.tar.gz', ...config }),
  });
  return { dir, common: ['--config', join(dir, 'config.json'), '--outputs', join(dir, 'outputs.json'), '--endpoint-url', lab.emulator.apiUrl, '--poll-seconds', '0.05'] };
}

t.test('--help lists both commands; each command\'s help its flags with defaults and variables', async (t) => {
  const flat = (s: string) => s.replace(/\s+/g, ' ');
  const top = await run(['--help']);
  t.equal(top.code, 0);
  t.match(flat(top.stdout), /verify \[options\] wait until every instance/);
  t.match(flat(top.stdout), /rollout \[options\] put the last deploy's artifact/);
  const r = await run(['rollout', '--help']);
  t.match(flat(r.stdout), /--method <mode> how an instance gets the new version.*\(auto\|ssm\|replace; default: 'auto'\)/);
  t.match(flat(r.stdout), /--poll-seconds <n> .*env: INFRA_POLL_SECONDS/);
  t.notMatch(r.stdout, /INFRA_METHOD/, 'the rollout\'s own flags have no variables');
  t.same(FLAGS.map((f) => f.flag), ['--config', '--outputs', '--stack-dir', '--terraform', '--endpoint-url', '--output', '--poll-seconds', '--timeout', '--method', '--regions', '--settle-seconds', '--healthy-timeout', '--regions-at-once', '--dry-run']);
});

t.test('usage errors: one line naming what was written, exit 2', async (t) => {
  for (const [argv, env, message] of [
    [[], {}, 'a command is required: verify, rollout'],
    [['nope'], {}, /unknown command 'nope'/],
    [['rollout', '--method', 'yolo'], {}, /^--method must be one of 'auto', 'ssm', 'replace', got "yolo"$/],
    [['verify', '--timeout', '-1'], {}, /^--timeout must be a number 0\.\.86400 \(s\), got -1$/],
    [['verify'], { INFRA_OUTPUT: 'yaml' }, /^INFRA_OUTPUT must be one of 'table', 'json', got "yaml"$/],
    [['rollout', '--regions', 'mars-1'], {}, /^--regions\[0\] must be an AWS region name, got "mars-1"$/],
  ] as [string[], NodeJS.ProcessEnv, string | RegExp][]) {
    t.throws(() => parseArgs(argv, env), { name: 'UsageError', code: 'INFRA_ERR_USAGE', message });
    const r = await run(argv, env);
    t.equal(r.code, 2, String(argv));
    t.match(r.stderr, /^anycast-origin infra: .*\n$/);
  }
});

t.test('verify against the emulator', async (t) => {
  const lab = await startLab(t);
  const { common } = files(t, lab);
  t.test('GIVEN every instance healthy THEN a table of them and exit 0', async (t) => {
    const r = await run(['verify', ...common, '--timeout', '5']);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /^REGION\s+INSTANCE\s+HEALTH\s+DETAIL\n/);
    t.equal(r.stdout.split('\n').filter((l) => / HEALTHY /.test(l) && l.includes('TCP:80 HEALTHY, TCP:81 HEALTHY')).length, 4);
    t.match(r.stdout, /every instance is HEALTHY/);
    const j = await run(['verify', ...common, '--output', 'json']);
    t.equal((JSON.parse(j.stdout) as { healthy: boolean }).healthy, true);
  });
  t.test('GIVEN an instance that never serves THEN exit 1 naming it, its health and its boot log', async (t) => {
    await lab.stop(instanceIdOf(2));
    // Both of its listeners' checks have failed their threshold (the verdict the command reports), the others still pass.
    await waitFor(async () => instanceHealth(await status(lab.conn), lab.outputs).find((i) => i.instanceId === instanceIdOf(2))?.listeners.every((l) => l.state === 'UNHEALTHY') === true, 10_000, 'UNHEALTHY');
    const r = await run(['verify', ...common, '--timeout', '1']);
    t.equal(r.code, 1);
    t.match(r.stdout, new RegExp(`us-east-1\\s+${instanceIdOf(2)}\\s+NOT HEALTHY\\s+TCP:80 (UNHEALTHY|INITIAL)`));
    t.match(r.stderr, new RegExp(`^anycast-origin infra: 1 of 4 instances are not HEALTHY after \\d+ s: ${instanceIdOf(2)} in us-east-1 \\(TCP:80 UNHEALTHY: Health checks failed: .*\\); boot log: aws ec2 get-console-output --region us-east-1 --instance-id ${instanceIdOf(2)} --latest --output text .*\\n$`));
  });
});

t.test('rollout', async (t) => {
  const lab = await startLab(t);
  t.test('--dry-run: the plan, methods from the config (ssm where SSM is reachable), nothing changed', async (t) => {
    const { common } = files(t, lab, { regions: ['us-east-1', { region: 'eu-central-1', ssmEndpoints: true }] });
    const r = await run(['rollout', ...common, '--dry-run']);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, new RegExp(`us-east-1\\s+replace\\s+${instanceIdOf(1)}, ${instanceIdOf(2)}\\neu-central-1\\s+ssm\\s+${instanceIdOf(3)}, ${instanceIdOf(4)}\\n`));
    t.match(r.stdout, /each instance: drain, 40 s, update, HEALTHY \(at most 900 s\), restore; 1 region\(s\) at a time/);
    for (const id of lab.instances.keys()) t.same(await lab.weights(id), [128, 128]);
    const j = JSON.parse((await run(['rollout', ...common, '--dry-run', '--output', 'json', '--regions', 'eu-central-1', '--method', 'replace'])).stdout) as { regions: { region: string; method: string }[] };
    t.same(j.regions.map((x) => [x.region, x.method]), [['eu-central-1', 'replace']]);
  });
  t.test('GIVEN --regions naming a region the stack does not have THEN usage', async (t) => {
    const { common } = files(t, lab);
    const r = await run(['rollout', ...common, '--dry-run', '--regions', 'ap-southeast-1']);
    t.equal(r.code, 2);
    t.match(r.stderr, /--regions names ap-southeast-1, which the config does not have/);
  });
  t.test('GIVEN replacement by terraform that fails THEN exit 1, the first instance left drained, progress on a terminal', async (t) => {
    const { dir, common } = files(t, lab);
    const tf = join(dir, 'terraform');
    writeFileSync(tf, `#!/bin/sh\necho "$*" >> "${dir}/tf.log"\necho "Error: InsufficientInstanceCapacity" >&2\nexit 1\n`);
    chmodSync(tf, 0o755);
    const r = await run(['rollout', ...common, '--terraform', tf, '--stack-dir', dir, '--settle-seconds', '0.1', '--regions', 'eu-central-1'], {}, true);
    t.equal(r.code, 1);
    t.match(r.stderr, `eu-central-1 ${instanceIdOf(3)}: drain\neu-central-1 ${instanceIdOf(3)}: settle\neu-central-1 ${instanceIdOf(3)}: update\n`);
    t.match(r.stderr, new RegExp(`anycast-origin infra: updating ${instanceIdOf(3)} in eu-central-1 failed, so it stays drained .*terraform apply -auto-approve -input=false -no-color -replace=aws_instance.fleet_eu_central_1_origin_1 -target=aws_instance.fleet_eu_central_1_origin_1 -target=aws_globalaccelerator_endpoint_group.group_http_eu_central_1 -target=aws_globalaccelerator_endpoint_group.group_dns_udp_eu_central_1 -target=aws_globalaccelerator_endpoint_group.group_dns_tcp_eu_central_1 .*Error: InsufficientInstanceCapacity\\n$`));
    t.same(await lab.weights(instanceIdOf(3)), [0, 0]);
    t.ok(await readDrainRecord(lab.conn, { endpointId: instanceIdOf(3) }));
    t.equal(readFileSync(join(dir, 'tf.log'), 'utf8').split('\n').filter(Boolean).length, 1);
  });
});

t.test('rolloutPlan: the settle time is the longest drain of the config\'s health checks', async (t) => {
  const config = testConfig({ regions: ['us-east-1'], healthCheck: { intervalSeconds: 30, thresholdCount: 2 } });
  const outputs = parseOutputs({ accelerator_arn: { value: 'arn' }, origins: { value: { 'us-east-1': { instances: [{ id: 'i-1', address: 'a' }], artifact: { bucket: 'b', key: 'k', version_id: 'v', sha256: 's' } } } } }, 'x');
  const plan = rolloutPlan(config, outputs, { method: 'auto', healthyTimeout: 900, regionsAtOnce: 1, dryRun: true });
  t.equal(plan.settleSeconds, 90);
  t.match(formatPlan(plan), /us-east-1\s+replace\s+i-1\n/);
});

t.test('the README\'s flag table is the one the descriptions make (npm run docs rewrites it)', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  t.equal(tableIn(readme, FLAGS_START, FLAGS_END), flagsTable(FLAGS));
});
