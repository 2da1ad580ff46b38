/**
 * The UDP hot path. Three backends behind one interface, best first:
 *
 * - `mmsg`: @anycast-origin/udp-mmsg (an optional dependency, Linux): recvmmsg/sendmmsg
 *   batches and one JavaScript call per batch. In cluster workers each worker binds its own
 *   socket with SO_REUSEPORT and the kernel spreads senders over them.
 * - `udp_wrap`: Node's own UDP handle without dgram's per-send JavaScript (below).
 * - `dgram`: node:dgram; cluster workers share the primary's socket through it.
 *
 * udp_wrap, the middle one:
 *
 * dgram.send() costs, per answer: argument normalisation, a fresh buffer list, an address
 * lookup callback, an async-id scope and a closure before the native send. Node's own
 * udp_wrap handle (what dgram wraps) sends the same datagram with one native call that
 * tries a synchronous sendmsg first. Measured side by side under dnsperf on this project's
 * machine: 6-20% more answers per core than the same loop on dgram (benchmarks/README.md).
 *
 * The handle is internal to Node: it is used only when it looks exactly as expected (Node
 * 20-24 expose it through process.binding('udp_wrap') without a warning), and only in a
 * process that does not share its socket through node:cluster (workers keep dgram, which
 * hands the primary's socket to them). Everywhere else `createUdpEndpoint` returns a dgram
 * endpoint with the same interface.
 */
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { getSystemErrorName } from 'node:util';
import type * as UdpMmsg from '@anycast-origin/udp-mmsg';
import { InvalidOptionError } from './errors.js';

/** udpBackend 'mmsg' asked for where the addon is not available. */
class MmsgUnavailableError extends InvalidOptionError {
  constructor(reason: string | undefined) {
    super('udpBackend', `is 'mmsg' but @anycast-origin/udp-mmsg is unavailable here: ${reason ?? 'unknown reason'}`);
  }
}

/** Answers one datagram: the reply to its sender, or null for none. `msg` is only valid during the call. */
export type MessageHandler = (msg: Buffer, address: string, port: number, v6: boolean) => Buffer | null;

export type UdpBackend = 'mmsg' | 'udp_wrap' | 'dgram';
/** The `udpBackend` option: 'auto' picks mmsg, else udp_wrap, else dgram; 'node' never uses the addon. */
export type UdpBackendOption = 'auto' | 'mmsg' | 'node';

/** A bound UDP socket answering through its MessageHandler. */
export interface UdpEndpoint {
  readonly kind: UdpBackend;
  readonly port: number;
  close(): Promise<void>;
}

/** An errno-style error (code EADDRINUSE, ...), as dgram would have given. */
function sysError(syscall: string, err: number, host: string, port: number): NodeJS.ErrnoException {
  const code = getSystemErrorName(err);
  const e = new Error(`${syscall} ${code} ${host}:${port}`) as NodeJS.ErrnoException;
  e.code = code;
  e.errno = err;
  e.syscall = syscall;
  return e;
}

interface RawUdpHandle {
  bind(ip: string, port: number, flags: number): number;
  bind6(ip: string, port: number, flags: number): number;
  send(req: object, list: Buffer[], n: number, port: number, ip: string, hasCallback: boolean): number;
  send6(req: object, list: Buffer[], n: number, port: number, ip: string, hasCallback: boolean): number;
  recvStart(): number;
  bufferSize(size: number, recv: boolean, ctx: Record<string, unknown>): number | undefined;
  getsockname(out: { port?: number }): number;
  close(cb: () => void): void;
  onmessage: ((nread: number, handle: unknown, buf: Buffer | undefined, rinfo: { address: string; family: string; port: number }) => void) | undefined;
}
interface UdpWrapBinding { UDP: new () => RawUdpHandle; SendWrap: new () => object }

let binding: UdpWrapBinding | null | undefined;

/** Node's udp_wrap binding when it has the shape this module was written against, else null. */
export function udpWrap(): UdpWrapBinding | null {
  if (binding !== undefined) return binding;
  binding = null;
  try {
    const major = Number(process.versions.node.split('.')[0]);
    if (major < 20 || major > 24) return binding;
    const b = (process as unknown as { binding(name: string): unknown }).binding('udp_wrap') as Partial<UdpWrapBinding>;
    const proto = b.UDP?.prototype as Record<string, unknown> | undefined;
    const methods = ['bind', 'bind6', 'send', 'send6', 'recvStart', 'bufferSize', 'getsockname', 'close'];
    if (typeof b.SendWrap === 'function' && proto && methods.every((m) => typeof proto[m] === 'function')) binding = b as UdpWrapBinding;
  } catch {
    binding = null;
  }
  return binding;
}

function rawEndpoint(b: UdpWrapBinding, host: string, port: number, recvBufferBytes: number, onMessage: MessageHandler, onError: (e: Error) => void): UdpEndpoint {
  const h = new b.UDP();
  const v6 = isIPv6(host);
  // Flags 0: not IPV6ONLY, so '::' is dual-stack as with dgram (IPv4 clients arrive IPv4-mapped).
  let err = v6 ? h.bind6(host, port, 0) : h.bind(host, port, 0);
  if (err) {
    h.close(() => {});
    throw sysError('bind', err, host, port);
  }
  h.bufferSize(recvBufferBytes, true, {});
  const name: { port?: number } = {};
  h.getsockname(name);
  const SendWrap = b.SendWrap;
  const send = v6 ? h.send6 : h.send;
  let open = true;
  h.onmessage = (nread, _handle, buf, rinfo) => {
    if (nread < 0 || buf === undefined) {
      onError(sysError('recvmsg', nread, host, port));
      return;
    }
    const out = onMessage(buf, rinfo.address, rinfo.port, rinfo.family === 'IPv6');
    if (out === null || !open) return;
    // The request object keeps `out` alive if the kernel queue is full and the send goes
    // asynchronous; with no callback nothing else follows. >= 1: sent synchronously.
    const r = send.call(h, new SendWrap(), [out], 1, rinfo.port, rinfo.address, false);
    if (r < 0) onError(sysError('sendmsg', r, rinfo.address, rinfo.port));
  };
  err = h.recvStart();
  if (err) {
    h.close(() => {});
    throw sysError('recvStart', err, host, port);
  }
  return {
    kind: 'udp_wrap',
    port: name.port ?? port,
    close() {
      if (!open) return Promise.resolve();
      open = false;
      h.onmessage = undefined;
      return new Promise((resolve) => h.close(() => resolve()));
    },
  };
}

function dgramEndpoint(host: string, port: number, recvBufferBytes: number, onMessage: MessageHandler, onError: (e: Error) => void): Promise<UdpEndpoint> {
  const sock = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', recvBufferSize: recvBufferBytes, lookup: literalLookup });
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ address: host, port, exclusive: false }, () => {
      sock.off('error', reject);
      sock.on('error', onError);
      let open = true;
      sock.on('message', (msg, rinfo) => {
        const out = onMessage(msg, rinfo.address, rinfo.port, rinfo.family === 'IPv6');
        if (out !== null && open) sock.send(out, rinfo.port, rinfo.address);
      });
      resolve({
        kind: 'dgram',
        port: sock.address().port,
        close: () => {
          if (!open) return Promise.resolve();
          open = false;
          return new Promise<void>((r) => sock.close(() => r()));
        },
      });
    });
  });
}

type MmsgModule = typeof UdpMmsg;
/** The optional package, loaded once: the module when usable, else why not. */
let mmsg: Promise<{ module: MmsgModule | null; reason?: string }> | undefined;

function mmsgState(): Promise<{ module: MmsgModule | null; reason?: string }> {
  mmsg ??= import('@anycast-origin/udp-mmsg').then(
    (m) => (m.available() ? { module: m } : { module: null, reason: m.unavailableReason() ?? 'not loaded' }),
    (err: Error) => ({ module: null, reason: `@anycast-origin/udp-mmsg is not installed (${err.message})` }),
  );
  return mmsg;
}

/** @anycast-origin/udp-mmsg when it is installed and its native part loads, else null. */
export async function loadMmsg(): Promise<MmsgModule | null> {
  return (await mmsgState()).module;
}

/** Why the mmsg backend cannot be used here (undefined when it can). */
export async function mmsgUnavailableReason(): Promise<string | undefined> {
  return (await mmsgState()).reason;
}

function mmsgEndpoint(m: MmsgModule, host: string, port: number, recvBufferBytes: number, reusePort: boolean, onMessage: MessageHandler, onError: (e: Error) => void): UdpEndpoint {
  const sock = m.openBatchSocket({ host, port, recvBufferBytes, reusePort, onMessage, onError, batch: MMSG_BATCH, maxReplyBytes: MMSG_MAX_REPLY });
  return { kind: 'mmsg', port: sock.port, close: () => sock.close() };
}

/** Datagrams per recvmmsg: enough to empty a busy queue in a few calls, small enough to stay in cache. */
const MMSG_BATCH = 64;
/** Our UDP answers are capped at 1232 bytes (EDNS) or 512; the slot leaves room. */
const MMSG_MAX_REPLY = 4096;

/**
 * Bind a UDP endpoint on host:port. `shared` (a cluster worker): with mmsg the workers bind
 * one port with SO_REUSEPORT; without it dgram shares the primary's socket.
 */
export async function createUdpEndpoint(opts: { host: string; port: number; recvBufferBytes: number; shared: boolean; backend: UdpBackendOption; onMessage: MessageHandler; onError: (e: Error) => void }): Promise<UdpEndpoint> {
  if (opts.backend !== 'node') {
    const m = await loadMmsg();
    if (m) return mmsgEndpoint(m, opts.host, opts.port, opts.recvBufferBytes, opts.shared, opts.onMessage, opts.onError);
    if (opts.backend === 'mmsg') throw new MmsgUnavailableError((await mmsgState()).reason);
  }
  const b = opts.shared ? null : udpWrap();
  if (b) return rawEndpoint(b, opts.host, opts.port, opts.recvBufferBytes, opts.onMessage, opts.onError);
  return dgramEndpoint(opts.host, opts.port, opts.recvBufferBytes, opts.onMessage, opts.onError);
}

/**
 * dgram resolves every send()'s address through `lookup`; the default (dns.lookup) defers
 * even an IP literal to the next tick. Ours only ever sees IP literals (the bind address is
 * validated, replies go to rinfo.address), so it answers synchronously.
 */
function literalLookup(address: string, family: unknown, callback: (err: Error | null, address: string, family: number) => void): void {
  const fam = typeof family === 'number' ? family : isIPv6(address) ? 6 : 4;
  callback(null, address, fam);
}
