import t from 'tap';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseOutputs, readOutputs } from '../src/outputs.js';

const ORIGIN = (id: string) => ({ instances: [{ id, address: `aws_instance.fleet_us_east_1_origin_1` }], artifact: { bucket: 'b', key: 'k', version_id: 'v1', sha256: 'f'.repeat(64) } });
const GOOD = { accelerator_arn: { value: 'arn:aws:globalaccelerator::1:accelerator/a' }, origins: { value: { 'us-east-1': ORIGIN('i-1') } }, dns_name: { value: 'x' } };

t.test('parseOutputs: terraform output -json, typed', async (t) => {
  const o = parseOutputs(GOOD, 'x');
  t.equal(o.acceleratorArn, 'arn:aws:globalaccelerator::1:accelerator/a');
  t.same([...o.origins], [['us-east-1', { instances: [{ id: 'i-1', address: 'aws_instance.fleet_us_east_1_origin_1' }], artifact: { bucket: 'b', key: 'k', versionId: 'v1', sha256: 'f'.repeat(64) } }]]);
  t.throws(() => parseOutputs({}, 'terraform output'), { name: 'OutputsError', code: 'INFRA_ERR_OUTPUTS', message: 'terraform output has no accelerator_arn and origins outputs: deploy the stack first (npm run deploy -w infra)' });
  t.throws(() => parseOutputs({ ...GOOD, origins: { value: { 'us-east-1': { instances: [] } } } }, 'f'), { message: /^f: origins\.us-east-1 must hold instances/ });
});

t.test('readOutputs: from a file, or from terraform in the stack directory', async (t) => {
  const dir = t.testdir({ 'outputs.json': JSON.stringify(GOOD), 'bad.json': '{' });
  t.equal((await readOutputs({ file: join(dir, 'outputs.json'), stackDir: '/nonexistent' })).acceleratorArn, GOOD.accelerator_arn.value);
  await t.rejects(readOutputs({ file: join(dir, 'bad.json'), stackDir: dir }), { code: 'INFRA_ERR_OUTPUTS', message: /bad\.json is not JSON/ });
  await t.rejects(readOutputs({ file: join(dir, 'nope.json'), stackDir: dir }), { code: 'INFRA_ERR_OUTPUTS', message: /cannot read .*nope\.json/ });
  const tf = join(dir, 'terraform');
  writeFileSync(tf, `#!/bin/sh\n[ "$1 $2" = "output -json" ] || exit 9\npwd > "${dir}/cwd"\ncat "${dir}/outputs.json"\n`);
  chmodSync(tf, 0o755);
  t.same([...(await readOutputs({ stackDir: dir, terraform: tf })).origins.keys()], ['us-east-1']);
  writeFileSync(tf, '#!/bin/sh\necho "Error: No outputs found: the state file is empty" >&2\nexit 1\n');
  await t.rejects(readOutputs({ stackDir: dir, terraform: tf }), { code: 'INFRA_ERR_OUTPUTS', message: `terraform output in ${dir} failed: Error: No outputs found: the state file is empty` });
});
