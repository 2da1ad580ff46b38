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
import { DEFAULTS } from './options.js';
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
});
const chSocketError = channel(CHANNELS.socketError);
const chTcpClosed = channel(CHANNELS.tcpClosed);
const chListening = channel(CHANNELS.listening);

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
        recvBufferBytes: DEFAULTS.udpReceiveBufferBytes,
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
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(host, port, err)));
      server.listen({ host, port, exclusive: false }, () => {
        server.removeAllListeners('error');
        server.on('error', (error) => { if (chSocketError.hasSubscribers) chSocketError.publish({ error }); });
        resolve(server);
      });
    });
  }

  private onConnection(s: Socket): void {
    const { idleTimeoutMs, totalTimeoutMs, maxQueriesPerConnection } = this.opts.tcp;
    const t = this.tcpCounters;
    const responder = this.responder;
    t.tcpConnections++;
    t.tcpConnectionsTotal++;
    this.conns.add(s);
    const remote = s.remoteAddress ?? '';
    const v6 = s.remoteFamily === 'IPv6';
    let pending: Buffer | undefined;
    let answered = 0;
    let closing = false;
    const close = (reason: string) => {
      if (closing) return;
      closing = true;
      t.tcpTimeouts++;
      if (chTcpClosed.hasSubscribers) chTcpClosed.publish({ reason, remoteAddress: remote });
      s.destroy();
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
      if (closing) return;
      let buf = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
      pending = undefined;
      while (buf.length >= 2) {
        const len = (buf[0] as number) << 8 | (buf[1] as number);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        const out = responder.respond(msg, remote, v6, true);
        if (out !== null) {
          const framed = Buffer.allocUnsafe(2 + out.length);
          framed.writeUInt16BE(out.length, 0);
          out.copy(framed, 2);
          if (!s.write(framed)) s.pause(); // a client that does not read stops being read
        }
        if (++answered >= maxQueriesPerConnection) {
          closing = true;
          s.end();
          return;
        }
      }
      // At most one partial frame (<= 65537 octets) is kept per connection.
      if (buf.length > 0) pending = Buffer.from(buf);
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
