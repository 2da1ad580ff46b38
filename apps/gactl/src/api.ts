/**
 * Every API call goes through here, with the SDK's own retries off (the client has
 * maxAttempts 1). Why: the SDK's default strategy counts TransactionInProgressException and
 * LimitExceededException as throttling and resends the same request; for an
 * UpdateEndpointGroup built by read-modify-write that resends a stale endpoint list (a lost
 * update), and a quota error is not going away. So gactl classifies each failure itself:
 *
 *   throttling    ThrottlingException and kin, HTTP 429      back off and try again
 *   transient     HTTP 5xx, request timeouts, reset sockets   back off and try again
 *   transaction   TransactionInProgressException              the caller redoes its whole read-modify-write
 *   fatal         LimitExceededException, validation, not found, access denied, refused connections: fail at once
 *
 * Reads are simply tried again (`withRetries`); writes are never resent as they were: the
 * steering engine (steer.ts) reads again and rebuilds the request. Backoff is exponential with
 * full jitter, from a clock that tests replace.
 */
import { channel } from 'node:diagnostics_channel';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, GactlError } from './errors.js';
import type { ResolvedOptions } from './options.js';

/** diagnostics_channel names (the library never logs; the command shows these as progress). */
export const CHANNELS = Object.freeze({
  /** `{ operation, error, kind, attempt, delayMs }`: a call failed and will be tried again after delayMs. */
  retry: 'anycast-origin:gactl:retry',
  /** `{ acceleratorArn, status, elapsedMs }`: one DescribeAccelerator poll while waiting for DEPLOYED. */
  wait: 'anycast-origin:gactl:wait',
  /** `{ acceleratorArn, endpointGroupArn, region, listener, changes }`: an UpdateEndpointGroup was accepted. */
  write: 'anycast-origin:gactl:write',
  /** `{ acceleratorArn, endpointGroupArn, reason, attempt }`: a read-modify-write starts over (transaction in progress, retryable error, change undone). */
  redo: 'anycast-origin:gactl:redo',
});
const retryChannel = channel(CHANNELS.retry);

export type Failure = 'throttling' | 'transient' | 'transaction' | 'fatal';

const THROTTLING = new Set([
  'ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'RequestThrottled', 'RequestThrottledException',
  'ThrottledException', 'SlowDown', 'PriorRequestNotComplete', 'ProvisionedThroughputExceededException', 'BandwidthLimitExceeded', 'EC2ThrottledException',
]);
const TRANSIENT = new Set(['InternalServiceErrorException', 'InternalFailure', 'ServiceUnavailableException', 'ServiceUnavailable', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
/** Socket errors worth another try. ECONNREFUSED and ENOTFOUND are not: AWS does not refuse, so the URL is wrong. */
const NETWORK = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** AWS's error name of a failure (`ThrottlingException`), or the socket error code (`ECONNRESET`). */
export function awsNameOf(err: unknown): string {
  const e = (err ?? {}) as SdkError;
  if (e.name && e.name !== 'Error') return e.name;
  return e.code ?? e.name ?? 'Error';
}

function statusOf(err: unknown): number | undefined {
  return ((err ?? {}) as SdkError).$metadata?.httpStatusCode;
}

/** What to do about a failed call. */
export function classify(err: unknown): Failure {
  const name = awsNameOf(err);
  const status = statusOf(err);
  if (name === 'TransactionInProgressException') return 'transaction';
  if (name === 'LimitExceededException') return 'fatal';
  if (THROTTLING.has(name) || status === 429) return 'throttling';
  if (TRANSIENT.has(name) || NETWORK.has(name) || (status !== undefined && status >= 500)) return 'transient';
  return 'fatal';
}

/** The failure as gactl reports it: `ApiError` with AWS's name (gactl's own errors unchanged). */
export function toApiError(operation: string, err: unknown): Error {
  if (err instanceof GactlError) return err;
  const e = (err ?? {}) as SdkError;
  if (!(err instanceof Error)) return new ApiError(operation, 'Error', String(err), undefined);
  return new ApiError(operation, awsNameOf(err), e.message || `${operation} failed`, statusOf(err), { cause: err });
}

/** Time, sleeping and chance, replaceable in tests. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
}
export const SYSTEM_CLOCK: Clock = Object.freeze({ now: () => Date.now(), sleep: (ms: number) => sleep(ms), random: () => Math.random() });

/** Backoff before try `attempt + 1` (attempt counts from 1): full jitter over base * 2^(attempt-1), capped. */
export function backoffMs(retry: ResolvedOptions['retry'], attempt: number, random: () => number): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(random() * ceiling);
}

export interface Caller {
  readonly retry: ResolvedOptions['retry'];
  readonly clock: Clock;
}

/** Sleep the backoff of `attempt` and say so on the retry channel. */
export async function backOff(c: Caller, operation: string, err: unknown, kind: Failure, attempt: number): Promise<void> {
  const delayMs = backoffMs(c.retry, attempt, c.clock.random);
  if (retryChannel.hasSubscribers) retryChannel.publish({ operation, error: awsNameOf(err), kind, attempt, delayMs });
  await c.clock.sleep(delayMs);
}

/**
 * A read: tried up to retry.maxAttempts times on throttling and transient failures; anything
 * else, or the last failure, is thrown as ApiError.
 */
export async function withRetries<T>(c: Caller, operation: string, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      const kind = classify(e);
      if ((kind === 'throttling' || kind === 'transient') && attempt < c.retry.maxAttempts) {
        await backOff(c, operation, e, kind, attempt);
        continue;
      }
      throw toApiError(operation, e);
    }
  }
}
