/**
 * drain/undrain and their record, a tag on the accelerator: the format (keys, hashed long ids,
 * values), what a second drain keeps, an undrain from another connection (another operator's
 * machine: nothing but the accelerator carries the record), a refused drain writes no record,
 * groups gone or no longer holding the endpoint, records gactl did not write.
 */
import t from 'tap';
import { ListTagsForResourceCommand } from '@aws-sdk/client-global-accelerator';
import { drain, drainTagKey, formatDrainValue, groupId, parseDrainValue, readDrainRecord, setWeight, undrain } from '../src/index.js';
import { connectTo, seed } from './fixtures/seed.js';

t.test('the record\'s format', async (t) => {
  t.equal(drainTagKey({ endpointId: 'i-0123456789abcdef0' }), 'gactl:drain:endpoint:i-0123456789abcdef0');
  t.equal(drainTagKey({ region: 'eu-central-1' }), 'gactl:drain:region:eu-central-1');
  const nlb = 'arn:aws:elasticloadbalancing:ap-southeast-1:123456789012:loadbalancer/net/a-network-load-balancer-name-32ch/50dc6c495c0c9188';
  const key = drainTagKey({ endpointId: nlb });
  t.match(key, /^gactl:drain:endpoint:sha256:[0-9a-f]{32}$/, 'too long for a tag key: hashed');
  t.ok(key.length <= 128);
  t.equal(drainTagKey({ endpointId: nlb }), key, 'stable');
  t.equal(groupId('arn:aws:globalaccelerator::1:accelerator/x/listener/0a1b2c3d/endpoint-group/0f1e2d3c4b5a'), '0f1e2d3c4b5a');
  const saved = new Map([['0f1e2d3c4b5a', 128], ['a1b2c3d4e5f6', 37.5]]);
  t.equal(formatDrainValue(saved), '0f1e2d3c4b5a=128 a1b2c3d4e5f6=37.5');
  t.same(parseDrainValue('k', '0f1e2d3c4b5a=128 a1b2c3d4e5f6=37.5'), saved);
  t.throws(() => parseDrainValue('k', 'weight was 128'), { code: 'GACTL_ERR_DRAIN_RECORD', message: 'tag k on the accelerator is not a gactl drain record: "weight was 128"' });
  t.throws(() => parseDrainValue('k', ''), { message: 'tag k on the accelerator records no endpoint group: ""' });
  t.throws(() => parseDrainValue('k', 'abc=-1'), { code: 'GACTL_ERR_DRAIN_RECORD' });
});

t.test('drain an endpoint on one listener, then on all: the first values are kept; undrain from another connection', async (t) => {
  const s = await seed(t, { addressPool: '127.84.1.0/24' });
  const [a, b] = s.instances['us-east-1'] as [string, string];
  const mine = await connectTo(t, s);
  await setWeight(mine, { endpointId: a, weight: 200, listeners: ['UDP:53'] });
  const one = await drain(mine, { endpointId: a }, { listeners: ['TCP:80'] });
  t.same(one.changes.map((c) => [c.listener, c.before, c.after]), [['TCP:80', 128, 0]]);
  const tcp80 = groupId(s.groupArn.get('TCP:80 us-east-1') as string);
  const udp53 = groupId(s.groupArn.get('UDP:53 us-east-1') as string);
  const tcp53 = groupId(s.groupArn.get('TCP:53 us-east-1') as string);
  t.same(one.record, { key: `gactl:drain:endpoint:${a}`, value: `${tcp80}=128`, removed: false });
  const all = await drain(mine, { endpointId: a });
  t.same(all.changes.map((c) => [c.listener, c.before, c.after]), [['UDP:53', 200, 0], ['TCP:53', 128, 0]], 'TCP:80 already 0');
  t.equal(all.record.value, `${tcp80}=128 ${udp53}=200 ${tcp53}=128`, 'TCP:80\'s 128 kept, not the 0 the first drain set');
  const tags = await s.ga.send(new ListTagsForResourceCommand({ ResourceArn: s.acceleratorArn }));
  t.same(tags.Tags, [{ Key: `gactl:drain:endpoint:${a}`, Value: all.record.value }], 'on the accelerator, where any machine reads it');
  t.same((await s.group('TCP:80', 'us-east-1')).weights, { [a]: 0, [b]: 128 });

  // Another operator, another process: only the accelerator is shared.
  const theirs = await connectTo(t, s);
  t.same((await readDrainRecord(theirs, { endpointId: a }))?.saved, new Map([[tcp80, 128], [udp53, 200], [tcp53, 128]]));
  const back = await undrain(theirs, { endpointId: a });
  t.same(back.changes.map((c) => [c.listener, c.before, c.after]), [['TCP:80', 0, 128], ['UDP:53', 0, 200], ['TCP:53', 0, 128]]);
  t.same(back.record, { key: `gactl:drain:endpoint:${a}`, value: all.record.value, removed: true });
  t.same((await s.ga.send(new ListTagsForResourceCommand({ ResourceArn: s.acceleratorArn }))).Tags, [], 'record removed');
  await t.rejects(undrain(theirs, { endpointId: a }), { code: 'GACTL_ERR_DRAIN_RECORD', exitCode: 1 });
});

t.test('a refused drain writes no record; --force drains; undrain skips what is gone', async (t) => {
  const s = await seed(t, { addressPool: '127.84.2.0/24' });
  const conn = await connectTo(t, s);
  for (const region of ['us-east-1', 'us-west-2', 'eu-central-1']) await drain(conn, { region }, { listeners: ['TCP:80'] });
  await t.rejects(drain(conn, { region: 'ap-southeast-1' }, { listeners: ['TCP:80'] }), { code: 'GACTL_ERR_GUARD' });
  t.equal(await readDrainRecord(conn, { region: 'ap-southeast-1' }), undefined, 'no record of a drain that did not happen');
  const forced = await drain(conn, { region: 'ap-southeast-1' }, { listeners: ['TCP:80'], force: true });
  t.equal(forced.changes.length, 1);
  await t.rejects(drain(conn, { endpointId: 'i-0aaaaaaaaaaaaaaa1' }), { code: 'GACTL_ERR_NOT_FOUND' });
  await t.rejects(drain(conn, { endpointId: 'x', region: 'eu-central-1' } as never), { code: 'GACTL_ERR_INVALID_ARGUMENT', message: 'target must be one endpoint id or one Region, got both' });
  await t.rejects(drain(conn, {} as never), { message: 'target must be one endpoint id or one Region, got neither' });
  await t.rejects(undrain(conn, { region: 'eu-centrl' }), { message: 'region must be an AWS Region name like eu-central-1, got "eu-centrl"' });

  // An endpoint drained, then removed from one group behind gactl's back; one group deleted.
  const [e1, e2] = s.instances['us-west-2'] as [string, string];
  await drain(conn, { endpointId: e1 });
  await s.emulator.call('RemoveEndpoints', { EndpointGroupArn: s.groupArn.get('UDP:53 us-west-2'), EndpointIdentifiers: [{ EndpointId: e1 }] });
  await s.emulator.deployed();
  await s.emulator.call('DeleteEndpointGroup', { EndpointGroupArn: s.groupArn.get('TCP:53 us-west-2') });
  await s.emulator.deployed();
  const u = await undrain(conn, { endpointId: e1 });
  t.same(u.warnings, [
    `${e1} is no longer in the endpoint group in us-west-2 of UDP:53: skipped`,
    `endpoint group ${groupId(s.groupArn.get('TCP:53 us-west-2') as string)} recorded by the drain is gone: skipped`,
  ]);
  t.same(u.changes.map((c) => [c.listener, c.after]), [['TCP:80', 128]]);
  t.same((await s.group('UDP:53', 'us-west-2')).weights, { [e2]: 128 });
});

t.test('a tag gactl did not write is not taken for a record', async (t) => {
  const s = await seed(t, { addressPool: '127.84.3.0/24' });
  const conn = await connectTo(t, s);
  await s.emulator.call('TagResource', { ResourceArn: s.acceleratorArn, Tags: [{ Key: 'gactl:drain:region:us-east-1', Value: 'drained by hand' }] });
  await t.rejects(undrain(conn, { region: 'us-east-1' }), { message: 'tag gactl:drain:region:us-east-1 on the accelerator is not a gactl drain record: "drained by hand"' });
  await t.rejects(drain(conn, { region: 'us-east-1' }), { code: 'GACTL_ERR_DRAIN_RECORD' }, 'nor overwritten by a drain');
});
