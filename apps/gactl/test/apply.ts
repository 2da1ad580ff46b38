/**
 * apply --config: the repository's own infra/anycast.config.json against the seed's service
 * (the same listeners and Regions), with and without changes, a dry run, the seed's EU dial at
 * 50, and what it refuses: per-instance weights it cannot place, a config the accelerator does
 * not match (deploy the infra first), an invalid config, a guard.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { applyDesired, desiredFromConfig, readConfig } from '../src/index.js';
import { connectTo, gactl, gactlHere, seed } from './fixtures/seed.js';

const SHIPPED = fileURLToPath(new URL('../../../infra/anycast.config.json', import.meta.url));
const shipped = () => JSON.parse(readFileSync(SHIPPED, 'utf8')) as Record<string, unknown>;
const withRegions = (regions: unknown[]) => JSON.stringify({ ...shipped(), artifactPath: '/nonexistent/artifact.tar.gz', regions });

t.test('the shipped config against the service it describes', async (t) => {
  const s = await seed(t, { addressPool: '127.86.1.0/24', name: 'anycast-origin' });
  const [e1] = s.instances['eu-central-1'] as [string, string];
  const dir = t.testdir({
    'eu-50.json': withRegions(['us-east-1', 'us-west-2', { region: 'eu-central-1', trafficDial: 50 }, 'ap-southeast-1']),
    'per-instance.json': withRegions(['us-east-1', 'us-west-2', { region: 'eu-central-1', weight: [200, 56] }, 'ap-southeast-1']),
    'three.json': withRegions(['us-east-1', 'us-west-2', { region: 'eu-central-1', instanceCount: 3 }, 'ap-southeast-1']),
    'elsewhere.json': withRegions(['us-east-1', 'us-west-2', 'eu-central-1', 'eu-west-1']),
    'invalid.json': withRegions(['us-east-1', { region: 'eu-central-1', trafficDial: 150 }]),
    'all-off.json': withRegions(['us-east-1', 'us-west-2', 'eu-central-1', 'ap-southeast-1'].map((region) => ({ region, trafficDial: 0 }))),
  });

  await t.test('nothing to change: it says so and writes nothing', async (t) => {
    const r = await gactl(['apply', '--config', SHIPPED], s.env);
    t.same([r.code, r.stdout, r.stderr], [0, 'nothing to change: every value already holds\nDEPLOYED and verified\n', '']);
    t.equal(s.emulator.state().api.UpdateEndpointGroup, undefined);
  });

  await t.test('after steering by hand: the diff, a dry run that writes nothing, then apply puts the config back', async (t) => {
    t.equal((await gactlHere(['dial', 'eu-central-1', '30'], s.env)).code, 0);
    t.equal((await gactlHere(['weight', e1, '0', '--listener', 'UDP:53'], s.env)).code, 0);
    const writes = s.emulator.state().api.UpdateEndpointGroup?.ok;
    const dry = await gactlHere(['apply', '--config', SHIPPED, '--dry-run'], s.env);
    t.equal(dry.code, 0, dry.stderr);
    t.equal(dry.stdout, [
      'LISTENER  REGION        WHAT                        BEFORE  AFTER',
      'TCP:80    eu-central-1  traffic dial                30      100',
      'UDP:53    eu-central-1  traffic dial                30      100',
      `UDP:53    eu-central-1  weight ${e1}  0       128`,
      'TCP:53    eu-central-1  traffic dial                30      100',
      'dry run: nothing written', '',
    ].join('\n'));
    t.equal(s.emulator.state().api.UpdateEndpointGroup?.ok, writes, 'nothing written');
    const json = await gactlHere(['--output', 'json', 'apply', '--config', SHIPPED, '--dry-run'], s.env);
    t.match(JSON.parse(json.stdout), { dryRun: true, verified: false, changes: { length: 4 } });
    const r = await gactlHere(['apply', '--config', SHIPPED], s.env);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /^LISTENER .*\n(.*\n){4}4 changes, DEPLOYED and verified\n$/);
    for (const l of ['TCP:80', 'UDP:53', 'TCP:53']) t.same(await s.group(l, 'eu-central-1'), { dial: 100, weights: Object.fromEntries((s.instances['eu-central-1'] as string[]).map((id) => [id, 128])) });
  });

  await t.test('the seed\'s experiment: the EU dial at 50 from the file, as JSON', async (t) => {
    const r = await gactlHere(['--output', 'json', 'apply', '--config', `${dir}/eu-50.json`], s.env);
    t.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { dryRun: boolean; verified: boolean; changes: { listener: string; region: string; after: number }[] };
    t.same(out.changes.map((c) => [c.listener, c.region, c.after]), [['TCP:80', 'eu-central-1', 50], ['UDP:53', 'eu-central-1', 50], ['TCP:53', 'eu-central-1', 50]]);
    t.match(out, { dryRun: false, verified: true });
  });

  await t.test('refused: weights it cannot place (2), an accelerator that does not match (1), an invalid config (2), a guard (1)', async (t) => {
    const per = await gactlHere(['apply', '--config', `${dir}/per-instance.json`], s.env);
    t.same([per.code, per.stderr], [2, 'gactl: the config gives eu-central-1\'s instances different weights (200, 56): the Global Accelerator API does not say which endpoint is which instance, so gactl cannot place them; give the region one weight, or steer with `gactl weight`\n']);
    const three = await gactlHere(['apply', '--config', `${dir}/three.json`], s.env);
    t.same([three.code, three.stderr], [1, 'gactl: the endpoint group in eu-central-1 on TCP:80 has 2 endpoint(s), the config 3 instance(s): deploy the infra first\n']);
    const elsewhere = await gactlHere(['apply', '--config', `${dir}/elsewhere.json`], s.env);
    t.same([elsewhere.code, elsewhere.stderr], [1, 'gactl: the config\'s endpoint group in eu-west-1 on TCP:80 is not on the accelerator: deploy the infra first\n']);
    const invalid = await gactlHere(['apply', '--config', `${dir}/invalid.json`], s.env);
    t.same([invalid.code, invalid.stderr], [2, `gactl: config file ${dir}/invalid.json: regions[1].trafficDial must be a number 0..100 (percent), got 150\n`]);
    const missing = await gactlHere(['apply', '--config', `${dir}/nope.json`], s.env);
    t.equal(missing.code, 2);
    t.match(missing.stderr, new RegExp(`^gactl: config file ${dir}/nope\\.json: `));
    const off = await gactlHere(['apply', '--config', `${dir}/all-off.json`, '--dry-run'], s.env);
    t.equal(off.code, 1);
    t.match(off.stdout, /traffic dial +50 +0\n/, 'the diff is shown before the refusal');
    t.equal(off.stderr, 'gactl: refused: listener TCP:80 would have no Region taking traffic (every traffic dial 0); listener UDP:53 would have no Region taking traffic (every traffic dial 0); listener TCP:53 would have no Region taking traffic (every traffic dial 0) (--force to do it anyway)\n');
    t.equal((await gactlHere(['apply'], s.env)).stderr, 'gactl: --config is required (a non-empty string) (see gactl --help)\n');
  });

  await t.test('the accelerator: the config\'s name, unless --accelerator says otherwise', async (t) => {
    const { GACTL_ACCELERATOR: _a, ...env } = s.env;
    const other = await gactlHere(['--accelerator', 'staging', 'apply', '--config', SHIPPED], env);
    t.same([other.code, other.stderr], [1, 'gactl: no accelerator named staging (there are: anycast-origin)\n']);
  });
});

t.test('the library: desiredFromConfig, and groups the config does not have are left alone with a warning', async (t) => {
  const s = await seed(t, { addressPool: '127.86.2.0/24', name: 'anycast-origin' });
  await s.emulator.call('CreateEndpointGroup', { ListenerArn: s.listenerArn.get('TCP:80'), EndpointGroupRegion: 'sa-east-1', IdempotencyToken: 'sa', TrafficDialPercentage: 7 });
  await s.emulator.deployed();
  const config = readConfig(SHIPPED);
  t.same(desiredFromConfig(config).listeners.map((l) => [l.protocol, l.port, l.groups.map((g) => [g.region, g.trafficDial, g.weight, g.instanceCount])]), [['TCP', 80], ['UDP', 53], ['TCP', 53]].map(([p, port]) => [p, port, [
    ['us-east-1', 100, 128, 2], ['us-west-2', 100, 128, 2], ['eu-central-1', 100, 128, 2], ['ap-southeast-1', 100, 128, 2],
  ]]));
  const conn = await connectTo(t, s);
  const seen: number[] = [];
  const r = await applyDesired(conn, desiredFromConfig(config), {}, { diff: (c) => seen.push(c.length) });
  t.same(seen, [0]);
  t.same(r.warnings, ['the endpoint group in sa-east-1 on TCP:80 is not in the config (a deploy would remove it): left as it is']);
  const [a, b] = s.instances['us-east-1'] as [string, string];
  const byId = await applyDesired(conn, { listeners: [{ protocol: 'UDP', port: 53, groups: [{ region: 'us-east-1', endpoints: [{ id: a, weight: 1 }, { id: b, weight: 2 }] }] }] });
  t.same(byId.changes.map((c) => [c.endpointId, c.after]), [[a, 1], [b, 2]], 'weights by endpoint id (what the lab knows)');
  await t.rejects(applyDesired(conn, { listeners: [{ protocol: 'UDP', port: 53, groups: [{ region: 'us-east-1', endpoints: [{ id: 'i-0nope', weight: 1 }] }] }] }), { code: 'GACTL_ERR_NOT_FOUND' });
  await t.rejects(applyDesired(conn, { listeners: [{ protocol: 'UDP', port: 5353, groups: [] }] }), { message: 'the config\'s listener UDP:5353 is not on the accelerator (listeners: TCP:80, UDP:53, TCP:53): deploy the infra first' });
});
