/**
 * The SDK client gactl makes: its own retries off; the Region from --region, else the SDK's
 * chain, else us-west-2; the API from --endpoint-url, else the SDK's own
 * AWS_ENDPOINT_URL_GLOBAL_ACCELERATOR; a request that takes too long times out and is tried
 * again like a 5xx.
 */
import t from 'tap';
import { createClient, status } from '../src/index.js';
import { connectTo, gactlJson, seed } from './fixtures/seed.js';

const BASE = { endpointUrl: undefined, region: undefined, requestTimeoutMs: 30_000 };

t.test('retries off; the Region: given, the SDK\'s chain, else us-west-2', async (t) => {
  const c = createClient(BASE);
  t.teardown(() => c.destroy());
  t.equal(await c.config.maxAttempts(), 1);
  t.equal(await c.config.region(), 'us-west-2', 'nothing in the chain (test environment)');
  const given = createClient({ ...BASE, region: 'us-east-1' });
  t.teardown(() => given.destroy());
  t.equal(await given.config.region(), 'us-east-1');
  process.env.AWS_REGION = 'eu-west-1';
  t.teardown(() => delete process.env.AWS_REGION);
  const chained = createClient(BASE);
  t.teardown(() => chained.destroy());
  t.equal(await chained.config.region(), 'eu-west-1', 'AWS_REGION');
});

t.test('the API\'s URL from the SDK\'s AWS_ENDPOINT_URL_GLOBAL_ACCELERATOR when gactl is given none', async (t) => {
  const s = await seed(t, { addressPool: '127.85.1.0/24' });
  const { GACTL_ENDPOINT_URL: _url, ...env } = s.env;
  const r = await gactlJson<{ accelerator: { arn: string } }>(['status'], { ...env, AWS_ENDPOINT_URL_GLOBAL_ACCELERATOR: s.apiUrl });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.json.accelerator.arn, s.acceleratorArn);
  const flagWins = await gactlJson<{ accelerator: { arn: string } }>(['--endpoint-url', s.apiUrl, 'status'], { ...env, AWS_ENDPOINT_URL_GLOBAL_ACCELERATOR: 'http://127.0.0.1:9' });
  t.equal(flagWins.code, 0, flagWins.stderr);
});

t.test('a request slower than requestTimeoutMs is a TimeoutError, tried again like a 5xx', async (t) => {
  const s = await seed(t, { addressPool: '127.85.2.0/24' });
  const conn = await connectTo(t, s, { requestTimeoutMs: 300, retry: { maxAttempts: 2 } });
  s.emulator.faults.set('ListListeners', { latencyMs: 2000, count: 2, error: 'ThrottlingException' });
  const started = Date.now();
  await t.rejects(status(conn), { code: 'GACTL_ERR_API', awsName: 'TimeoutError', operation: 'ListListeners' });
  t.ok(Date.now() - started < 1900, 'did not wait for the slow answers');
  s.emulator.faults.set('ListListeners', { latencyMs: 1000, count: 1 });
  t.equal((await status(conn)).listeners.length, 3, 'one slow answer, then a normal one');
});
