/**
 * connect()'s options: defaults, and every refusal naming the option in the one message format.
 */
import t from 'tap';
import { resolveOptions } from '../src/index.js';

t.test('defaults', async (t) => {
  t.same(resolveOptions({}), {
    timeout: 600, wait: true, pollSeconds: 5, requestTimeoutMs: 30_000,
    retry: { maxAttempts: 8, baseDelayMs: 200, maxDelayMs: 20_000, lostUpdates: 3 },
  });
  t.same(resolveOptions(undefined).retry.maxAttempts, 8);
});

t.test('refusals name the option', async (t) => {
  for (const [input, message] of [
    [{ endpointUrl: 'ftp://x' }, 'endpointUrl must be an http:// or https:// URL, got "ftp://x"'],
    [{ region: 'Oregon' }, 'region must be an AWS Region name like eu-central-1, got "Oregon"'],
    [{ timeout: -1 }, 'timeout must be a number 0..86400 (s), got -1'],
    [{ pollSeconds: 0 }, 'pollSeconds must be a number 0.01..60 (s), got 0'],
    [{ retry: { maxAttempts: 0 } }, 'retry.maxAttempts must be an integer 1..100, got 0'],
    [{ retry: { lostUpdates: 11 } }, 'retry.lostUpdates must be an integer 0..10, got 11'],
    [{ retries: 3 }, /^retries is not a known option \(known: endpointUrl, region, accelerator, /],
  ] as [unknown, string | RegExp][]) {
    t.throws(() => resolveOptions(input), { code: 'GACTL_ERR_INVALID_OPTION', message }, JSON.stringify(input));
  }
});
