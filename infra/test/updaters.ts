import t from 'tap';
import type { Test } from 'tap';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { parseOutputs } from '../src/outputs.js';
import { replaceUpdater, ssmUpdater } from '../src/updaters.js';

const TARGET = { region: 'eu-central-1', endpointId: 'i-0aaaaaaaaaaaaaaa1', address: 'aws_instance.fleet_eu_central_1_origin_1' };
const SCRIPT = '#!/bin/bash\necho "it\'s $HOME"\n';

function ssm(t: Test) {
  const mock = mockClient(SSMClient);
  t.teardown(() => mock.restore());
  const client = new SSMClient({ region: 'eu-central-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const regions: string[] = [];
  const updater = ssmUpdater({ client: (r) => (regions.push(r), client), script: () => SCRIPT, pollSeconds: 0, timeoutSeconds: 300 });
  return { mock, updater, regions };
}

t.test('ssmUpdater: the update script through AWS-RunShellScript, polled until Success', async (t) => {
  const { mock, updater, regions } = ssm(t);
  mock.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
  const notYet = Object.assign(new Error('not yet'), { name: 'InvocationDoesNotExist' });
  mock.on(GetCommandInvocationCommand).rejectsOnce(notYet).resolvesOnce({ Status: 'InProgress' }).resolves({ Status: 'Success' });
  t.same(await updater.update(TARGET), { endpointId: TARGET.endpointId });
  t.same(regions, ['eu-central-1']);
  const sent = mock.commandCalls(SendCommandCommand)[0]?.args[0].input;
  t.match(sent, { DocumentName: 'AWS-RunShellScript', InstanceIds: [TARGET.endpointId], Parameters: { executionTimeout: ['300'] } });
  const [decode, run] = sent?.Parameters?.commands ?? [];
  const b64 = /^echo ([A-Za-z0-9+/=]+) \| base64 -d > \/run\/anycast-origin-update\.sh$/.exec(decode ?? '')?.[1];
  t.equal(Buffer.from(b64 ?? '', 'base64').toString(), SCRIPT, 'the script arrives byte for byte, quotes and all');
  t.equal(run, 'bash /run/anycast-origin-update.sh');
  t.equal(mock.commandCalls(GetCommandInvocationCommand).length, 3);
});

t.test('ssmUpdater: a failed command is an UpdateError with its stderr and how to read all of it', async (t) => {
  const { mock, updater } = ssm(t);
  mock.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-2' } });
  mock.on(GetCommandInvocationCommand).resolves({ Status: 'Failed', StandardErrorContent: 'line 1\nanycast-origin-install: the origin does not answer http://127.0.0.1/healthz 120 s after its start\n' });
  await t.rejects(updater.update(TARGET), {
    name: 'UpdateError', code: 'INFRA_ERR_UPDATE',
    message: `the update of ${TARGET.endpointId} in eu-central-1 ended Failed: line 1 | anycast-origin-install: the origin does not answer http://127.0.0.1/healthz 120 s after its start (all of it: aws ssm get-command-invocation --region eu-central-1 --command-id cmd-2 --instance-id ${TARGET.endpointId})`,
  });
});

t.test('ssmUpdater: an API error reading the invocation is an UpdateError naming it', async (t) => {
  const { mock, updater } = ssm(t);
  mock.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-3' } });
  mock.on(GetCommandInvocationCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
  await t.rejects(updater.update(TARGET), { code: 'INFRA_ERR_UPDATE', message: /AccessDeniedException: denied/ });
});

const outputs = (id: string) => parseOutputs({
  accelerator_arn: { value: 'arn:a' },
  origins: { value: { 'eu-central-1': { instances: [{ id, address: TARGET.address }, { id: 'i-0aaaaaaaaaaaaaaa2', address: 'aws_instance.fleet_eu_central_1_origin_2' }], artifact: { bucket: 'b', key: 'k', version_id: 'v', sha256: 's' } } } },
}, 'test');

t.test('replaceUpdater: terraform apply -replace of the instance, targeting it and its region\'s groups, then its new id from the outputs', async (t) => {
  const dir = t.testdir({});
  const tf = join(dir, 'terraform');
  writeFileSync(tf, `#!/bin/sh\necho "$*" > "${dir}/args"\npwd > "${dir}/cwd"\n[ -n "$FAIL" ] && { echo "Error: creating EC2 Instance: InsufficientInstanceCapacity" >&2; exit 1; }\nexit 0\n`);
  chmodSync(tf, 0o755);
  const groups = ['aws_globalaccelerator_endpoint_group.group_http_eu_central_1', 'aws_globalaccelerator_endpoint_group.group_dns_udp_eu_central_1'];
  let id = 'i-0bbbbbbbbbbbbbbb1';
  const updater = replaceUpdater({ stackDir: dir, terraform: tf, groupsOf: (r) => (r === 'eu-central-1' ? groups : []), readOutputs: async () => outputs(id) });
  t.same(await updater.update(TARGET), { endpointId: 'i-0bbbbbbbbbbbbbbb1' });
  t.equal(readFileSync(join(dir, 'args'), 'utf8').trim(), `apply -auto-approve -input=false -no-color -replace=${TARGET.address} -target=${TARGET.address} -target=${groups[0]} -target=${groups[1]}`);
  t.equal(readFileSync(join(dir, 'cwd'), 'utf8').trim(), dir);

  id = TARGET.endpointId;
  await t.rejects(updater.update(TARGET), { code: 'INFRA_ERR_UPDATE', message: `${TARGET.address} still has id ${TARGET.endpointId} after terraform apply -replace` });
  process.env.FAIL = '1';
  t.teardown(() => delete process.env.FAIL);
  await t.rejects(updater.update(TARGET), { code: 'INFRA_ERR_UPDATE', message: /failed: Error: creating EC2 Instance: InsufficientInstanceCapacity$/ });
});
