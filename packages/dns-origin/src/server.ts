/**
 * One process's sockets: a UDP socket and a TCP listener on the same port number, both
 * answered by one Responder. node:cluster workers create these too: their UDP socket shares
 * the primary's handle and their TCP listener the primary's accept queue.
 */
import cluster from 'node:cluster';
import { createServer } from 'node:net';
import type { Server as TcpServer, Socket } from 'node:net';
import { channel } from 'node:diagnostics_channel';
import { AddressInUseError, ListenError } from './errors.js';
import type { DnsOriginError } from './errors.js';
import { LIMITS } from './options.js';
import type { ResolvedOptions } from './options.js';
import { Responder } from './responder.js';
import { RateLimiter } from './rrl.js';
import { createTcpCounters, snapshot } from './counters.js';
import type { StatsSnapshot, TcpCounters } from './counters.js';
import { DnsOriginError as BaseError } from './errors.js';
import { createUdpEndpoint } from './udp.js';
import type { UdpBackend, UdpEndpoint } from './udp.js';

/** diagnostics_channel names (the library never logs). */
export const CHANNELS = Object.freeze({
  /** { host, udpPort, tcpPort, pid } when a process listens */
  listening: 'anycast-origin:dns-origin:listening',
  /** { error } socket errors that do not stop the server (send failures, resets) */
  socketError: 'anycast-origin:dns-origin:socket-error',
  /** { reason, remoteAddress } a TCP connection closed by the server */
  tcpClosed: 'anycast-origin:dns-origin:tcp-closed',
  /** { pid, code, signal, restarting } workers > 1: a worker exited without being told to */
  workerExit: 'anycast-origin:dns-origin:worker-exit',
});
const chSocketError = channel(CHANNELS.socketError);
const chTcpClosed = channel(CHANNELS.tcpClosed);
const chListening = channel(CHANNELS.listening);

/** Largest DNS message over TCP (a 16-bit length). */
const TCP_MAX = 65_535;
/** The TCP answer buffer: room for many small answers and always for one of TCP_MAX. */
const TCP_OUT_BYTES = 256 * 1024;

export interface Bound {
  address: string;
  udpPort: number;
  tcpPort: number;
  /** How UDP is read and written: 'mmsg' (batched), 'udp_wrap' or 'dgram'. */
  udpBackend: UdpBackend;
}

export class Server {
  readonly responder: Responder;
  readonly tcpCounters: TcpCounters = createTcpCounters();
  private udp: UdpEndpoint | undefined;
  private tcp: TcpServer | undefined;
  private readonly conns = new Set<Socket>();
  /** TCP answers of one chunk are assembled here (Node runs one chunk at a time). */
  private readonly tcpOut = Buffer.allocUnsafe(TCP_OUT_BYTES);

  constructor(private readonly opts: ResolvedOptions) {
    this.responder = new Responder(opts, opts.rrl === false ? undefined : new RateLimiter(opts.rrl));
  }

  snapshot(): StatsSnapshot {
    return snapshot(this.responder.counters, this.tcpCounters);
  }

  /** Bind UDP then TCP on `port` (0: an ephemeral port free for both, a few tries). */
  async listen(port: number): Promise<Bound> {
    const host = this.opts.host;
    const tries = port === 0 ? 20 : 1;
    for (let i = 0; ; i++) {
      const udp = await this.bindUdp(port);
      const udpPort = udp.port;
      try {
        const tcp = await this.listenTcp(udpPort);
        this.udp = udp;
        this.tcp = tcp;
        if (chListening.hasSubscribers) chListening.publish({ host, udpPort, tcpPort: udpPort, pid: process.pid });
        return { address: host, udpPort, tcpPort: udpPort, udpBackend: udp.kind };
      } catch (err) {
        await udp.close();
        if (i + 1 >= tries || (err as DnsOriginError).code !== 'DNS_ORIGIN_ERR_ADDRESS_IN_USE') throw err;
      }
    }
  }

  private async bindUdp(port: number): Promise<UdpEndpoint> {
    const host = this.opts.host;
    const responder = this.responder;
    try {
      return await createUdpEndpoint({
        host,
        port,
        recvBufferBytes: LIMITS.udpReceiveBufferBytes,
        shared: cluster.isWorker,
        backend: this.opts.udpBackend,
        onMessage: (msg, address, _fromPort, v6) => responder.respond(msg, address, v6, false),
        onError: (error) => { if (chSocketError.hasSubscribers) chSocketError.publish({ error }); },
      });
    } catch (err) {
      if (err instanceof BaseError) throw err;
      throw listenError(host, port, err as NodeJS.ErrnoException);
    }
  }

  private listenTcp(port: number): Promise<TcpServer> {
    const host = this.opts.host;
    const server = createServer({ noDelay: true }, (s) => this.onConnection(s));
    server.maxConnections = this.opts.tcp.maxConnections;
    server.on('drop', () => { this.tcpCounters.tcpRefused++; });
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(host, port, err)));
      server.listen({ host, port, exclusive: false }, () => {
        server.removeAllListeners('error');
        server.on('error', (error) => { if (chSocketError.hasSubscribers) chSocketError.publish({ error }); });
        resolve(server);
      });
    });
  }

  /**
   * One TCP connection: length-prefixed queries (RFC 1035 4.2.2, RFC 7766). The answers to
   * the queries of one chunk are written into `tcpOut` and go to the socket as one write (one
   * allocation and one system call per chunk, not per answer). With a query cap
   * (`tcp.maxQueriesPerConnection`), the chunk that reaches it is answered in full, then the
   * server stops reading queries, flushes and closes (RFC 7766 6.2.4: what was read is
   * answered); what arrives later is read and discarded, so the close is a FIN, not a reset
   * that could destroy answers still on their way.
   */
  private onConnection(s: Socket): void {
    const { idleTimeoutMs, totalTimeoutMs, maxQueriesPerConnection: cap } = this.opts.tcp;
    const t = this.tcpCounters;
    const responder = this.responder;
    const out = this.tcpOut;
    t.tcpConnections++;
    t.tcpConnectionsTotal++;
    this.conns.add(s);
    const remote = s.remoteAddress ?? '';
    const v6 = s.remoteFamily === 'IPv6';
    let pending: Buffer | undefined;
    let queries = 0;
    /** 0 reading queries, 1 capped (ended, discarding input), 2 destroyed */
    let state = 0;
    const closed = (reason: string) => {
      t.tcpTimeouts++;
      if (chTcpClosed.hasSubscribers) chTcpClosed.publish({ reason, remoteAddress: remote });
    };
    const close = (reason: string) => {
      if (state === 2) return;
      if (state === 0) closed(reason);
      state = 2;
      s.destroy();
    };
    const send = (len: number): boolean => {
      const b = Buffer.allocUnsafe(len);
      out.copy(b, 0, 0, len);
      return s.write(b);
    };
    const total = setTimeout(() => close('total-timeout'), totalTimeoutMs);
    total.unref();
    s.setTimeout(idleTimeoutMs, () => close('idle-timeout'));
    s.on('error', () => { /* resets are normal: 'close' follows */ });
    s.on('close', () => {
      clearTimeout(total);
      this.conns.delete(s);
      t.tcpConnections--;
    });
    s.on('drain', () => s.resume());
    s.on('data', (chunk: Buffer) => {
      if (state !== 0) return;
      const buf = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
      pending = undefined;
      let pos = 0;
      let w = 0;
      let flowing = true;
      while (buf.length - pos >= 2) {
        const end = pos + 2 + ((buf[pos] as number) << 8 | (buf[pos + 1] as number));
        if (end > buf.length) break;
        if (out.length - w < 2 + TCP_MAX) { flowing = send(w) && flowing; w = 0; }
        const n = responder.respondInto(buf.subarray(pos + 2, end), remote, v6, out, w + 2);
        if (n >= 0) {
          out[w] = n >> 8;
          out[w + 1] = n & 0xff;
          w += 2 + n;
        }
        pos = end;
        queries++;
      }
      if (w > 0) flowing = send(w) && flowing;
      if (cap !== 0 && queries >= cap) {
        state = 1;
        closed('query-cap');
        s.end();
        return;
      }
      if (!flowing) s.pause(); // a client that does not read its answers stops being read
      // At most one partial frame (<= 65537 octets) is kept per connection.
      if (pos < buf.length) pending = Buffer.from(buf.subarray(pos));
    });
  }

  /** Stop accepting TCP connections (drain step 1); open connections finish. */
  closeTcpListener(): Promise<void> {
    const tcp = this.tcp;
    this.tcp = undefined;
    if (tcp === undefined) return Promise.resolve();
    return new Promise((resolve) => tcp.close(() => resolve()));
  }

  /** Close everything: the UDP socket, open TCP connections, the listener. */
  async close(): Promise<void> {
    const closing = this.closeTcpListener();
    for (const s of this.conns) s.destroy();
    const udp = this.udp;
    this.udp = undefined;
    if (udp !== undefined) await udp.close();
    await closing;
  }
}

function listenError(host: string, port: number, err: NodeJS.ErrnoException): DnsOriginError {
  if (err.code === 'EADDRINUSE') return new AddressInUseError(host, port, { cause: err });
  return new ListenError(host, port, err.code ?? err.message, { cause: err });
}
