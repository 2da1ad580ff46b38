/**
 * The read-modify-write engine against the emulator through the real SDK: every other
 * endpoint's weight and client IP preservation survive a rewrite of the list; guards; faults
 * (throttling, 5xx, TransactionInProgressException) make it start over with a fresh read and
 * still land, LimitExceededException and AccessDeniedException fail at once after one call; a
 * write waits out another transaction's IN_PROGRESS window; a change undone by a stale writer
 * is made again; a value someone else set on purpose fails verification; --no-wait; timeouts.
 */
import t from 'tap';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { CHANNELS, setDial, setWeight, steer } from '../src/index.js';
import type { ChangeResult } from '../src/index.js';
import type { FaultSpec } from '@anycast-origin/ga-emulator';
import { connectTo, seed } from './fixtures/seed.js';

type FaultError = NonNullable<FaultSpec['error']>;

const apiCalls = (s: { emulator: { state(): { api: Readonly<Record<string, Readonly<Record<string, number>>>> } } }, op: string) => s.emulator.state().api[op] ?? {};
const total = (counts: Readonly<Record<string, number>>) => Object.values(counts).reduce((a, b) => a + b, 0);

t.test('setDial changes the Region on every listener, waits for DEPLOYED, verifies; a second time changes nothing', async (t) => {
  const s = await seed(t, { addressPool: '127.78.1.0/24' });
  const conn = await connectTo(t, s);
  const r = await setDial(conn, { region: 'eu-central-1', percent: 50 });
  t.equal(r.status, 'DEPLOYED');
  t.equal(r.verified, true);
  t.equal(r.redone, 0);
  t.same(r.changes.map((c) => [c.listener, c.region, c.field, c.endpointId, c.before, c.after]), [
    ['TCP:80', 'eu-central-1', 'trafficDial', null, 100, 50], ['UDP:53', 'eu-central-1', 'trafficDial', null, 100, 50], ['TCP:53', 'eu-central-1', 'trafficDial', null, 100, 50],
  ]);
  for (const l of ['TCP:80', 'UDP:53', 'TCP:53']) {
    t.equal((await s.group(l, 'eu-central-1')).dial, 50, `${l} eu-central-1`);
    t.equal((await s.group(l, 'us-east-1')).dial, 100, `${l} us-east-1 untouched`);
  }
  t.equal(s.emulator.state().accelerators[0]?.status, 'DEPLOYED');
  const writes = total(apiCalls(s, 'UpdateEndpointGroup'));
  const again = await setDial(conn, { region: 'eu-central-1', percent: 50 });
  t.same(again.changes, [], 'nothing to change');
  t.equal(total(apiCalls(s, 'UpdateEndpointGroup')), writes, 'and nothing written');
  const fraction = await setDial(conn, { region: 'eu-central-1', percent: 37.5, listeners: ['udp:53'] });
  t.same(fraction.changes.map((c) => [c.listener, c.after]), [['UDP:53', 37.5]], 'fractions, one listener by --listener (any case)');
});

t.test('setWeight rewrites the whole list with only that weight changed: other weights and client IP preservation survive', async (t) => {
  const s = await seed(t, { addressPool: '127.78.2.0/24' });
  const [a, b] = s.instances['us-east-1'] as [string, string];
  // b: weight 7 and client IP preservation off, set behind gactl's back.
  await s.emulator.call('UpdateEndpointGroup', { EndpointGroupArn: s.groupArn.get('TCP:80 us-east-1'), EndpointConfigurations: [{ EndpointId: a, Weight: 128 }, { EndpointId: b, Weight: 7, ClientIPPreservationEnabled: false }] });
  await s.emulator.deployed();
  const conn = await connectTo(t, s);
  const r = await setWeight(conn, { endpointId: a, weight: 200, listeners: ['TCP:80'] });
  t.same(r.changes.map((c) => [c.listener, c.endpointId, c.before, c.after]), [['TCP:80', a, 128, 200]]);
  const g = (await s.emulator.call('DescribeEndpointGroup', { EndpointGroupArn: s.groupArn.get('TCP:80 us-east-1') })) as { EndpointGroup: { EndpointDescriptions: { EndpointId: string; Weight: number; ClientIPPreservationEnabled: boolean }[] } };
  t.same(g.EndpointGroup.EndpointDescriptions.map((e) => [e.EndpointId, e.Weight, e.ClientIPPreservationEnabled]), [[a, 200, true], [b, 7, false]]);
  t.same((await s.group('UDP:53', 'us-east-1')).weights, { [a]: 128, [b]: 128 }, 'other listeners untouched');
  const all = await setWeight(conn, { endpointId: b, weight: 0 });
  t.same(all.changes.map((c) => [c.listener, c.before, c.after]), [['TCP:80', 7, 0], ['UDP:53', 128, 0], ['TCP:53', 128, 0]], 'without --listener: every group that holds it');
});

t.test('what is not there: a Region, an endpoint, a listener; bad arguments', async (t) => {
  const s = await seed(t, { addressPool: '127.78.3.0/24' });
  const conn = await connectTo(t, s);
  await t.rejects(setDial(conn, { region: 'eu-west-3', percent: 10 }), { code: 'GACTL_ERR_NOT_FOUND', message: 'no endpoint group in eu-west-3 (Regions: us-east-1, us-west-2, eu-central-1, ap-southeast-1)' });
  await t.rejects(setDial(conn, { region: 'eu-central-1', percent: 10, listeners: ['TCP:443'] }), { code: 'GACTL_ERR_NOT_FOUND', message: 'no listener TCP:443 on the accelerator (listeners: TCP:80, UDP:53, TCP:53)' });
  await t.rejects(setWeight(conn, { endpointId: 'i-0fffffffffffffff0', weight: 1 }), { code: 'GACTL_ERR_NOT_FOUND', message: 'no endpoint i-0fffffffffffffff0 in any endpoint group' });
  await t.rejects(setDial(conn, { region: 'eu-central-1', percent: 101 }), { code: 'GACTL_ERR_INVALID_ARGUMENT', argument: 'percent', message: 'percent must be a number 0..100 (percent), got 101' });
  await t.rejects(setWeight(conn, { endpointId: s.instances['us-east-1']?.[0] as string, weight: 2.5 }), { message: 'weight must be an integer 0..255, got 2.5' });
  await t.rejects(setDial(conn, { region: 'Europe', percent: 1 }), { message: 'region must be an AWS Region name like eu-central-1, got "Europe"' });
  await t.rejects(setDial(conn, { region: 'eu-central-1', percent: 1 }, { timeout: -1 }), { code: 'GACTL_ERR_INVALID_OPTION', option: 'timeout', message: 'timeout must be a number 0..86400 (s), got -1' });
  await t.rejects(setDial(conn, { region: 'eu-central-1', percent: 1 }, { force: 'yes' } as never), { message: 'force must be true or false, got "yes"' });
  t.equal(total(apiCalls(s, 'UpdateEndpointGroup')), 0, 'nothing written');
});

t.test('guards: no Region taking traffic; no healthy endpoint of weight > 0 left; --force; the failover warning', async (t) => {
  const s = await seed(t, { addressPool: '127.78.4.0/24' });
  const conn = await connectTo(t, s);
  for (const region of ['us-east-1', 'us-west-2', 'eu-central-1']) await setDial(conn, { region, percent: 0, listeners: ['TCP:80'] });
  const writes = total(apiCalls(s, 'UpdateEndpointGroup'));
  await t.rejects(setDial(conn, { region: 'ap-southeast-1', percent: 0, listeners: ['TCP:80'] }), {
    code: 'GACTL_ERR_GUARD', exitCode: 1,
    message: 'refused: listener TCP:80 would have no Region taking traffic (every traffic dial 0) (--force to do it anyway)',
  });
  t.equal(total(apiCalls(s, 'UpdateEndpointGroup')), writes, 'refused before any write');
  const forced = await setDial(conn, { region: 'ap-southeast-1', percent: 0, listeners: ['TCP:80'] }, { force: true });
  t.match(forced.warnings, [/ignores a traffic dial of 0/, 'forced: listener TCP:80 would have no Region taking traffic (every traffic dial 0)']);
  t.equal((await s.group('TCP:80', 'ap-southeast-1')).dial, 0);

  // Health: only eu-central-1 stays healthy.
  for (const region of ['us-east-1', 'us-west-2', 'ap-southeast-1']) for (const id of s.instances[region] as string[]) await s.breakEndpoint(id);
  const [e1, e2] = s.instances['eu-central-1'] as [string, string];
  const one = await setWeight(conn, { endpointId: e1, weight: 0, listeners: ['UDP:53'] });
  t.equal(one.changes.length, 1, 'one healthy endpoint with weight left: allowed');
  await t.rejects(setWeight(conn, { endpointId: e2, weight: 0, listeners: ['UDP:53'] }), {
    code: 'GACTL_ERR_GUARD',
    message: 'refused: listener UDP:53 would have no healthy endpoint with weight > 0 (eu-central-1 is its only healthy group) (--force to do it anyway)',
  });
  const dial = await setDial(conn, { region: 'eu-central-1', percent: 0, listeners: ['UDP:53'] });
  t.same(dial.warnings, ['Global Accelerator ignores a traffic dial of 0 when the other groups are unhealthy (failover): eu-central-1 may still get traffic on UDP:53; now us-east-1, us-west-2, ap-southeast-1 have no healthy endpoint with weight > 0']);
});

t.test('faults: throttling, 5xx and TransactionInProgressException start the read-modify-write over; LimitExceeded and AccessDenied fail at once', async (t) => {
  const s = await seed(t, { addressPool: '127.78.5.0/24' });
  const conn = await connectTo(t, s);
  const redos: unknown[] = [];
  const onRedo = (m: unknown) => redos.push(m);
  subscribe(CHANNELS.redo, onRedo);
  t.teardown(() => unsubscribe(CHANNELS.redo, onRedo));
  const cases: [FaultError, number][] = [['ThrottlingException', 2], ['InternalServiceErrorException', 2], ['ServiceUnavailableException', 1], ['TransactionInProgressException', 3]];
  let percent = 90;
  for (const [error, count] of cases) {
    await t.test(error, async (t) => {
      s.emulator.faults.set('UpdateEndpointGroup', { error, count });
      const before = total(apiCalls(s, 'ListEndpointGroups'));
      const r = await setDial(conn, { region: 'us-west-2', percent: --percent, listeners: ['TCP:80'] });
      t.equal(r.redone, count, `started over ${count} times`);
      t.equal(apiCalls(s, 'UpdateEndpointGroup')[error], count);
      t.ok(total(apiCalls(s, 'ListEndpointGroups')) - before >= count + 2, 'a fresh read before every try (and one to verify)');
      t.equal((await s.group('TCP:80', 'us-west-2')).dial, percent);
    });
  }
  t.match(redos, [{ reason: /^ThrottlingException: /, endpointGroupArn: s.groupArn.get('TCP:80 us-west-2') }]);
  for (const error of ['LimitExceededException', 'AccessDeniedException'] as const) {
    await t.test(`${error} fails at once`, async (t) => {
      s.emulator.faults.set('UpdateEndpointGroup', { error, count: 1 });
      const calls = total(apiCalls(s, 'UpdateEndpointGroup'));
      await t.rejects(setDial(conn, { region: 'us-west-2', percent: 1, listeners: ['TCP:80'] }), { code: 'GACTL_ERR_API', awsName: error, operation: 'UpdateEndpointGroup', message: new RegExp(`^${error}: `) });
      t.equal(total(apiCalls(s, 'UpdateEndpointGroup')), calls + 1, 'one call, no retry');
    });
  }
  await t.test('throttling on every try: gives up after retry.maxAttempts', async (t) => {
    const few = await connectTo(t, s, { retry: { maxAttempts: 3 } });
    s.emulator.faults.set('UpdateEndpointGroup', { error: 'ThrottlingException', count: 10 });
    const calls = total(apiCalls(s, 'UpdateEndpointGroup'));
    await t.rejects(setDial(few, { region: 'us-west-2', percent: 2, listeners: ['TCP:80'] }), { code: 'GACTL_ERR_API', awsName: 'ThrottlingException' });
    t.equal(total(apiCalls(s, 'UpdateEndpointGroup')), calls + 3);
    s.emulator.faults.clear();
  });
  await t.test('reads are retried too', async (t) => {
    s.emulator.faults.set('ListEndpointGroups', { error: 'ThrottlingException', count: 3 });
    s.emulator.faults.set('DescribeAccelerator', { error: 'InternalServiceErrorException', count: 2 });
    const r = await setDial(conn, { region: 'us-west-2', percent: 3, listeners: ['TCP:80'] });
    t.equal(r.changes.length, 1);
    s.emulator.faults.clear();
  });
});

t.test('a write waits out another transaction\'s IN_PROGRESS window instead of failing; two writers at once both hold', async (t) => {
  const s = await seed(t, { addressPool: '127.78.6.0/24', deploySeconds: 0.5 });
  const conn = await connectTo(t, s);
  // Someone else's change: the accelerator is IN_PROGRESS for 0.5 s.
  await s.emulator.call('UpdateEndpointGroup', { EndpointGroupArn: s.groupArn.get('TCP:80 us-east-1'), TrafficDialPercentage: 80 });
  const started = Date.now();
  const r = await setDial(conn, { region: 'eu-central-1', percent: 60, listeners: ['TCP:80'] });
  t.ok(Date.now() - started >= 400, 'waited for DEPLOYED first');
  t.equal(r.redone, 0, 'no TransactionInProgressException met');
  t.equal(apiCalls(s, 'UpdateEndpointGroup').TransactionInProgressException, undefined);
  t.equal((await s.group('TCP:80', 'us-east-1')).dial, 80, 'the other change holds');

  const [a, b] = s.instances['ap-southeast-1'] as [string, string];
  const both = await Promise.all([setWeight(conn, { endpointId: a, weight: 11 }), setWeight(conn, { endpointId: b, weight: 22 })]);
  t.ok(both[0].redone + both[1].redone > 0, 'one met the other\'s transaction and started over');
  t.ok((apiCalls(s, 'UpdateEndpointGroup').TransactionInProgressException ?? 0) > 0, 'TransactionInProgressException answered');
  for (const l of ['TCP:80', 'UDP:53', 'TCP:53']) t.same((await s.group(l, 'ap-southeast-1')).weights, { [a]: 11, [b]: 22 }, `${l}: both hold`);
});

t.test('no transaction check (AWS\'s model lists it for AddEndpoints only): a stale writer\'s lost update is found and made again', async (t) => {
  // The emulator answers no TransactionInProgressException for UpdateEndpointGroup and holds each
  // write 300 ms before applying it: both writers read the same list, the second write undoes the first.
  const s = await seed(t, { addressPool: '127.78.7.0/24', transactionInProgress: 'modeled', faults: { UpdateEndpointGroup: { latencyMs: 300 } } });
  const conn = await connectTo(t, s);
  const [a, b] = s.instances['us-west-2'] as [string, string];
  const results = await Promise.all([setWeight(conn, { endpointId: a, weight: 33, listeners: ['TCP:80'] }), setWeight(conn, { endpointId: b, weight: 44, listeners: ['TCP:80'] })]);
  t.same((await s.group('TCP:80', 'us-west-2')).weights, { [a]: 33, [b]: 44 }, 'both hold');
  t.ok(results.some((r) => r.redone > 0), 'the undone change was made again');

  await t.test('with retry.lostUpdates 0 the loser fails verification instead', async (t) => {
    const strict = await connectTo(t, s, { retry: { lostUpdates: 0 } });
    const settled = await Promise.allSettled([setWeight(strict, { endpointId: a, weight: 1, listeners: ['TCP:80'] }), setWeight(strict, { endpointId: b, weight: 2, listeners: ['TCP:80'] })]);
    const failed = settled.filter((x): x is PromiseRejectedResult => x.status === 'rejected');
    t.equal(failed.length, 1);
    t.match(failed[0]?.reason, { code: 'GACTL_ERR_VERIFY', exitCode: 1, message: /^weight of i-\w+ in us-west-2 on TCP:80 is back at \d+ after the write, not [12], 1 time\(s\): another writer keeps sending a stale endpoint list$/ });
  });
});

t.test('a value someone else sets on purpose after the write fails verification', async (t) => {
  const s = await seed(t, { addressPool: '127.78.8.0/24', transactionInProgress: 'off', deploySeconds: 0.3 });
  const conn = await connectTo(t, s);
  const arn = s.groupArn.get('TCP:80 eu-central-1');
  const meddle = () => void s.emulator.call('UpdateEndpointGroup', { EndpointGroupArn: arn, TrafficDialPercentage: 77 });
  subscribe(CHANNELS.write, meddle);
  t.teardown(() => unsubscribe(CHANNELS.write, meddle));
  await t.rejects(setDial(conn, { region: 'eu-central-1', percent: 20, listeners: ['TCP:80'] }), {
    code: 'GACTL_ERR_VERIFY', message: 'traffic dial in eu-central-1 on TCP:80 is 77 after the write, not 20: someone else changed it since',
  });
});

t.test('--no-wait returns IN_PROGRESS after verifying at once; the timeout ends a wait (exit 3)', async (t) => {
  const s = await seed(t, { addressPool: '127.78.9.0/24', transactionInProgress: 'off', deploySeconds: 1 });
  const quick = await connectTo(t, s, { wait: false });
  const r: ChangeResult = await setDial(quick, { region: 'us-east-1', percent: 40, listeners: ['TCP:80'] });
  t.equal(r.status, 'IN_PROGRESS');
  t.equal(r.verified, true);
  t.equal((await s.group('TCP:80', 'us-east-1')).dial, 40);
  const impatient = await connectTo(t, s, { timeout: 0.3 });
  const intent = { field: 'trafficDial', endpointGroupArn: s.groupArn.get('TCP:80 us-east-1') as string, value: 41 } as const;
  await t.rejects(steer(impatient, [intent]), { code: 'GACTL_ERR_TIMEOUT', exitCode: 3, message: 'timed out after 0.3 s waiting for DEPLOYED (the accelerator is still IN_PROGRESS)' });
  t.equal((await s.group('TCP:80', 'us-east-1')).dial, 40, 'nothing written into the other transaction');
  await s.emulator.deployed();
  await t.rejects(steer(impatient, [intent]), {
    code: 'GACTL_ERR_TIMEOUT', message: 'timed out after 0.3 s waiting for DEPLOYED (the accelerator is still IN_PROGRESS): the change is made but not deployed yet (`gactl wait` waits again)',
  });
  t.equal((await s.group('TCP:80', 'us-east-1')).dial, 41);
});
