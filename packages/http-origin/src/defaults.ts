import { availableParallelism } from 'node:os';

/** Every default in one place, with its unit. Frozen. */
export const DEFAULTS = Object.freeze({
  /** Listen address (loopback: a public origin passes '0.0.0.0' or '::' explicitly). */
  host: '127.0.0.1',
  /** TCP port; 0 picks an ephemeral port (listen() returns it). */
  port: 8080,
  /** Drain period in seconds: the accelerator's 30 s health-check interval x threshold 3. */
  drainSeconds: 90,
  /** Largest /data?size=N body, in bytes (1 MiB). */
  maxDataBytes: 1024 * 1024,
  /** The pure-Node uWS fallback is refused unless this is true. */
  allowFallback: false,
  /** Software version reported in /json when none is given. */
  version: '0.0.0',
});

/** Threads default to one per core the process may use (os.availableParallelism()). */
export function defaultThreads(): number {
  return availableParallelism();
}

/** Fixed limits that are not options (documented in the README). */
export const LIMITS = Object.freeze({
  /** Most threads createHttpOrigin accepts. */
  maxThreads: 256,
  /** Largest maxDataBytes accepted (1 GiB). */
  maxDataBytesLimit: 1024 * 1024 * 1024,
  /** Longest drainSeconds accepted (1 day, in seconds). */
  maxDrainSeconds: 86_400,
  /** /data is streamed in chunks of this many bytes (64 KiB) with tryEnd/onWritable. */
  dataChunkBytes: 64 * 1024,
  /** After the listeners close: how long (ms) idle keep-alive connections may still send one last request before they are closed. */
  closeLingerMs: 250,
  /** Longest time (ms) close() waits for a worker thread to end before it is terminated. */
  workerExitTimeoutMs: 5_000,
});
