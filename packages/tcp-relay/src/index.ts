/**
 * @anycast-origin/tcp-relay: a TCP relay for Linux whose bytes never pass through Node's
 * streams. A Node-API addon owns the sockets (the listening ones, and per flow the client's
 * and the upstream's) in an epoll set on Node's own event loop and moves bytes in C; JavaScript
 * is called once per accepted connection, to say where it goes, and once per event-loop turn
 * with the records of the flows that ended in it.
 *
 * ```ts
 * const relay = createTcpRelay({ onFlowEnd: (r) => log(r.target, r.bytesIn, r.bytesOut) });
 * const entry = relay.listen({ host: '127.0.0.1', port: 0, onConnection: (addr) => ({ address: '127.0.0.1', port: 8080, localAddress: addr }) });
 * entry.port; await relay.close();
 * ```
 *
 * The native part is built at install (node-gyp-build: a bundled prebuild, else node-gyp).
 * Where it is missing (another OS, a failed build) `available()` is false and
 * `createTcpRelay` throws TCP_RELAY_ERR_UNAVAILABLE: callers fall back to node:net.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getSystemErrorName } from 'node:util';
import { parseOptions } from '@anycast-origin/options';
import { LISTEN_OPTIONS, OPTIONS } from './options.js';
import type { ConnectionHandler, EndReason, FlowReport, ListenOptions, RelayTarget, TcpRelayOptions } from './options.js';

export { LISTEN_OPTIONS, LISTEN_TABLE_END, LISTEN_TABLE_START, OPTIONS } from './options.js';
export type { ConnectionHandler, EndReason, FlowReport, ListenOptions, RelayTarget, TcpRelayOptions } from './options.js';

/** Mirrors src/tcp_relay.h. */
const CREATE_SPLICE = 1;
const REC_ID = 0;
const REC_KIND = 1;
const REC_REASON = 2;
const REC_ERRNO = 3;
const REC_START = 4;
const REC_TIME = 5;
const REC_BYTES_IN = 6;
const REC_READS_IN = 7;
const REC_BYTES_OUT = 8;
const REC_READS_OUT = 9;
const REC_LOCAL_PORT = 10;
const REC_DOUBLES = 12;
const KIND_END = 2;
const STAT_ACCEPTED = 0;
const STAT_ACTIVE = 1;
const STAT_REFUSED = 2;
const STAT_ACCEPT_ERRORS = 3;
const STAT_ENDED = 4;
const STAT_END_BASE = 4;
const STAT_COUNT = 13;
/** END_* codes 1..8, in order. */
const REASONS: readonly EndReason[] = ['closed', 'client-reset', 'upstream-reset', 'connect-failed', 'idle', 'evicted', 'listener-closed', 'relay-closed'];
/** Records per native-to-JavaScript call. */
const RECORDS_PER_CALL = 256;

type External = object;
interface Binding {
  create(maxFlows: number, idleMs: number, bufferBytes: number, records: ArrayBuffer, stats: ArrayBuffer,
    onAccept: (listenerId: number, flowId: number, address: string, port: number) => RelayTarget | null | undefined,
    onRecords: (count: number) => void, onError: (errno: number, syscall: string) => void, flags: number): External;
  listen(relay: External, host: string, port: number, backlog: number): number;
  port(relay: External, listenerId: number): number;
  unlisten(relay: External, listenerId: number): void;
  collect(relay: External): ArrayBuffer;
  close(relay: External, cb: () => void): void;
  readonly REC_DOUBLES: number;
  readonly STAT_COUNT: number;
}

/** Errors of this package, each with a stable `code`. System errors keep Node's codes (EADDRINUSE...). */
export class TcpRelayError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TcpRelayError';
    this.code = code;
  }
}

/** An option is invalid: `option` names it. */
export class InvalidOptionError extends TcpRelayError {
  readonly option: string;
  constructor(option: string, message: string) {
    super(`${option} ${message}`, 'TCP_RELAY_ERR_INVALID_OPTION');
    this.name = 'InvalidOptionError';
    this.option = option;
  }
}

/** A method called in a state that does not allow it (listen() after close()). */
export class InvalidStateError extends TcpRelayError {
  constructor(message: string) {
    super(message, 'TCP_RELAY_ERR_INVALID_STATE');
    this.name = 'InvalidStateError';
  }
}

export const ERROR_CODES = Object.freeze([
  'TCP_RELAY_ERR_INVALID_OPTION',
  'TCP_RELAY_ERR_INVALID_STATE',
  'TCP_RELAY_ERR_UNAVAILABLE',
] as const);

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
let binding: Binding | null | undefined;
let loadError: Error | undefined;

function load(): Binding | null {
  if (binding !== undefined) return binding;
  binding = null;
  if (process.platform !== 'linux') {
    loadError = new Error(`the relay is built on Linux's epoll, splice and IP_BIND_ADDRESS_NO_PORT; this is ${process.platform}`);
    return binding;
  }
  try {
    const require = createRequire(import.meta.url);
    const gypBuild = require('node-gyp-build') as (dir: string) => unknown;
    const b = gypBuild(ROOT) as Binding;
    if (b.REC_DOUBLES !== REC_DOUBLES || b.STAT_COUNT !== STAT_COUNT) throw new Error(`native layout ${b.REC_DOUBLES}/${b.STAT_COUNT}, expected ${REC_DOUBLES}/${STAT_COUNT}: rebuild the addon`);
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

export interface TcpRelayStats {
  /** Connections accepted. */
  readonly accepted: number;
  /** onConnection returned no target: the client was reset. */
  readonly refused: number;
  /** accept() failures other than an empty queue (EMFILE...). */
  readonly acceptErrors: number;
  /** Flows ended, and how. */
  readonly ended: number;
  readonly endedBy: Readonly<Record<EndReason, number>>;
}

export interface TcpRelayListener {
  /** The bound address and port. */
  readonly host: string;
  readonly port: number;
  /** Stop accepting and close this listener's flows (reason 'listener-closed'; reported before this resolves). Idempotent. */
  close(): Promise<void>;
}

export interface TcpRelay<T extends RelayTarget = RelayTarget> {
  /** Bind and listen. Throws InvalidOptionError, a Node-style system error from the bind (EADDRINUSE...), or InvalidStateError after close(). */
  listen(options: Omit<ListenOptions, 'onConnection'> & { onConnection: ConnectionHandler<T> }): TcpRelayListener;
  /** Totals so far of every open flow that moved bytes since the last collect() (`final` false). */
  collect(): FlowReport<T>[];
  /** Flows open now. */
  readonly activeFlows: number;
  readonly stats: TcpRelayStats;
  /** Close every listener and flow (reported as 'relay-closed'); resolves when every socket is closed. Idempotent. */
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

const errorName = (errno: number): string | undefined => {
  if (errno === 0) return undefined;
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `E${errno}`;
  }
};

/**
 * Create a relay (no socket yet: listen() binds). Throws InvalidOptionError for a bad option
 * and TCP_RELAY_ERR_UNAVAILABLE where the native part is missing.
 */
export function createTcpRelay<T extends RelayTarget = RelayTarget>(options: Omit<TcpRelayOptions, 'onFlowEnd'> & { onFlowEnd?: ((report: FlowReport<T>) => void) | undefined } = {}): TcpRelay<T> {
  const invalid = (option: string, message: string) => new InvalidOptionError(option, message);
  const o = parseOptions(OPTIONS, options, invalid);
  const b = load();
  if (b === null) throw new TcpRelayError(`native TCP relay addon unavailable: ${loadError?.message ?? 'not built'}`, 'TCP_RELAY_ERR_UNAVAILABLE', { cause: loadError });
  const onFlowEnd = o.onFlowEnd as ((report: FlowReport<T>) => void) | undefined;
  const onError = o.onError;

  const recordsAb = new ArrayBuffer(RECORDS_PER_CALL * REC_DOUBLES * 8);
  const records = new Float64Array(recordsAb);
  const statsAb = new ArrayBuffer(STAT_COUNT * 8);
  const stats = new Float64Array(statsAb);
  /** What onConnection returned, by flow id, until the flow's end record. */
  const targets = new Map<number, T>();
  const handlers = new Map<number, ConnectionHandler<T>>();
  const listeners = new Map<number, { host: string; port: number }>();

  const report = (rec: Float64Array, at: number): FlowReport<T> | undefined => {
    const id = rec[at + REC_ID] as number;
    const target = targets.get(id);
    if (target === undefined) return undefined;
    const final = rec[at + REC_KIND] === KIND_END;
    if (final) targets.delete(id);
    return {
      target, final, reason: final ? REASONS[(rec[at + REC_REASON] as number) - 1] : undefined, error: errorName(rec[at + REC_ERRNO] as number),
      startTime: rec[at + REC_START] as number, time: rec[at + REC_TIME] as number,
      bytesIn: rec[at + REC_BYTES_IN] as number, packetsIn: rec[at + REC_READS_IN] as number,
      bytesOut: rec[at + REC_BYTES_OUT] as number, packetsOut: rec[at + REC_READS_OUT] as number, localPort: rec[at + REC_LOCAL_PORT] as number,
    };
  };
  const onAccept = (listenerId: number, flowId: number, address: string, port: number): T | null | undefined => {
    const handler = handlers.get(listenerId);
    const target = handler ? handler(address, port) : null;
    // Any object gets an end record (a malformed one as connect-failed EINVAL); anything else is a refusal.
    if (typeof target === 'object' && target !== null) targets.set(flowId, target);
    return target;
  };
  const onRecords = (count: number) => {
    for (let i = 0; i < count; i++) {
      const r = report(records, i * REC_DOUBLES);
      if (r && onFlowEnd) onFlowEnd(r);
    }
  };
  const onNativeError = (errno: number, syscall: string) => {
    if (onError) onError(systemError(errno, syscall, '', 0));
  };

  const ext = b.create(o.maxFlows, Math.max(1, Math.round(o.idleTimeoutSeconds * 1000)), o.bufferBytes, recordsAb, statsAb, onAccept, onRecords, onNativeError, o.transfer === 'splice' ? CREATE_SPLICE : 0);
  let closing: Promise<void> | undefined;

  const relay: TcpRelay<T> = {
    listen(listenOptions) {
      const { host, port, backlog, onConnection } = parseOptions(LISTEN_OPTIONS, listenOptions, invalid);
      if (closing) throw new InvalidStateError('listen(): the relay is closed');
      let id: number;
      try {
        id = b.listen(ext, host, port, backlog);
      } catch (err) {
        const e = err as { errno?: number; syscall?: string };
        if (typeof e.errno === 'number' && typeof e.syscall === 'string') throw systemError(e.errno, e.syscall, host, port);
        throw err;
      }
      const bound = { host, port: b.port(ext, id) };
      handlers.set(id, onConnection as ConnectionHandler<T>);
      listeners.set(id, bound);
      return {
        ...bound,
        close() {
          // Synchronous: the socket is closed and the flows' end records delivered on return.
          if (listeners.delete(id) && !closing) {
            b.unlisten(ext, id);
            handlers.delete(id);
          }
          return Promise.resolve();
        },
      };
    },
    collect() {
      if (closing) return [];
      const buf = new Float64Array(b.collect(ext));
      const out: FlowReport<T>[] = [];
      for (let at = 0; at < buf.length; at += REC_DOUBLES) {
        const r = report(buf, at);
        if (r) out.push(r);
      }
      return out;
    },
    get activeFlows() {
      return stats[STAT_ACTIVE] as number;
    },
    get stats(): TcpRelayStats {
      return {
        accepted: stats[STAT_ACCEPTED] as number, refused: stats[STAT_REFUSED] as number, acceptErrors: stats[STAT_ACCEPT_ERRORS] as number,
        ended: stats[STAT_ENDED] as number,
        endedBy: Object.fromEntries(REASONS.map((r, i) => [r, stats[STAT_END_BASE + i + 1] as number])) as Record<EndReason, number>,
      };
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        listeners.clear();
        b.close(ext, () => {
          handlers.clear();
          resolve();
        });
      });
      return closing;
    },
  };
  return relay;
}
