import t from 'tap';
import { instanceIdOf, startLab, waitFor } from './fixtures/lab.js';
import { bootLogHint, instanceHealth, verifyDeployment } from '../src/verify.js';
import { status } from '@anycast-origin/gactl';

t.test('GIVEN every instance healthy WHEN verified THEN healthy, each instance HEALTHY in both listeners\' groups', async (t) => {
  const lab = await startLab(t);
  const r = await verifyDeployment(lab.conn, lab.outputs, { timeoutSeconds: 5, pollSeconds: 0.05 });
  t.equal(r.healthy, true);
  t.same(r.instances.map((i) => [i.region, i.instanceId, i.listeners.map((l) => `${l.listener} ${l.state}`)]),
    [...lab.instances.values()].map((i) => [i.region, i.id, ['TCP:80 HEALTHY', 'TCP:81 HEALTHY']]));
});

t.test('GIVEN an instance whose origin never came up WHEN verified THEN not healthy after the timeout, naming the instance, what the accelerator says and where its boot log is', async (t) => {
  const lab = await startLab(t);
  const broken = instanceIdOf(3);
  await lab.stop(broken);
  await waitFor(async () => !instanceHealth(await status(lab.conn), lab.outputs).find((i) => i.instanceId === broken)?.healthy, 5000, 'unhealthy');
  const r = await verifyDeployment(lab.conn, lab.outputs, { timeoutSeconds: 0.5, pollSeconds: 0.05 });
  t.equal(r.healthy, false);
  t.ok(r.seconds >= 0.5);
  const bad = r.instances.filter((i) => !i.healthy);
  t.same(bad.map((i) => [i.region, i.instanceId]), [['eu-central-1', broken]]);
  t.match(bad[0]?.listeners, [{ listener: 'TCP:80', state: 'UNHEALTHY', reason: /Health checks failed/ }, { listener: 'TCP:81', state: 'UNHEALTHY' }]);
  t.equal(bad[0]?.log, `aws ec2 get-console-output --region eu-central-1 --instance-id ${broken} --latest --output text (the instance's /var/log/cloud-init-output.log)`);
  t.equal(bad[0]?.log, bootLogHint('eu-central-1', broken));
});

t.test('GIVEN an instance the stack made that is in no endpoint group THEN it is MISSING, not healthy', async (t) => {
  const lab = await startLab(t);
  const outputs = { ...lab.outputs, origins: new Map([...lab.outputs.origins].map(([r, o]) => [r, { ...o, instances: [...o.instances, { id: 'i-0000000000000abcd', address: 'aws_instance.x' }] }])) };
  const r = await verifyDeployment(lab.conn, outputs, { timeoutSeconds: 0.2, pollSeconds: 0.05 });
  t.equal(r.healthy, false);
  t.match(r.instances.find((i) => i.instanceId === 'i-0000000000000abcd' && i.region === 'us-east-1')?.listeners, [{ state: 'MISSING', reason: 'not in the endpoint group' }, { state: 'MISSING' }]);
});
