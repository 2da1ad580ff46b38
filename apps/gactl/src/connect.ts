/**
 * A connection: the client, the accelerator it steers (resolved once, by name, ARN or as the
 * account's only one), the validated options and the clock. Every steering operation takes
 * one; the lab and the autopilot keep one open and call setDial/setWeight/... on it.
 */
import type { GlobalAcceleratorClient } from '@aws-sdk/client-global-accelerator';
import { SYSTEM_CLOCK } from './api.js';
import type { Clock } from './api.js';
import { checkClient, createClient } from './client.js';
import { InvalidStateError } from './errors.js';
import { resolveOptions } from './options.js';
import type { GactlOptions, ResolvedOptions } from './options.js';
import { resolveAccelerator } from './status.js';
import type { Reader } from './status.js';

export interface Connection extends Reader {
  readonly acceleratorArn: string;
  readonly options: ResolvedOptions;
  /** Destroy the client if connect() made it (idempotent). */
  close(): void;
}

export interface ConnectDeps {
  /** A client of your own; it must have maxAttempts: 1. Not destroyed by close(). */
  client?: GlobalAcceleratorClient;
  /** Time, sleep and randomness (tests). */
  clock?: Clock;
}

/**
 * Validate the options (InvalidOptionError), make the client and find the accelerator
 * (NotFoundError, AmbiguousError, ApiError).
 */
export async function connect(options: GactlOptions = {}, deps: ConnectDeps = {}): Promise<Connection> {
  const o = resolveOptions(options);
  const own = deps.client === undefined;
  const client = deps.client ?? createClient(o);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    if (own) client.destroy();
  };
  try {
    if (!own) await checkClient(client);
    const reader: Reader = { client, retry: o.retry, clock: deps.clock ?? SYSTEM_CLOCK };
    const acceleratorArn = await resolveAccelerator(reader, o.accelerator);
    return {
      ...reader,
      get client() {
        if (closed) throw new InvalidStateError('the connection is closed');
        return client;
      },
      acceleratorArn,
      options: o,
      close,
    };
  } catch (e) {
    close();
    throw e;
  }
}
