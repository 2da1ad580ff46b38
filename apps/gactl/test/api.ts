/**
 * gactl's own retry policy: which failures are tried again (throttling, 5xx, timeouts, reset
 * sockets), which make a write start over (TransactionInProgressException) and which fail at
 * once (LimitExceededException, validation, not found, access denied, refused connections),
 * unlike the SDK's default strategy, which counts the first two as throttling. Backoff is
 * full jitter under a doubling ceiling.
 */
import t from 'tap';
import { backoffMs, classify } from '../src/index.js';
import type { Clock } from '../src/index.js';
import { awsNameOf, toApiError, withRetries } from '../src/api.js';
import { ApiError, GuardError } from '../src/errors.js';

const sdkError = (name: string, status?: number, extra: Record<string, unknown> = {}) => Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status }, ...extra });
const socketError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });

t.test('classify', async (t) => {
  const cases: [Error, string][] = [
    [sdkError('ThrottlingException', 400), 'throttling'],
    [sdkError('TooManyRequestsException', 400), 'throttling'],
    [sdkError('SomethingNew', 429), 'throttling'],
    [sdkError('TransactionInProgressException', 400), 'transaction'],
    [sdkError('LimitExceededException', 400), 'fatal'],
    [sdkError('LimitExceededException', 429), 'fatal'],
    [sdkError('InternalServiceErrorException', 500), 'transient'],
    [sdkError('ServiceUnavailableException', 503), 'transient'],
    [sdkError('UnknownError', 502), 'transient'],
    [sdkError('TimeoutError'), 'transient'],
    [socketError('ECONNRESET'), 'transient'],
    [socketError('ETIMEDOUT'), 'transient'],
    [socketError('ECONNREFUSED'), 'fatal'],
    [socketError('ENOTFOUND'), 'fatal'],
    [sdkError('InvalidArgumentException', 400), 'fatal'],
    [sdkError('AccessDeniedException', 400), 'fatal'],
    [sdkError('EndpointGroupNotFoundException', 400), 'fatal'],
  ];
  for (const [err, kind] of cases) t.equal(classify(err), kind, `${awsNameOf(err)} ${(err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? ''}`);
  t.equal(classify('a string'), 'fatal');
  t.equal(classify(undefined), 'fatal');
});

t.test('errors as gactl reports them: one line, AWS\'s name first', async (t) => {
  const e = toApiError('UpdateEndpointGroup', sdkError('LimitExceededException', 400, { message: 'Too many\n  endpoints.' }));
  t.match(e, { name: 'ApiError', code: 'GACTL_ERR_API', awsName: 'LimitExceededException', operation: 'UpdateEndpointGroup', statusCode: 400, message: 'LimitExceededException: Too many endpoints.' });
  t.match(toApiError('ListListeners', socketError('ECONNRESET')), { awsName: 'ECONNRESET', message: 'ECONNRESET: connect ECONNRESET 127.0.0.1:1' });
  t.match(toApiError('X', 'odd'), { awsName: 'Error', message: 'Error: odd' });
  const guard = new GuardError(['x']);
  t.equal(toApiError('X', guard), guard, 'gactl\'s own errors pass through');
  t.ok(toApiError('X', sdkError('A', 400)) instanceof ApiError);
});

t.test('backoff: full jitter under a doubling ceiling, capped', async (t) => {
  const retry = { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 1000, lostUpdates: 3 };
  t.same([1, 2, 3, 4, 5, 9].map((a) => backoffMs(retry, a, () => 0.999999)), [100, 200, 400, 800, 1000, 1000]);
  t.same([1, 5].map((a) => backoffMs(retry, a, () => 0)), [0, 0]);
  t.equal(backoffMs(retry, 3, () => 0.5), 200);
  t.equal(backoffMs(retry, 10_000, () => 1), 1000, 'no overflow');
});

t.test('withRetries: tries again on throttling and 5xx up to maxAttempts, never on the rest', async (t) => {
  const slept: number[] = [];
  const clock: Clock = { now: () => 0, sleep: async (ms) => void slept.push(ms), random: () => 1 };
  const c = { retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 1000, lostUpdates: 3 }, clock };
  const failing = (errors: Error[]) => {
    let n = 0;
    return async () => {
      const e = errors[n++];
      if (e) throw e;
      return n;
    };
  };
  t.equal(await withRetries(c, 'Op', failing([sdkError('ThrottlingException', 400), sdkError('InternalServiceErrorException', 500), socketError('ECONNRESET')])), 4);
  t.same(slept, [10, 20, 40]);
  slept.length = 0;
  await t.rejects(withRetries(c, 'Op', failing([sdkError('ThrottlingException', 400), sdkError('LimitExceededException', 400)])), { code: 'GACTL_ERR_API', awsName: 'LimitExceededException', operation: 'Op' });
  t.same(slept, [10], 'LimitExceededException: no second try');
  await t.rejects(withRetries(c, 'Op', failing([sdkError('TransactionInProgressException', 400)])), { code: 'GACTL_ERR_API', awsName: 'TransactionInProgressException' }, 'a read never meets one; if it does, it is not resent');
  await t.rejects(withRetries(c, 'Op', failing(Array.from({ length: 9 }, () => sdkError('ThrottlingException', 400)))), { code: 'GACTL_ERR_API', awsName: 'ThrottlingException' });
});
