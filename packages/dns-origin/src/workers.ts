/**
 * workers > 1: node:cluster workers, each with a Server. With the mmsg backend every worker
 * binds its own UDP socket on the port with SO_REUSEPORT and the kernel spreads senders over
 * them; otherwise (Node 20's dgram has no reusePort) the workers' UDP sockets share the
 * primary's handle. TCP connections are handed out round-robin by the primary.
 */
import cluster from 'node:cluster';
import { channel } from 'node:diagnostics_channel';
import type { Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { AddressInUseError, ListenError, WorkerError } from './errors.js';
import type { DnsOriginError } from './errors.js';
import type { ResolvedOptions } from './options.js';
import { isFromWorker, serializeOptions, WORKER_ENV } from './serialize.js';
import type { ToWorker } from './serialize.js';
import { CHANNELS, Server } from './server.js';
import type { Bound } from './server.js';
import type { StatsSnapshot } from './counters.js';

/** The worker entry next to this module: dist/worker.js (or src/worker.ts under a TS loader). */
export const WORKER_ENTRY = fileURLToPath(new URL(`./worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

const REPLY_TIMEOUT_MS = 5000;
const chWorkerExit = channel(CHANNELS.workerExit);
/** Restarts of crashed workers allowed per minute before giving up on that slot. */
const MAX_RESTARTS_PER_MINUTE = 10;

export class WorkerPool {
  private readonly workers = new Set<Worker>();
  private seq = 0;
  private port = 0;
  private stopping = false;
  private restarts: number[] = [];
  private readonly waiters = new Map<number, (m: { stats?: StatsSnapshot }) => void>();

  constructor(private readonly opts: ResolvedOptions) {}

  async listen(): Promise<Bound> {
    const tries = this.opts.port === 0 ? 5 : 1;
    for (let i = 0; ; i++) {
      // Also for a fixed port: with SO_REUSEPORT (mmsg) the workers would join a group that
      // another process of this user already serves instead of failing with EADDRINUSE. The
      // probe binds with the same udpBackend, so 'mmsg' without the addon fails here, before
      // any worker is forked.
      this.port = await probePort(this.opts, this.opts.port);
      try {
        const bound = await Promise.all(Array.from({ length: this.opts.workers }, () => this.fork()));
        return bound[0] as Bound;
      } catch (err) {
        await this.close();
        this.stopping = false;
        if (i + 1 >= tries || (err as DnsOriginError).code !== 'DNS_ORIGIN_ERR_ADDRESS_IN_USE') throw err;
      }
    }
  }

  private fork(): Promise<Bound> {
    cluster.setupPrimary({ exec: WORKER_ENTRY, args: [] });
    const env = { [WORKER_ENV]: serializeOptions({ ...this.opts, port: this.port }) };
    const w = cluster.fork(env);
    this.workers.add(w);
    return new Promise((resolve, reject) => {
      let listening = false;
      w.on('message', (m: unknown) => {
        if (!isFromWorker(m)) return;
        if (m.type === 'listening') { listening = true; resolve({ address: m.address, udpPort: m.udpPort, tcpPort: m.tcpPort, udpBackend: m.udpBackend }); }
        else if (m.type === 'listen-error') {
          const host = this.opts.host;
          reject(m.code === 'DNS_ORIGIN_ERR_ADDRESS_IN_USE' ? new AddressInUseError(host, this.port) : new ListenError(host, this.port, m.message));
        } else if (m.type === 'reply') this.waiters.get(m.seq)?.(m);
      });
      w.on('error', () => { /* 'exit' follows */ });
      w.on('exit', (code, signal) => {
        this.workers.delete(w);
        if (!listening) { reject(new WorkerError(`worker ${w.process.pid} exited before listening (code ${code}, signal ${signal})`)); return; }
        if (this.stopping) return;
        const restarting = this.restart();
        if (chWorkerExit.hasSubscribers) chWorkerExit.publish({ pid: w.process.pid, code, signal, restarting });
      });
    });
  }

  /** Fork a replacement unless too many crashed this minute; says whether it did. */
  private restart(): boolean {
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < 60_000);
    if (this.restarts.length >= MAX_RESTARTS_PER_MINUTE) return false;
    this.restarts.push(now);
    this.fork().catch(() => { /* stats().workers reports fewer workers */ });
    return true;
  }

  private ask(type: ToWorker['type']): Promise<({ stats?: StatsSnapshot } | undefined)[]> {
    return Promise.all([...this.workers].map((w) => new Promise<{ stats?: StatsSnapshot } | undefined>((resolve) => {
      const seq = ++this.seq;
      const timer = setTimeout(() => { this.waiters.delete(seq); resolve(undefined); }, REPLY_TIMEOUT_MS);
      this.waiters.set(seq, (m) => { clearTimeout(timer); this.waiters.delete(seq); resolve(m); });
      try {
        w.send({ dnsOrigin: 1, type, seq } satisfies ToWorker);
      } catch {
        clearTimeout(timer);
        this.waiters.delete(seq);
        resolve(undefined);
      }
    })));
  }

  async stats(): Promise<StatsSnapshot[]> {
    const replies = await this.ask('stats');
    return replies.flatMap((r) => (r?.stats ? [r.stats] : []));
  }

  async closeTcpListener(): Promise<void> {
    await this.ask('close-tcp');
  }

  async close(): Promise<void> {
    this.stopping = true;
    const exits = [...this.workers].map((w) => new Promise<void>((resolve) => {
      if (w.isDead()) { resolve(); return; }
      w.once('exit', () => resolve());
      const kill = setTimeout(() => w.process.kill('SIGKILL'), REPLY_TIMEOUT_MS);
      kill.unref();
    }));
    await this.ask('close');
    await Promise.all(exits);
  }
}

/**
 * Bind `port` (0: any) for UDP and TCP without SO_REUSEPORT and let it go: the port number
 * is free on the host right now (the workers then bind it), or AddressInUseError.
 */
async function probePort(opts: ResolvedOptions, port: number): Promise<number> {
  const probe = new Server({ ...opts, rrl: false });
  const b = await probe.listen(port);
  await probe.close();
  return b.udpPort;
}
