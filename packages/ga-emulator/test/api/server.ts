/**
 * The API over HTTP, checked with independent clients: the AWS SDK for JavaScript v3
 * (@aws-sdk/client-global-accelerator with `endpoint` and dummy credentials), the AWS CLI
 * (/usr/bin/aws from Debian's awscli, --endpoint-url, --region us-west-2), and raw requests
 * for what neither client sends (bad JSON, a wrong target, a huge body).
 */
import t from 'tap';
import { request } from 'node:http';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import {
  AcceleratorNotFoundException, AddEndpointsCommand, CreateAcceleratorCommand, CreateEndpointGroupCommand, CreateListenerCommand, DeleteAcceleratorCommand,
  DeleteEndpointGroupCommand, DeleteListenerCommand, DescribeAcceleratorCommand, DescribeEndpointGroupCommand, EndpointGroupAlreadyExistsException,
  GlobalAcceleratorClient, InternalServiceErrorException, InvalidArgumentException, ListTagsForResourceCommand, ListenerNotFoundException,
  RemoveEndpointsCommand, TransactionInProgressException, UpdateAcceleratorCommand, UpdateEndpointGroupCommand, paginateListAccelerators,
} from '@aws-sdk/client-global-accelerator';
import { needs, run } from '@anycast-origin/testkit';
import { API_CHANNEL } from '../../src/index.js';
import type { Emulator } from '../../src/index.js';
import { instanceId, startEmulator, waitFor } from '../fixtures/lab.js';

// The AWS CLI is a Python program that starts in 1-3 s per call on a loaded machine: more than the package's 120 s.
t.setTimeout(300_000);

const AWS = '/usr/bin/aws';

function sdk(emulator: Emulator, maxAttempts = 3): GlobalAcceleratorClient {
  return new GlobalAcceleratorClient({ endpoint: emulator.apiUrl, region: 'us-west-2', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'dummy' }, maxAttempts });
}

/** Poll DescribeAccelerator until DEPLOYED, as gactl does (the SDK has no waiter). */
async function untilDeployed(ga: GlobalAcceleratorClient, arn: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await ga.send(new DescribeAcceleratorCommand({ AcceleratorArn: arn }))).Accelerator?.Status === 'DEPLOYED') return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('never DEPLOYED');
}

t.test('the AWS SDK drives a whole lifecycle and parses AWS\'s errors', async (t) => {
  const emulator = await startEmulator(t, { addressPool: '127.61.0.0/24', deploySeconds: 0.05 });
  for (let i = 1; i <= 3; i++) emulator.endpoints.register(instanceId(i), { address: `127.61.1.${i}`, region: 'eu-central-1' });
  const ga = sdk(emulator);
  t.teardown(() => ga.destroy());
  const acc = (await ga.send(new CreateAcceleratorCommand({ Name: 'sdk', IdempotencyToken: 'sdk-1', Tags: [{ Key: 'project', Value: 'anycast-origin' }] }))).Accelerator;
  const arn = acc?.AcceleratorArn as string;
  t.equal(acc?.Status, 'IN_PROGRESS');
  t.ok(acc?.CreatedTime instanceof Date, 'timestamps parse as Dates');
  t.same(acc?.IpSets?.[0]?.IpAddresses, ['127.61.0.1', '127.61.0.2']);
  await untilDeployed(ga, arn);
  const listener = (await ga.send(new CreateListenerCommand({ AcceleratorArn: arn, Protocol: 'UDP', PortRanges: [{ FromPort: 53, ToPort: 53 }], ClientAffinity: 'SOURCE_IP', IdempotencyToken: 'l' }))).Listener;
  await untilDeployed(ga, arn);
  const group = (await ga.send(new CreateEndpointGroupCommand({
    ListenerArn: listener?.ListenerArn, EndpointGroupRegion: 'eu-central-1', IdempotencyToken: 'g', TrafficDialPercentage: 60,
    EndpointConfigurations: [{ EndpointId: instanceId(1), Weight: 10 }],
  }))).EndpointGroup;
  t.equal(group?.EndpointDescriptions?.[0]?.HealthState, 'INITIAL');
  await untilDeployed(ga, arn);
  const added = await ga.send(new AddEndpointsCommand({ EndpointGroupArn: group?.EndpointGroupArn, EndpointConfigurations: [{ EndpointId: instanceId(2), Weight: 30 }] }));
  t.same(added.EndpointDescriptions?.map((d) => d.EndpointId), [instanceId(2)]);
  await untilDeployed(ga, arn);
  const described = (await ga.send(new DescribeEndpointGroupCommand({ EndpointGroupArn: group?.EndpointGroupArn }))).EndpointGroup;
  t.same(described?.EndpointDescriptions?.map((d) => [d.EndpointId, d.Weight]), [[instanceId(1), 10], [instanceId(2), 30]]);
  // Read-modify-write of one weight, as gactl does it.
  const updated = (await ga.send(new UpdateEndpointGroupCommand({
    EndpointGroupArn: group?.EndpointGroupArn,
    EndpointConfigurations: described?.EndpointDescriptions?.map((d) => ({ EndpointId: d.EndpointId, Weight: d.EndpointId === instanceId(2) ? 0 : d.Weight, ClientIPPreservationEnabled: d.ClientIPPreservationEnabled })),
  }))).EndpointGroup;
  t.same([updated?.TrafficDialPercentage, updated?.EndpointDescriptions?.map((d) => d.Weight)], [60, [10, 0]]);
  await untilDeployed(ga, arn);

  const err = async (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as Error & { $metadata?: { httpStatusCode?: number; attempts?: number } });
  const notFound = await err(ga.send(new DescribeAcceleratorCommand({ AcceleratorArn: arn.replace(/.{12}$/, '000000000000') })));
  t.ok(notFound instanceof AcceleratorNotFoundException, 'AcceleratorNotFoundException as the SDK\'s own class');
  t.equal(notFound?.$metadata?.httpStatusCode, 400);
  t.match(notFound?.message, 'Accelerator not found');
  t.ok(await err(ga.send(new CreateEndpointGroupCommand({ ListenerArn: listener?.ListenerArn, EndpointGroupRegion: 'eu-central-1', IdempotencyToken: 'g2' }))) instanceof EndpointGroupAlreadyExistsException);
  t.ok(await err(ga.send(new DeleteListenerCommand({ ListenerArn: `${arn}/listener/00000000` }))) instanceof ListenerNotFoundException);
  const invalid = await err(ga.send(new UpdateEndpointGroupCommand({ EndpointGroupArn: group?.EndpointGroupArn, TrafficDialPercentage: 101 })));
  t.ok(invalid instanceof InvalidArgumentException);
  t.match(invalid?.message, 'less than or equal to 100');

  t.ok(await ga.send(new RemoveEndpointsCommand({ EndpointGroupArn: group?.EndpointGroupArn, EndpointIdentifiers: [{ EndpointId: instanceId(1) }] })));
  await untilDeployed(ga, arn);

  const pages: string[] = [];
  await ga.send(new CreateAcceleratorCommand({ Name: 'second', IdempotencyToken: 'sdk-2' }));
  for await (const page of paginateListAccelerators({ client: ga, pageSize: 1 }, {})) pages.push(...(page.Accelerators ?? []).map((a) => a.Name as string));
  t.same(pages, ['sdk', 'second'], 'the SDK paginator follows NextToken');
  t.same((await ga.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags, [{ Key: 'project', Value: 'anycast-origin' }]);

  await ga.send(new DeleteEndpointGroupCommand({ EndpointGroupArn: group?.EndpointGroupArn }));
  await untilDeployed(ga, arn);
  await ga.send(new DeleteListenerCommand({ ListenerArn: listener?.ListenerArn }));
  await untilDeployed(ga, arn);
  await ga.send(new UpdateAcceleratorCommand({ AcceleratorArn: arn, Enabled: false }));
  await untilDeployed(ga, arn);
  await ga.send(new DeleteAcceleratorCommand({ AcceleratorArn: arn }));
  t.ok(await err(ga.send(new DescribeAcceleratorCommand({ AcceleratorArn: arn }))) instanceof AcceleratorNotFoundException, 'deleted');
});

t.test('a change while IN_PROGRESS: TransactionInProgressException, not retried by a client that does not retry', async (t) => {
  // A deploy that lasts longer than the test: the check does not race a short timer.
  const emulator = await startEmulator(t, { addressPool: '127.65.0.0/24', deploySeconds: 3600 });
  const once = sdk(emulator, 1);
  t.teardown(() => once.destroy());
  const arn = (await once.send(new CreateAcceleratorCommand({ Name: 'busy', IdempotencyToken: 'busy' }))).Accelerator?.AcceleratorArn as string;
  t.equal((await once.send(new DescribeAcceleratorCommand({ AcceleratorArn: arn }))).Accelerator?.Status, 'IN_PROGRESS');
  const create = new CreateListenerCommand({ AcceleratorArn: arn, Protocol: 'TCP', PortRanges: [{ FromPort: 80, ToPort: 80 }], IdempotencyToken: 'l' });
  const busy = await once.send(create).then(() => undefined, (e: unknown) => e as Error & { $metadata?: { attempts?: number } });
  t.ok(busy instanceof TransactionInProgressException, 'CreateListener while IN_PROGRESS: TransactionInProgressException as the SDK\'s own class');
  t.equal(busy?.$metadata?.attempts, 1);
  t.match(busy?.message, 'transaction in progress');
  t.same((await once.send(new DescribeAcceleratorCommand({ AcceleratorArn: arn }))).Accelerator?.Status, 'IN_PROGRESS', 'nothing changed');
});

t.test('fault injection: throttling the SDK retries through, internal errors, added latency', async (t) => {
  const emulator = await startEmulator(t, { addressPool: '127.62.0.0/24', faults: { ListAccelerators: { count: 2 } } });
  const ga = sdk(emulator);
  t.teardown(() => ga.destroy());
  const listed = await ga.send(new (await import('@aws-sdk/client-global-accelerator')).ListAcceleratorsCommand({}));
  t.equal(listed.$metadata.attempts, 3, 'two ThrottlingExceptions, the third attempt succeeds');
  t.same(emulator.state().api.ListAccelerators, { ThrottlingException: 2, ok: 1 });
  emulator.faults.set('CreateAccelerator', { error: 'InternalServiceErrorException', count: 1 });
  const once = sdk(emulator, 1);
  t.teardown(() => once.destroy());
  const e = await once.send(new CreateAcceleratorCommand({ Name: 'x', IdempotencyToken: 'x' })).then(() => undefined, (x: unknown) => x as Error & { $metadata: { httpStatusCode: number } });
  t.ok(e instanceof InternalServiceErrorException);
  t.equal(e?.$metadata.httpStatusCode, 500);
  emulator.faults.set('DescribeAccelerator', { latencyMs: 150 });
  const started = performance.now();
  const slow = await once.send(new DescribeAcceleratorCommand({ AcceleratorArn: 'arn:aws:globalaccelerator::123456789012:accelerator/00000000-0000-0000-0000-000000000000' })).catch((x: unknown) => x);
  t.ok(performance.now() - started >= 140, 'latency added before the answer');
  t.ok(slow instanceof AcceleratorNotFoundException, 'and the answer is the real one');
  emulator.faults.set('*', { rate: 1, error: 'AccessDeniedException' });
  t.equal(((await once.send(new CreateAcceleratorCommand({ Name: 'y', IdempotencyToken: 'y' })).catch((x: Error) => x)) as Error).name, 'AccessDeniedException', '* covers every operation (an operation\'s own fault, once used up, no longer shadows it)');
  emulator.faults.clear();
  t.ok(await once.send(new CreateAcceleratorCommand({ Name: 'z', IdempotencyToken: 'z' })));
  t.throws(() => emulator.faults.set('ListAccelerators', { count: 1, rate: 0.5 }), { code: 'GA_EMULATOR_ERR_INVALID_ARGUMENT' });
  t.throws(() => emulator.faults.set('ListAccelerators', { error: 'NoSuchError' } as never), { name: 'InvalidArgumentError', argument: 'faults.ListAccelerators.error' });
});

function raw(emulator: Emulator, method: string, path: string, headers: Record<string, string>, body: string | Buffer): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const url = new URL(emulator.apiUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers, agent: false }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (b += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

t.test('bad requests get AWS\'s errors and the server keeps serving', async (t) => {
  const emulator = await startEmulator(t, { addressPool: '127.63.0.0/24' });
  const calls: unknown[] = [];
  const onCall = (m: unknown) => calls.push(m);
  subscribe(API_CHANNEL, onCall);
  t.teardown(() => unsubscribe(API_CHANNEL, onCall));
  const h = (op: string) => ({ 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `GlobalAccelerator_V20180706.${op}` });
  const cases: [string, Promise<{ status: number; headers: Record<string, unknown>; body: string }>, number, string][] = [
    ['malformed JSON', raw(emulator, 'POST', '/', h('ListAccelerators'), '{"MaxResults": '), 400, 'SerializationException'],
    ['no target', raw(emulator, 'POST', '/', { 'Content-Type': 'application/x-amz-json-1.1' }, '{}'), 400, 'UnknownOperationException'],
    ['another service\'s target', raw(emulator, 'POST', '/', { 'X-Amz-Target': 'DynamoDB_20120810.ListTables' }, '{}'), 400, 'UnknownOperationException'],
    ['a JSON array body', raw(emulator, 'POST', '/', h('ListAccelerators'), '[]'), 400, 'SerializationException'],
    ['a huge body', raw(emulator, 'POST', '/', h('CreateAccelerator'), Buffer.alloc(2 * 1024 * 1024, 'a')), 413, 'SerializationException'],
    ['GET of an unknown path', raw(emulator, 'GET', '/nope', {}, ''), 404, 'UnknownOperationException'],
    ['a list where a structure belongs', raw(emulator, 'POST', '/', h('CreateListener'), JSON.stringify({ AcceleratorArn: 'x', Protocol: 'TCP', IdempotencyToken: 'x', PortRanges: [5] })), 400, 'SerializationException'],
  ];
  for (const [what, p, status, type] of cases) {
    const r = await p.catch((e: Error) => ({ status: -1, headers: {} as Record<string, unknown>, body: e.message }));
    if (r.status === -1 && what === 'a huge body') {
      t.pass('a huge body: the connection was cut before the whole body was sent');
      continue;
    }
    t.equal(r.status, status, `${what}: HTTP ${status}`);
    t.equal(r.headers['x-amzn-errortype'], type, `${what}: x-amzn-errortype ${type}`);
    t.equal((JSON.parse(r.body) as { __type: string }).__type, type, `${what}: __type`);
  }
  const ok = await raw(emulator, 'POST', '/', h('ListAccelerators'), '');
  t.same([ok.status, JSON.parse(ok.body)], [200, { Accelerators: [] }], 'an empty body is an empty input; still serving');
  const metrics = await raw(emulator, 'GET', '/metrics', {}, '');
  t.match(metrics.body, /anycast_ga_emulator_api_requests_total\{operation="ListAccelerators",outcome="ok"\} 1/);
  const state = JSON.parse((await raw(emulator, 'GET', '/_emulator/state', {}, '')).body) as { apiUrl: string };
  t.equal(state.apiUrl, emulator.apiUrl);
  await waitFor(() => calls.length >= 7, 1000, 'API calls published');
  t.ok(calls.some((c) => (c as { statusCode: number }).statusCode === 200));
});

t.test('the AWS CLI works against the emulator and reads its errors', needs(AWS, 'awscli'), async (t) => {
  const emulator = await startEmulator(t, { addressPool: '127.64.0.0/24', deploySeconds: 0.05 });
  emulator.endpoints.register(instanceId(1), { address: '127.64.1.1', region: 'us-west-2' });
  const env = {
    PATH: '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'dummy',
    AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1',
  };
  const aws = async (...args: string[]) => {
    const r = await run(AWS, ['globalaccelerator', ...args, '--endpoint-url', emulator.apiUrl, '--region', 'us-west-2', '--output', 'json'], { env, timeoutMs: 60_000 });
    return { code: r.code, out: r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, Record<string, unknown>>) : {}, err: r.stderr };
  };
  const created = await aws('create-accelerator', '--name', 'cli', '--idempotency-token', 'cli-1', '--tags', 'Key=project,Value=anycast-origin');
  t.equal(created.code, 0, created.err);
  const arn = created.out.Accelerator?.AcceleratorArn as string;
  t.match(arn, /^arn:aws:globalaccelerator::123456789012:accelerator\//);
  await emulator.deployed();
  const listener = await aws('create-listener', '--accelerator-arn', arn, '--protocol', 'TCP', '--port-ranges', 'FromPort=80,ToPort=80', '--idempotency-token', 'l');
  t.equal(listener.code, 0, listener.err);
  await emulator.deployed();
  const group = await aws('create-endpoint-group', '--listener-arn', listener.out.Listener?.ListenerArn as string, '--endpoint-group-region', 'us-west-2',
    '--endpoint-configurations', `EndpointId=${instanceId(1)},Weight=64`, '--idempotency-token', 'g');
  t.equal(group.code, 0, group.err);
  const groupArn = group.out.EndpointGroup?.EndpointGroupArn as string;
  await emulator.deployed();
  const dialed = await aws('update-endpoint-group', '--endpoint-group-arn', groupArn, '--traffic-dial-percentage', '25');
  t.equal(dialed.out.EndpointGroup?.TrafficDialPercentage, 25);
  t.same((dialed.out.EndpointGroup?.EndpointDescriptions as { Weight: number }[]).map((d) => d.Weight), [64], 'endpoints kept');
  await emulator.deployed();
  const listed = await aws('list-accelerators');
  t.same((listed.out.Accelerators as unknown as { Name: string }[]).map((a) => a.Name), ['cli']);
  const notFound = await aws('describe-accelerator', '--accelerator-arn', arn.replace(/.{12}$/, '000000000000'));
  t.equal(notFound.code, 254, 'the CLI exits 254 on a service error');
  t.match(notFound.err, /An error occurred \(AcceleratorNotFoundException\) when calling the DescribeAccelerator operation( \(reached max retries: \d+\))?: Accelerator not found/);
  const tooFar = await aws('update-endpoint-group', '--endpoint-group-arn', groupArn, '--traffic-dial-percentage', '150');
  t.match(tooFar.err, /\(InvalidArgumentException\).*less than or equal to 100/);
  emulator.faults.set('ListListeners', { count: 1 });
  const throttled = await aws('list-listeners', '--accelerator-arn', arn);
  t.match(throttled.err, /\(ThrottlingException\)/, 'the CLI reads an injected ThrottlingException');
});
