import t from 'tap';
import {
  ImdsClient,
  InvalidOptionError,
  MetadataRequestError,
  MetadataTimeoutError,
  MetadataUnauthorizedError,
} from '../src/index.js';
import { startFakeImds } from './fixtures/fake-imds.js';

t.test('IMDSv2 token flow: PUT a token with a TTL, then GET with it', async (t) => {
  const fake = await startFakeImds();
  t.teardown(fake.close);
  const c = new ImdsClient({ endpoint: fake.url, tokenTtlSeconds: 120 });
  t.equal(await c.get('instance-id'), 'i-0e32d5b1a3f76cc05');
  t.equal(await c.get('placement/availability-zone'), 'us-west-2c');
  const [put, ...gets] = fake.requests;
  t.same(put && { method: put.method, path: put.path, ttl: put.ttl }, { method: 'PUT', path: '/latest/api/token', ttl: '120' });
  t.equal(gets.length, 2, 'the token is reused');
  t.ok(gets.every((g) => g.method === 'GET' && g.token !== undefined));
});

t.test('a 404 for an optional field is undefined, not an error', async (t) => {
  const fake = await startFakeImds();
  t.teardown(fake.close);
  fake.paths.delete('public-ipv4');
  const c = new ImdsClient({ endpoint: fake.url });
  t.equal(await c.get('public-ipv4'), undefined);
});

t.test('an expired token is replaced once; a refused one is a coded error', async (t) => {
  const fake = await startFakeImds();
  t.teardown(fake.close);
  const c = new ImdsClient({ endpoint: fake.url });
  t.equal(await c.get('instance-id'), 'i-0e32d5b1a3f76cc05');
  fake.expireAllTokens();
  t.equal(await c.get('instance-id'), 'i-0e32d5b1a3f76cc05', 'renewed after 401');
  t.equal(fake.requests.filter((r) => r.method === 'PUT').length, 2);

  fake.bornExpired = 10; // every token it hands out is already dead
  fake.expireAllTokens();
  await t.rejects(c.get('instance-id'), MetadataUnauthorizedError);
  await t.rejects(c.get('instance-id'), { code: 'IDENTITY_ERR_IMDS_UNAUTHORIZED', path: '/latest/meta-data/instance-id' });
});

t.test('token refused with 403 (IMDS off or hop limit): coded error, no IMDSv1 fallback', async (t) => {
  const fake = await startFakeImds();
  t.teardown(fake.close);
  fake.token = { kind: 'status', status: 403 };
  const c = new ImdsClient({ endpoint: fake.url });
  await t.rejects(c.get('instance-id'), { code: 'IDENTITY_ERR_IMDS_UNAUTHORIZED', statusCode: 403 });
  t.notOk(fake.requests.some((r) => r.method === 'GET'), 'never tried IMDSv1 GET without a token');
});

t.test('a hanging service times out quickly with a clear error (one retry)', async (t) => {
  const fake = await startFakeImds();
  t.teardown(fake.close);
  fake.paths.set('instance-id', { kind: 'hang' });
  const c = new ImdsClient({ endpoint: fake.url, timeoutMs: 150 });
  const start = Date.now();
  const e = await c.get('instance-id').catch((e: unknown) => e);
  t.type(e, MetadataTimeoutError);
  t.match((e as Error).message, /instance metadata \/latest\/meta-data\/instance-id: no answer within 150 ms/);
  const took = Date.now() - start;
  t.ok(took < 1500, `gave up after ${took} ms`);
  t.equal(fake.requests.filter((r) => r.path === '/latest/meta-data/instance-id').length, 2, 'tried twice');
});

t.test('a body that trickles past the timeout also times out', async (t) => {
  const fake = await startFakeImds();
  t.teardown(fake.close);
  fake.paths.set('instance-id', { kind: 'slow-body', body: 'i-0e32d5b1a3f76cc05', delayMs: 2000 });
  const c = new ImdsClient({ endpoint: fake.url, timeoutMs: 100 });
  await t.rejects(c.get('instance-id'), { code: 'IDENTITY_ERR_IMDS_TIMEOUT' });
});

t.test('a token endpoint that hangs times out', async (t) => {
  const fake = await startFakeImds();
  t.teardown(fake.close);
  fake.token = { kind: 'hang' };
  const c = new ImdsClient({ endpoint: fake.url, timeoutMs: 100 });
  await t.rejects(c.get('instance-id'), { code: 'IDENTITY_ERR_IMDS_TIMEOUT', path: '/latest/api/token' });
});

t.test('5xx is retried once, then a coded request error', async (t) => {
  const fake = await startFakeImds();
  t.teardown(fake.close);
  fake.paths.set('instance-id', { kind: 'status', status: 503 });
  const c = new ImdsClient({ endpoint: fake.url });
  await t.rejects(c.get('instance-id'), MetadataRequestError);
  await t.rejects(c.get('instance-id'), { statusCode: 503, code: 'IDENTITY_ERR_IMDS_REQUEST' });
  t.equal(fake.requests.filter((r) => r.path === '/latest/meta-data/instance-id').length, 4, 'two tries per call');
});

t.test('nothing listening: a request error naming the endpoint', async (t) => {
  const fake = await startFakeImds();
  const url = fake.url;
  await fake.close();
  const c = new ImdsClient({ endpoint: url, timeoutMs: 200 });
  const e = await c.get('instance-id').catch((e: unknown) => e);
  t.type(e, MetadataRequestError);
  t.match((e as Error).message, `cannot reach ${url}`);
});

t.test('an empty token is rejected', async (t) => {
  const fake = await startFakeImds();
  t.teardown(fake.close);
  fake.token = { kind: 'value', body: '' };
  await t.rejects(new ImdsClient({ endpoint: fake.url }).get('instance-id'), { code: 'IDENTITY_ERR_IMDS_REQUEST' });
});

t.test('endpoint from AWS_EC2_METADATA_SERVICE_ENDPOINT; options validated', async (t) => {
  const fake = await startFakeImds();
  t.teardown(fake.close);
  const c = new ImdsClient({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: fake.url + '/' } });
  t.equal(c.endpoint.origin, fake.url);
  t.equal(await c.get('instance-id'), 'i-0e32d5b1a3f76cc05');
  t.throws(() => new ImdsClient({ endpoint: 'not a url' }), { code: 'IDENTITY_ERR_INVALID_OPTION', option: 'imds.endpoint' });
  t.throws(() => new ImdsClient({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'https://x' } }), { code: 'IDENTITY_ERR_INVALID_OPTION', option: 'AWS_EC2_METADATA_SERVICE_ENDPOINT' });
  t.throws(() => new ImdsClient({ endpoint: fake.url, timeoutMs: 0 }), InvalidOptionError);
  t.throws(() => new ImdsClient({ endpoint: fake.url, tokenTtlSeconds: 21601 }), /imds.tokenTtlSeconds/);
});
