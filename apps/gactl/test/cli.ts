/**
 * The gactl command as scripts run it (the committed launcher, the built CLI, a fresh process
 * each time) against the emulator: every command in both outputs, the JSON contracts, exit
 * codes 0/1/2/3 with one-line errors naming AWS's error, the environment (GACTL_*, the SDK's
 * AWS_ENDPOINT_URL_GLOBAL_ACCELERATOR), choosing the accelerator, and the changes cross-checked
 * with an independent client, the AWS CLI (/usr/bin/aws, Debian's awscli).
 */
import t from 'tap';
import { needs, run } from '@anycast-origin/testkit';
import { baseEnv, gactl, gactlJson, LISTENERS, REGIONS, seed } from './fixtures/seed.js';

const AWS = '/usr/bin/aws';

/** `aws globalaccelerator <args> --endpoint-url URL --region us-west-2` (dummy credentials), parsed. */
async function awsCli<T>(apiUrl: string, args: string[]): Promise<T> {
  const r = await run(AWS, ['globalaccelerator', ...args, '--endpoint-url', apiUrl, '--region', 'us-west-2', '--output', 'json'], { env: baseEnv(), timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`aws ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

const keys = (o: unknown) => Object.keys(o as object).sort();

t.test('every command against the seed\'s service; JSON contracts; the AWS CLI sees the changes', async (t) => {
  const s = await seed(t, { addressPool: '127.80.1.0/24' });
  const [e1, e2] = s.instances['eu-central-1'] as [string, string];

  await t.test('status: a table with health at a glance, and the JSON contract', async (t) => {
    const table = await gactl(['status'], s.env);
    t.equal(table.code, 0, table.stderr);
    t.equal(table.stderr, '', 'nothing on stderr (not a terminal: no progress)');
    const lines = table.stdout.trimEnd().split('\n');
    t.equal(lines[0], 'accelerator seed  DEPLOYED  enabled');
    t.match(lines[1], /^127\.80\.1\.1 127\.80\.1\.2 {2}a[0-9a-f]{16}\.awsglobalaccelerator\.com$/);
    t.equal(lines[2], s.acceleratorArn);
    t.match(lines[4], /^LISTENER +REGION +DIAL +ENDPOINT +WEIGHT +HEALTH$/);
    t.equal(lines.length, 5 + LISTENERS.length * REGIONS.length * 2, 'a row per endpoint');
    t.match(lines[5], new RegExp(`^TCP:80 +us-east-1 +100 +${s.instances['us-east-1']?.[0]} +128 +HEALTHY$`));
    t.ok(lines.every((l) => l.length <= 100), 'fits 100 columns');

    const { code, json } = await gactlJson<Record<string, unknown>>(['status'], s.env);
    t.equal(code, 0);
    t.same(keys(json), ['accelerator', 'listeners']);
    const acc = json.accelerator as Record<string, unknown>;
    t.same(keys(acc), ['arn', 'dnsName', 'enabled', 'ipAddresses', 'name', 'status']);
    t.match(acc, { name: 'seed', arn: s.acceleratorArn, status: 'DEPLOYED', enabled: true, ipAddresses: ['127.80.1.1', '127.80.1.2'] });
    const listeners = json.listeners as Record<string, unknown>[];
    t.same(listeners.map((l) => [l.protocol, l.ports]), [['TCP', [{ fromPort: 80, toPort: 80 }]], ['UDP', [{ fromPort: 53, toPort: 53 }]], ['TCP', [{ fromPort: 53, toPort: 53 }]]]);
    const l0 = listeners[0] as Record<string, unknown>;
    t.same(keys(l0), ['arn', 'clientAffinity', 'endpointGroups', 'ports', 'protocol']);
    const g0 = (l0.endpointGroups as Record<string, unknown>[])[0] as Record<string, unknown>;
    t.same(keys(g0), ['arn', 'endpoints', 'healthCheck', 'region', 'trafficDial']);
    t.same(g0.healthCheck, { protocol: 'TCP', port: 80, path: null, intervalSeconds: 0.1, thresholdCount: 1 });
    t.same((g0.endpoints as unknown[])[0], { id: s.instances['us-east-1']?.[0], weight: 128, healthState: 'HEALTHY', healthReason: null, clientIpPreservation: true });
  });

  await t.test('dial: the table of changes; the AWS CLI reads the new dial', needs(AWS, 'awscli'), async (t) => {
    const r = await gactl(['dial', 'eu-central-1', '50', '--listener', 'TCP:80', '--listener', 'UDP:53'], s.env);
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stdout, [
      'LISTENER  REGION        WHAT          BEFORE  AFTER',
      'TCP:80    eu-central-1  traffic dial  100     50',
      'UDP:53    eu-central-1  traffic dial  100     50',
      '2 changes, DEPLOYED and verified', '',
    ].join('\n'));
    const g = await awsCli<{ EndpointGroup: { TrafficDialPercentage: number } }>(s.apiUrl, ['describe-endpoint-group', '--endpoint-group-arn', s.groupArn.get('TCP:80 eu-central-1') as string]);
    t.equal(g.EndpointGroup.TrafficDialPercentage, 50);
    const other = await awsCli<{ EndpointGroup: { TrafficDialPercentage: number } }>(s.apiUrl, ['describe-endpoint-group', '--endpoint-group-arn', s.groupArn.get('TCP:53 eu-central-1') as string]);
    t.equal(other.EndpointGroup.TrafficDialPercentage, 100, 'the listener not named is untouched');
  });

  await t.test('weight: the JSON result; the AWS CLI reads every endpoint of the group', needs(AWS, 'awscli'), async (t) => {
    const r = await gactlJson<Record<string, unknown>>(['weight', e1, '64', '--listener', 'TCP:80'], s.env);
    t.equal(r.code, 0, r.stderr);
    t.same(keys(r.json), ['accelerator', 'changes', 'redone', 'status', 'verified', 'warnings']);
    t.same(r.json, {
      accelerator: { arn: s.acceleratorArn, name: 'seed' },
      changes: [{ listener: 'TCP:80', listenerArn: s.listenerArn.get('TCP:80'), region: 'eu-central-1', endpointGroupArn: s.groupArn.get('TCP:80 eu-central-1'), endpointId: e1, field: 'weight', before: 128, after: 64 }],
      warnings: [], status: 'DEPLOYED', verified: true, redone: 0,
    });
    const g = await awsCli<{ EndpointGroup: { EndpointDescriptions: { EndpointId: string; Weight: number; ClientIPPreservationEnabled: boolean }[] } }>(s.apiUrl, ['describe-endpoint-group', '--endpoint-group-arn', s.groupArn.get('TCP:80 eu-central-1') as string]);
    t.same(g.EndpointGroup.EndpointDescriptions.map((e) => [e.EndpointId, e.Weight, e.ClientIPPreservationEnabled]), [[e1, 64, true], [e2, 128, true]]);
  });

  await t.test('drain and undrain an endpoint: the record is a tag the AWS CLI lists, gone after undrain', async (t) => {
    const d = await gactlJson<Record<string, unknown>>(['drain', e2], s.env);
    t.equal(d.code, 0, d.stderr);
    const record = d.json.record as { key: string; value: string; removed: boolean };
    t.equal(record.key, `gactl:drain:endpoint:${e2}`);
    t.match(record.value, /^[0-9a-f]{12}=128 [0-9a-f]{12}=128 [0-9a-f]{12}=128$/);
    t.equal(record.removed, false);
    t.same((d.json.changes as { after: number }[]).map((c) => c.after), [0, 0, 0]);
    for (const l of ['TCP:80', 'UDP:53', 'TCP:53']) t.equal((await s.group(l, 'eu-central-1')).weights[e2], 0);
    await t.test('the AWS CLI lists the tag', needs(AWS, 'awscli'), async (t) => {
      const tags = await awsCli<{ Tags: { Key: string; Value: string }[] }>(s.apiUrl, ['list-tags-for-resource', '--resource-arn', s.acceleratorArn]);
      t.same(tags.Tags, [{ Key: record.key, Value: record.value }]);
    });
    const u = await gactl(['undrain', e2], s.env);
    t.equal(u.code, 0, u.stderr);
    t.match(u.stdout, `drain record: tag ${record.key} = ${record.value} (restored and removed)\n3 changes, DEPLOYED and verified\n`);
    for (const l of ['TCP:80', 'UDP:53', 'TCP:53']) t.equal((await s.group(l, 'eu-central-1')).weights[e2], 128);
    const again = await gactl(['undrain', e2], s.env);
    t.equal(again.code, 1);
    t.equal(again.stderr, `gactl: no drain of endpoint ${e2} is recorded (no tag gactl:drain:endpoint:${e2} on the accelerator): set the value with \`gactl weight\`\n`);
  });

  await t.test('wait', async (t) => {
    const w = await gactlJson<{ status: string; polls: number }>(['wait'], s.env);
    t.equal(w.code, 0);
    t.match(w.json, { accelerator: { arn: s.acceleratorArn }, status: 'DEPLOYED', polls: 1 });
    t.equal((await gactl(['wait'], s.env)).stdout, 'DEPLOYED\n');
  });

  await t.test('exit 1 and 2 from a real process: one line each', async (t) => {
    s.emulator.faults.set('UpdateEndpointGroup', { error: 'LimitExceededException', count: 1 });
    const l = await gactl(['dial', 'eu-central-1', '10'], s.env);
    t.same([l.code, l.stdout, l.stderr], [1, '', 'gactl: LimitExceededException: Processing your request would cause you to exceed an AWS Global Accelerator limit.\n']);
    const u = await gactl(['dial', 'eu-central-1', 'half'], s.env);
    t.same([u.code, u.stdout, u.stderr], [2, '', 'gactl: PERCENT must be a number 0..100 (percent), got "half" (see gactl --help)\n']);
  });
});
