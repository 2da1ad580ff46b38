/**
 * Waiting for DEPLOYED: at once when it is; polls until it is; DeployTimeoutError (exit 3 from
 * the command) when another writer keeps the accelerator IN_PROGRESS past the timeout; a
 * missing Status is an error, not an endless wait; --no-wait returns IN_PROGRESS at once.
 */
import t from 'tap';
import { GlobalAcceleratorClient, DescribeAcceleratorCommand } from '@aws-sdk/client-global-accelerator';
import { mockClient } from 'aws-sdk-client-mock';
import { connect, waitDeployed } from '../src/index.js';
import type { Clock } from '../src/index.js';
import { connectTo, gactl, gactlJson, seed } from './fixtures/seed.js';

t.test('the library: at once, after polls, timeout', async (t) => {
  const s = await seed(t, { addressPool: '127.82.1.0/24', transactionInProgress: 'off', deploySeconds: 0.4 });
  const conn = await connectTo(t, s);
  t.match(await waitDeployed(conn), { status: 'DEPLOYED', polls: 1 });
  await s.emulator.call('UpdateEndpointGroup', { EndpointGroupArn: s.groupArn.get('TCP:80 us-east-1'), TrafficDialPercentage: 90 });
  const r = await waitDeployed(conn);
  t.ok(r.polls > 1 && r.waitedMs >= 300, `waited ${r.waitedMs} ms over ${r.polls} polls`);
  await s.emulator.call('UpdateEndpointGroup', { EndpointGroupArn: s.groupArn.get('TCP:80 us-east-1'), TrafficDialPercentage: 91 });
  await t.rejects(waitDeployed(conn, { timeout: 0.1 }), { name: 'DeployTimeoutError', code: 'GACTL_ERR_TIMEOUT', exitCode: 3, timeoutSeconds: 0.1 });
});

t.test('a poll sleeps pollSeconds, never past the deadline; a missing Status is an error', async (t) => {
  const client = new GlobalAcceleratorClient({ region: 'us-west-2', maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  t.teardown(() => client.destroy());
  const mock = mockClient(client);
  t.teardown(() => mock.restore());
  const arn = 'arn:aws:globalaccelerator::123456789012:accelerator/11111111-1111-1111-1111-111111111111';
  let now = 0;
  const sleeps: number[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    random: () => 0.5,
  };
  mock.on(DescribeAcceleratorCommand).resolvesOnce({ Accelerator: { AcceleratorArn: arn, Status: 'IN_PROGRESS' } })
    .resolvesOnce({ Accelerator: { AcceleratorArn: arn, Status: 'IN_PROGRESS' } })
    .resolves({ Accelerator: { AcceleratorArn: arn, Status: 'DEPLOYED' } });
  const conn = await connect({ accelerator: arn, pollSeconds: 2 }, { client, clock });
  t.match(await waitDeployed(conn), { status: 'DEPLOYED', polls: 3, waitedMs: 4000 });
  t.same(sleeps, [2000, 2000]);
  mock.on(DescribeAcceleratorCommand).resolves({ Accelerator: { AcceleratorArn: arn, Status: 'IN_PROGRESS' } });
  sleeps.length = 0;
  await t.rejects(waitDeployed(conn, { timeout: 5 }), { message: 'timed out after 5 s waiting for DEPLOYED (the accelerator is still IN_PROGRESS)' });
  t.same(sleeps, [2000, 2000, 1000], 'the last sleep ends at the deadline');
  mock.on(DescribeAcceleratorCommand).resolves({ Accelerator: { AcceleratorArn: arn } });
  await t.rejects(waitDeployed(conn), { code: 'GACTL_ERR_INCOMPLETE_RESPONSE', message: `DescribeAccelerator returned no Status for ${arn}: cannot tell when it is DEPLOYED` });
  mock.on(DescribeAcceleratorCommand).resolves({});
  await t.rejects(waitDeployed(conn), { message: `DescribeAccelerator returned no Accelerator for ${arn}` });
});

t.test('the command: exit 3 while someone keeps it IN_PROGRESS, for wait and for a write; --no-wait', async (t) => {
  const s = await seed(t, { addressPool: '127.82.2.0/24', transactionInProgress: 'off', deploySeconds: 2 });
  const quick = await gactlJson<{ status: string; verified: boolean }>(['--no-wait', 'dial', 'us-west-2', '25', '--listener', 'TCP:80'], s.env);
  t.equal(quick.code, 0, quick.stderr);
  t.match(quick.json, { status: 'IN_PROGRESS', verified: true });
  // Someone keeps changing the accelerator: it stays IN_PROGRESS however slowly gactl starts.
  let dial = 100;
  const keeper = setInterval(() => void s.emulator.call('UpdateEndpointGroup', { EndpointGroupArn: s.groupArn.get('TCP:53 us-east-1'), TrafficDialPercentage: (dial = 199 - dial) }), 300);
  t.teardown(() => clearInterval(keeper));
  const w = await gactl(['wait', '--timeout', '0.5'], s.env);
  t.same([w.code, w.stdout, w.stderr], [3, '', 'gactl: timed out after 0.5 s waiting for DEPLOYED (the accelerator is still IN_PROGRESS)\n']);
  const d = await gactl(['--timeout', '0.5', 'dial', 'us-west-2', '30'], s.env);
  t.same([d.code, d.stderr], [3, 'gactl: timed out after 0.5 s waiting for DEPLOYED (the accelerator is still IN_PROGRESS)\n'], 'a write waits for DEPLOYED before it writes');
  clearInterval(keeper);
  const ok = await gactl(['wait'], { ...s.env, GACTL_TIMEOUT: '30' });
  t.equal(ok.code, 0);
  t.match(ok.stdout, /^DEPLOYED( after \d+\.\d s)?\n$/);
  t.equal((await s.group('TCP:80', 'us-west-2')).dial, 25, 'the timed-out write wrote nothing');
});
