/**
 * @anycast-origin/udp-mmsg: a UDP request/response socket for Linux that reads with
 * recvmmsg(2), calls JavaScript once per batch of datagrams, and sends the replies with one
 * sendmmsg(2). Made for servers that answer every datagram on the spot (DNS): per datagram
 * there is no system call of its own and no entry from native code into JavaScript.
 *
 * ```ts
 * const sock = openBatchSocket({ host: '127.0.0.1', port: 0, onMessage: (msg) => answer(msg) });
 * sock.port; await sock.close();
 * ```
 *
 * `onMessage(msg, address, port, v6)` returns the reply to send back to the sender (or
 * null for none). `msg` is a view into a receive buffer that is reused for the next batch:
 * copy what you keep. The reply is copied before the batch is sent.
 *
 * The native part is built at install (node-gyp-build: a bundled prebuild, else node-gyp).
 * Where it is missing (another OS, a failed build) `available()` is false and
 * `openBatchSocket` throws UDP_MMSG_ERR_UNAVAILABLE: callers fall back to node:dgram.
 */
import { createRequire } from 'node:module';
import { isIPv6 } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getSystemErrorName } from 'node:util';
import { parseOptions } from '@anycast-origin/options';
import { OPTIONS } from './options.js';
import type { BatchSocketOptions } from './options.js';

export { OPTIONS } from './options.js';
export type { BatchSocketOptions, MessageHandler } from './options.js';

/** Mirrors src/udp_mmsg.h. */
const META_LEN = 0;
const META_FLAGS = 1;
const META_FAMILY = 2;
const META_PORT = 3;
const META_ADDR = 4;
const META_TEXT_LEN = 8;
const META_TEXT = 9;
const META_OUT_LEN = 21;
const META_INTS = 24;
const META_FLAG_TRUNCATED = 1;
const OPEN_REUSEPORT = 1;

type External = object;
interface Binding {
  open(host: string, port: number, v6: number, recvBufferBytes: number, batch: number, input: ArrayBuffer, slot: number, meta: ArrayBuffer, output: ArrayBuffer, outSlot: number,
    onBatch: (count: number) => void, onError: (errno: number, syscall: string) => void, flags: number): External;
  port(ep: External): number;
  close(ep: External, cb: () => void): void;
  readonly META_INTS: number;
  readonly MAX_BATCH: number;
}

/** Errors of this package, each with a stable `code`. System errors keep Node's codes (EADDRINUSE...). */
export class UdpMmsgError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UdpMmsgError';
    this.code = code;
  }
}

/** An option is invalid: `option` names it. */
export class InvalidOptionError extends UdpMmsgError {
  readonly option: string;
  constructor(option: string, message: string) {
    super(`${option} ${message}`, 'UDP_MMSG_ERR_INVALID_OPTION');
    this.name = 'InvalidOptionError';
    this.option = option;
  }
}

export const ERROR_CODES = Object.freeze([
  'UDP_MMSG_ERR_INVALID_OPTION',
  'UDP_MMSG_ERR_UNAVAILABLE',
  'UDP_MMSG_ERR_REPLY_TOO_LARGE',
  'UDP_MMSG_ERR_DATAGRAM_TOO_LARGE',
] as const);

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
let binding: Binding | null | undefined;
let loadError: Error | undefined;

function load(): Binding | null {
  if (binding !== undefined) return binding;
  binding = null;
  if (process.platform !== 'linux') {
    loadError = new Error(`recvmmsg/sendmmsg are Linux system calls; this is ${process.platform}`);
    return binding;
  }
  try {
    const require = createRequire(import.meta.url);
    const gypBuild = require('node-gyp-build') as (dir: string) => unknown;
    const b = gypBuild(ROOT) as Binding;
    if (b.META_INTS !== META_INTS) throw new Error(`native layout ${b.META_INTS} ints per record, expected ${META_INTS}: rebuild the addon`);
    binding = b;
  } catch (err) {
    loadError = err as Error;
  }
  return binding;
}

/** Whether the native part is loaded (Linux, built). */
export function available(): boolean {
  return load() !== null;
}

/** Why the native part is not available (undefined when it is). */
export function unavailableReason(): string | undefined {
  load();
  return binding ? undefined : loadError?.message;
}

export interface BatchSocketStats {
  /** Datagrams received. */
  received: number;
  /** Replies handed to sendmmsg. */
  replied: number;
  /** Datagrams dropped because they were larger than maxDatagramBytes. */
  oversized: number;
  /** Sends the kernel refused (full buffer, unreachable destination). */
  sendErrors: number;
  /** recvmmsg calls that returned datagrams. */
  batches: number;
}

export interface BatchSocket {
  /** The bound port. */
  readonly port: number;
  readonly stats: Readonly<BatchSocketStats>;
  /** Stop reading and close the socket; resolves when the port is free. Idempotent. */
  close(): Promise<void>;
}

/** A system error shaped like Node's (code, errno, syscall, address, port). */
function systemError(errno: number, syscall: string, host: string, port: number): NodeJS.ErrnoException {
  let code: string;
  try {
    code = getSystemErrorName(errno);
  } catch {
    code = `E${-errno}`;
  }
  const e = new Error(`${syscall} ${code} ${host.includes(':') ? `[${host}]` : host}:${port}`) as NodeJS.ErrnoException & { address: string; port: number };
  e.code = code;
  e.errno = errno;
  e.syscall = syscall;
  e.address = host;
  e.port = port;
  return e;
}

/**
 * Bind a batched UDP socket and start answering. Throws InvalidOptionError for a bad option,
 * UDP_MMSG_ERR_UNAVAILABLE where the native part is missing, and Node-style system errors
 * (code EADDRINUSE, EADDRNOTAVAIL, EACCES...) when the bind fails.
 */
export function openBatchSocket(options: BatchSocketOptions): BatchSocket {
  const { host, port, onMessage, onError, recvBufferBytes, batch, maxDatagramBytes: slot, maxReplyBytes: outSlot, reusePort } = parseOptions(OPTIONS, options, (option, message) => new InvalidOptionError(option, message));
  const v6 = isIPv6(host);
  // With SO_REUSEPORT set, Linux may hand out as "ephemeral" a port that a reuseport group of
  // the same user already serves, and the new socket would silently take part of its traffic.
  if (reusePort && port === 0) throw new InvalidOptionError('port', 'must be a fixed port with reusePort (port 0 could join another reuseport group of this user), got 0');
  const b = load();
  if (b === null) throw new UdpMmsgError(`native recvmmsg/sendmmsg addon unavailable: ${loadError?.message ?? 'not built'}`, 'UDP_MMSG_ERR_UNAVAILABLE', { cause: loadError });

  // Virtual memory: batch x 64 KiB of receive slots; pages are touched only as datagrams fill them.
  const input = new ArrayBuffer(batch * slot);
  const metaAb = new ArrayBuffer(batch * META_INTS * 4);
  const output = new ArrayBuffer(batch * outSlot);
  const inBuf = Buffer.from(input);
  const outBuf = Buffer.from(output);
  const meta = new Int32Array(metaAb);
  const metaBytes = Buffer.from(metaAb);
  const stats: BatchSocketStats = { received: 0, replied: 0, oversized: 0, sendErrors: 0, batches: 0 };
  const report = (e: Error) => { if (onError) onError(e); };

  // The sender's address as text, kept while the same sender repeats (no string per datagram).
  let lastFamily = 0;
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let lastText = '';

  const onBatch = (count: number) => {
    stats.batches++;
    stats.received += count;
    for (let i = 0; i < count; i++) {
      const m = i * META_INTS;
      if ((meta[m + META_FLAGS] as number) & META_FLAG_TRUNCATED) {
        stats.oversized++;
        report(new UdpMmsgError(`datagram larger than maxDatagramBytes (${slot}) dropped`, 'UDP_MMSG_ERR_DATAGRAM_TOO_LARGE'));
        continue;
      }
      const family = meta[m + META_FAMILY] as number;
      const w0 = meta[m + META_ADDR] as number;
      const w1 = meta[m + META_ADDR + 1] as number;
      const w2 = meta[m + META_ADDR + 2] as number;
      const w3 = meta[m + META_ADDR + 3] as number;
      if (family !== lastFamily || w0 !== a0 || w1 !== a1 || w2 !== a2 || w3 !== a3) {
        const t = (m + META_TEXT) * 4;
        lastText = metaBytes.toString('latin1', t, t + (meta[m + META_TEXT_LEN] as number));
        lastFamily = family; a0 = w0; a1 = w1; a2 = w2; a3 = w3;
      }
      const start = i * slot;
      const reply = onMessage(inBuf.subarray(start, start + (meta[m + META_LEN] as number)), lastText, meta[m + META_PORT] as number, family === 6);
      if (reply === null || reply === undefined) continue;
      if (reply.length > outSlot) {
        report(new UdpMmsgError(`reply of ${reply.length} bytes is larger than maxReplyBytes (${outSlot}); not sent`, 'UDP_MMSG_ERR_REPLY_TOO_LARGE'));
        continue;
      }
      reply.copy(outBuf, i * outSlot);
      meta[m + META_OUT_LEN] = reply.length;
      stats.replied++;
    }
  };
  const onNativeError = (errno: number, syscall: string) => {
    if (syscall === 'sendmmsg') stats.sendErrors++;
    report(systemError(errno, syscall, host, port));
  };

  let ep: External;
  try {
    ep = b.open(host, port, v6 ? 1 : 0, recvBufferBytes, batch, input, slot, metaAb, output, outSlot, onBatch, onNativeError, reusePort ? OPEN_REUSEPORT : 0);
  } catch (err) {
    const e = err as { errno?: number; syscall?: string };
    if (typeof e.errno === 'number' && typeof e.syscall === 'string') throw systemError(e.errno, e.syscall, host, port);
    throw err;
  }
  const boundPort = b.port(ep);
  let closing: Promise<void> | undefined;
  return {
    port: boundPort,
    stats,
    close() {
      closing ??= new Promise<void>((resolve) => b.close(ep, () => resolve()));
      return closing;
    },
  };
}
