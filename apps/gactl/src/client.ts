/**
 * The Global Accelerator client gactl uses: the SDK's, with its own retries off (maxAttempts 1:
 * api.ts retries, and never resends a stale write) and a request timeout. Where it points:
 * `endpointUrl` when given, else wherever the SDK's own settings say
 * (AWS_ENDPOINT_URL_GLOBAL_ACCELERATOR, AWS_ENDPOINT_URL, else AWS). Its Region: `region` when
 * given, else the SDK's chain (AWS_REGION, the profile), else us-west-2, the only Region the
 * API is in. Credentials: the SDK's usual chain.
 */
import { GlobalAcceleratorClient } from '@aws-sdk/client-global-accelerator';
import { InvalidOptionError } from './errors.js';
import { API_REGION } from './options.js';
import type { ResolvedOptions } from './options.js';

/** The SDK's own Region chain, else us-west-2. */
async function defaultRegion(): Promise<string> {
  const probe = new GlobalAcceleratorClient({});
  try {
    return await probe.config.region();
  } catch {
    return API_REGION;
  } finally {
    probe.destroy();
  }
}

/** A client for the options (the caller destroys it). */
export function createClient(o: Pick<ResolvedOptions, 'endpointUrl' | 'region' | 'requestTimeoutMs'>): GlobalAcceleratorClient {
  return new GlobalAcceleratorClient({
    maxAttempts: 1,
    region: o.region ?? defaultRegion,
    // throwOnRequestTimeout: without it this SDK only logs a warning (on the console) when a request times out.
    requestHandler: { requestTimeout: o.requestTimeoutMs, connectionTimeout: Math.min(o.requestTimeoutMs, 10_000), throwOnRequestTimeout: true },
    ...(o.endpointUrl !== undefined ? { endpoint: o.endpointUrl } : {}),
  });
}

/**
 * A client the caller made: refused unless its SDK retries are off, because the SDK's default
 * strategy resends a stale UpdateEndpointGroup on TransactionInProgressException.
 */
export async function checkClient(client: GlobalAcceleratorClient): Promise<void> {
  const attempts = await client.config.maxAttempts();
  if (attempts !== 1) {
    throw InvalidOptionError.expected('client', 'a GlobalAcceleratorClient with maxAttempts: 1 (gactl retries itself and never resends a stale write)', `maxAttempts ${attempts}`);
  }
}
