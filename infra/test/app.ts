import t from 'tap';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { STACK_NAME, buildApp } from '../src/app.js';
import type { Json } from './fixtures/synth.js';

const dir = t.testdir({
  'anycast-origin-linux.tar.gz': 'fixture artifact\n',
  'config.json': JSON.stringify({ regions: ['us-east-1', 'eu-central-1'], artifactPath: 'anycast-origin-linux.tar.gz' }),
  'missing-artifact.json': JSON.stringify({ artifactPath: 'not-built-yet/anycast-origin-linux.tar.gz' }),
  'bad.json': JSON.stringify({ regions: [{ region: 'eu-central-1', trafficDial: 150 }] }),
});

// The app synthesizes twice (JSON, HCL) for every test below to share.
const jsonOut = join(dir, 'json.out');
buildApp({ configFile: join(dir, 'config.json'), outdir: jsonOut }).app.synth();
const hclOut = join(dir, 'hcl.out');
{
  // `cdktf synth --hcl` sets SYNTH_HCL_OUTPUT for the app; the stack reads it when constructed.
  const before = process.env.SYNTH_HCL_OUTPUT;
  process.env.SYNTH_HCL_OUTPUT = 'true';
  try {
    buildApp({ configFile: join(dir, 'config.json'), outdir: hclOut, hclOutput: true }).app.synth();
  } finally {
    if (before === undefined) delete process.env.SYNTH_HCL_OUTPUT;
    else process.env.SYNTH_HCL_OUTPUT = before;
  }
}
const stackDir = (out: string) => join(out, 'stacks', STACK_NAME);

t.test('GIVEN a config file WHEN the app synthesizes THEN cdk.tf.json and the artifact asset are written', async (t) => {
  const json = JSON.parse(readFileSync(join(stackDir(jsonOut), 'cdk.tf.json'), 'utf8')) as Json;
  t.equal(Object.keys(json.resource.aws_instance).length, 4);
  const source = json.resource.aws_s3_object.artifact_us_east_1_object.source as string;
  t.equal(readFileSync(join(stackDir(jsonOut), source), 'utf8'), 'fixture artifact\n', 'the asset is copied next to the stack');
});

t.test('GIVEN --hcl WHEN the app synthesizes THEN cdk.tf holds plain Terraform', async (t) => {
  const hcl = readFileSync(join(stackDir(hclOut), 'cdk.tf'), 'utf8');
  t.match(hcl, /resource "aws_globalaccelerator_accelerator" "accelerator" \{/);
  t.match(hcl, /resource "aws_globalaccelerator_endpoint_group" "group_dns_udp_eu_central_1" \{/);
  t.match(hcl, /endpoint_group_region = "eu-central-1"/);
  t.match(hcl, /provider "aws" \{\s*region = "us-east-1"\s*alias = "us_east_1"/);
  t.match(hcl, /backend "local" \{\s*path = "..\/..\/..\/terraform.anycast-origin.tfstate"/);
  t.match(hcl, /output "test_commands" \{/);
  t.notMatch(hcl, /TfToken|\$\{TOKEN/, 'no unresolved CDKTF tokens');
  t.ok(existsSync(join(stackDir(hclOut), hcl.match(/source = "(assets\/[^"]+)"/)?.[1] ?? 'missing')), 'the asset sits where the HCL points');
});

const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0;
const tfEnv = { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: '/dev/null' };

t.test('GIVEN the HCL WHEN terraform parses it (terraform fmt, no provider needed) THEN it is valid HCL', { skip: terraform ? false : 'terraform not installed' }, async (t) => {
  const r = spawnSync('terraform', ['fmt', '-'], { input: readFileSync(join(stackDir(hclOut), 'cdk.tf')), encoding: 'utf8', env: tfEnv });
  t.equal(r.status, 0, r.stderr);
});

// terraform validate needs the AWS provider's schema: this machine has no registry access, but
// may carry a filesystem mirror. The mirror's provider (5.x) is older than the one the bindings
// target (6.x), so the copy relaxes the version pin; the local backend is dropped (init -backend=false).
const PLUGIN_DIR = process.env.TF_PLUGIN_DIR ?? '/opt/tf-plugins';
const mirror = existsSync(join(PLUGIN_DIR, 'registry.terraform.io/hashicorp/aws'));
t.test('GIVEN a local provider mirror WHEN terraform validates the HCL and the JSON THEN both are valid configurations', {
  skip: !terraform ? 'terraform not installed' : !mirror ? `no AWS provider mirror in ${PLUGIN_DIR} (set TF_PLUGIN_DIR)` : false,
  timeout: 120_000,
}, async (t) => {
  const work = join(dir, 'validate');
  cpSync(join(stackDir(hclOut), 'assets'), join(work, 'assets'), { recursive: true });
  const hcl = readFileSync(join(stackDir(hclOut), 'cdk.tf'), 'utf8')
    .replace(/version = "[^"]+"/, 'version = ">= 5.0"')
    .replace(/backend "local" \{[^}]*\}/, '');
  writeFileSync(join(work, 'main.tf'), hcl);
  const init = spawnSync('terraform', ['init', '-backend=false', `-plugin-dir=${PLUGIN_DIR}`, '-input=false', '-no-color'], { cwd: work, encoding: 'utf8', env: tfEnv });
  t.equal(init.status, 0, `terraform init: ${init.stderr}`);
  const validate = (what: string) => {
    const r = spawnSync('terraform', ['validate', '-json', '-no-color'], { cwd: work, encoding: 'utf8', env: tfEnv });
    const result = JSON.parse(r.stdout || '{}') as Json;
    t.equal(result.valid, true, `${what}: ${JSON.stringify((result.diagnostics as Json[] | undefined)?.filter((d) => d.severity === 'error'))}`);
    t.equal(result.error_count, 0, `${what}: no errors`);
  };
  validate('HCL');
  // The same directory (providers installed) with the JSON instead.
  const json = JSON.parse(readFileSync(join(stackDir(jsonOut), 'cdk.tf.json'), 'utf8')) as Json;
  delete json.terraform.backend;
  json.terraform.required_providers.aws.version = '>= 5.0';
  writeFileSync(join(work, 'main.tf'), '');
  writeFileSync(join(work, 'main.tf.json'), JSON.stringify(json));
  cpSync(join(stackDir(jsonOut), 'assets'), join(work, 'assets'), { recursive: true });
  validate('JSON');
});

t.test('the app entry point (src/main.ts)', async (t) => {
  // Run main.ts the way tap runs this file (its TypeScript loader), with another config.
  const loader = process.execArgv.filter((a) => a.includes('@tapjs/typescript'));
  const main = join(import.meta.dirname, '../src/main.ts');
  const run = (config: string, outdir: string) =>
    spawnSync(process.execPath, [...loader, main], { encoding: 'utf8', env: { ...process.env, ANYCAST_CONFIG: join(dir, config), CDKTF_OUTDIR: join(dir, outdir) } });

  t.test('GIVEN ANYCAST_CONFIG with a missing artifact THEN exit 1 and a message naming artifactPath and the path', async (t) => {
    const r = run('missing-artifact.json', 'missing.out');
    t.equal(r.status, 1, r.stderr);
    t.match(r.stderr, /^anycast-origin infra: artifactPath must be an existing file \(the origin artifact\), got .*not-built-yet\/anycast-origin-linux\.tar\.gz: build it with `npm run package -w apps\/origin`.* \[INFRA_ERR_ARTIFACT_MISSING\]\n$/);
    t.notOk(existsSync(join(dir, 'missing.out', 'stacks', STACK_NAME, 'cdk.tf.json')), 'nothing synthesized');
  });
  t.test('GIVEN ANYCAST_CONFIG with a bad field THEN exit 1 and the config\'s own message naming the field, nothing synthesized', async (t) => {
    const r = run('bad.json', 'bad.out');
    t.equal(r.status, 1);
    t.equal(r.stderr, 'anycast-origin infra: regions[0].trafficDial must be a number 0..100 (percent), got 150 [CONFIG_ERR_OUT_OF_RANGE]\n');
    t.notOk(existsSync(join(dir, 'bad.out', 'stacks', STACK_NAME, 'cdk.tf.json')), 'nothing synthesized');
  });
  t.test('GIVEN ANYCAST_CONFIG naming a file that is not there THEN exit 1 and CONFIG_ERR_FILE', async (t) => {
    const r = run('nope.json', 'nope.out');
    t.equal(r.status, 1);
    t.match(r.stderr, /^anycast-origin infra: config file .*nope\.json: .* \[CONFIG_ERR_FILE\]\n$/);
  });
  t.test('GIVEN a good config THEN exit 0 and a stack', async (t) => {
    const r = run('config.json', 'good.out');
    t.equal(r.status, 0, r.stderr);
    t.ok(readdirSync(join(dir, 'good.out', 'stacks')).includes(STACK_NAME));
  });
});

t.test('GIVEN the cdktf CLI WHEN `cdktf synth --hcl` runs offline (what `npm run synth:hcl` does) THEN it writes cdk.tf', { timeout: 120_000 }, async (t) => {
  // Same as infra/cdktf.json, except that the app runs src/main.ts through tap's TypeScript
  // loader (the test does not depend on a build) and the output goes to the test dir.
  const cli = join(dir, 'cli');
  mkdirSync(cli);
  const loader = process.execArgv.filter((a) => a.includes('@tapjs/typescript'));
  const main = join(import.meta.dirname, '../src/main.ts');
  writeFileSync(join(cli, 'cdktf.json'), JSON.stringify({
    language: 'typescript',
    app: [process.execPath, ...loader, main].join(' '),
    output: 'cdktf.out',
    sendCrashReports: 'false',
    terraformProviders: [],
  }));
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('cdktf-cli/package.json');
  const bin = join(dirname(pkg), (require(pkg) as { bin: { cdktf: string } }).bin.cdktf);
  const r = spawnSync(process.execPath, [bin, 'synth', '--hcl'], {
    cwd: cli,
    encoding: 'utf8',
    env: { ...process.env, ANYCAST_CONFIG: join(dir, 'config.json'), CHECKPOINT_DISABLE: '1', CI: '1', FORCE_COLOR: '0' },
  });
  t.equal(r.status, 0, r.stdout + r.stderr);
  t.match(r.stdout, /Generated Terraform code for the stacks: anycast-origin/);
  t.match(readFileSync(join(cli, 'cdktf.out/stacks/anycast-origin/cdk.tf'), 'utf8'), /resource "aws_globalaccelerator_accelerator" "accelerator"/);
});
