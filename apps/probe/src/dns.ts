/**
 * `probe dns`: the seed's `dig @IP id.server txt ch +short` in a loop. Each query goes out from
 * a new socket (UDP: a new source port; TCP: a new connection), so each is a new flow the
 * accelerator routes anew. The identity is the TXT answer, else the NSID (RFC 5001) the server
 * put in its OPT record. Refusals, timeouts, truncation, error RCODEs and answers that do not
 * parse are counted by kind, never thrown.
 */
import { createSocket } from 'node:dgram';
import { isIPv6, connect as tcpConnect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { randomInt } from 'node:crypto';
import packet from 'dns-packet';
import { parseHostPort } from '@anycast-origin/net';
import type { DecodedPacket, RecordClass, RecordType, TxtAnswer } from 'dns-packet';
import { DNS_OPTIONS, resolve } from './options.js';
import type { OptionsInput } from './options.js';
import { pool, tally } from './tally.js';
import type { ErrorKind, MeasureHooks, MeasureReport, Outcome } from './tally.js';

export type MeasureDnsOptions = OptionsInput<typeof DNS_OPTIONS>;

/** EDNS option code of NSID (RFC 5001). */
export const NSID_OPTION = 3;
/** The EDNS UDP payload size we advertise (the DNS flag day 2020 value). */
const EDNS_UDP_SIZE = 1232;

export interface QuerySpec {
  qname: string;
  qclass: string;
  qtype: string;
  nsid: boolean;
}

/** A query in wire format. With nsid, an OPT record carrying an empty NSID option. */
export function buildQuery(q: QuerySpec, id: number): Buffer {
  return packet.encode({
    type: 'query',
    id,
    flags: 0,
    questions: [{ name: q.qname, type: q.qtype as RecordType, class: q.qclass as RecordClass }],
    additionals: q.nsid
      ? [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, options: [{ code: NSID_OPTION, data: Buffer.alloc(0) }] } as never]
      : [],
  });
}

/** What an answer says: its RCODE, TC bit, TXT strings (joined per record) and NSID. */
export interface DnsAnswer {
  id: number;
  rcode: string;
  truncated: boolean;
  txt: string[];
  nsid?: string;
  ancount: number;
}

/** NSID bytes as text when printable ASCII, else hex (as dig shows them). */
function nsidText(b: Buffer): string {
  return /^[\x20-\x7e]*$/.test(b.toString('latin1')) ? b.toString('latin1') : b.toString('hex');
}

/** Decode an answer (throws on bytes that are not a DNS message). */
export function readDnsAnswer(buf: Buffer): DnsAnswer {
  const p = packet.decode(buf) as DecodedPacket & { rcode?: string };
  if (!p.flag_qr) throw new Error('not a response (QR clear)');
  const txt = (p.answers ?? [])
    .filter((a): a is TxtAnswer => a.type === 'TXT')
    .map((a) => (Array.isArray(a.data) ? a.data : [a.data]).map((d) => (typeof d === 'string' ? d : d.toString('utf8'))).join(''));
  let nsid: string | undefined;
  for (const a of p.additionals ?? []) {
    if (a.type !== 'OPT') continue;
    const opt = (a as { options?: { code: number; data?: Buffer }[] }).options?.find((o) => o.code === NSID_OPTION);
    if (opt?.data && opt.data.length > 0) nsid = nsidText(opt.data);
  }
  return { id: p.id ?? 0, rcode: p.rcode ?? 'NOERROR', truncated: p.flag_tc, txt, ...(nsid !== undefined ? { nsid } : {}), ancount: (p.answers ?? []).length };
}

/** The identity an answer names: the first TXT string, else the NSID. */
export function identityFromDnsAnswer(a: DnsAnswer): string | undefined {
  return a.txt.find((s) => s.length > 0) ?? a.nsid;
}

function errorKind(err: unknown): ErrorKind {
  const code = (err as { code?: string }).code;
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'reset';
  return 'other';
}

class Timeout extends Error {
  readonly code = 'ETIMEDOUT';
}

class Closed extends Error {
  readonly code = 'ECONNRESET';
}

/** Send one query over UDP from a new socket; resolves with the first answer carrying our id. */
function udpExchange(host: string, port: number, query: Buffer, sourceAddress: string | undefined, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    const done = (err: Error | null, buf?: Buffer) => {
      clearTimeout(timer);
      sock.removeAllListeners('message');
      sock.on('error', () => {});
      sock.close();
      if (err) reject(err);
      else resolve(buf as Buffer);
    };
    const timer = setTimeout(() => done(new Timeout(`no answer in ${timeoutMs} ms`)), timeoutMs);
    sock.on('error', (err) => done(err));
    // the socket is connected: only the server's address reaches it, so the first datagram is its answer
    sock.on('message', (msg) => done(null, msg));
    sock.bind({ port: 0, ...(sourceAddress ? { address: sourceAddress } : {}) }, () => {
      // connect(): the kernel then delivers ICMP port unreachable as ECONNREFUSED
      sock.connect(port, host, () => sock.send(query));
    });
  });
}

/** Send one query over a new TCP connection (RFC 7766 length prefix); resolves with the answer. */
function tcpExchange(host: string, port: number, query: Buffer, sourceAddress: string | undefined, timeoutMs: number, onConnect: () => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect({ host, port, ...(sourceAddress ? { localAddress: sourceAddress } : {}) });
    let data = Buffer.alloc(0);
    const done = (err: Error | null, buf?: Buffer) => {
      clearTimeout(timer);
      sock.removeAllListeners();
      sock.on('error', () => {});
      sock.destroy();
      if (err) reject(err);
      else resolve(buf as Buffer);
    };
    const timer = setTimeout(() => done(new Timeout(`no answer in ${timeoutMs} ms`)), timeoutMs);
    sock.on('connect', () => {
      onConnect();
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length);
      sock.write(Buffer.concat([len, query]));
    });
    sock.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) done(null, data.subarray(2, 2 + data.readUInt16BE(0)));
      else if (data.length > 2 + 65535) done(new Closed('oversized answer'));
    });
    sock.on('error', (err) => done(err));
    sock.on('close', () => done(new Closed(data.length ? 'connection closed mid-answer' : 'connection closed without an answer')));
  });
}

/** One query's outcome and, when one came, the raw answer (a sweep writes it as `abuf`). */
export interface DnsExchange {
  outcome: Outcome;
  answer?: Buffer;
  decoded?: DnsAnswer;
}

/** One query from a new socket to `host:port`, classified. Never throws. */
export async function dnsOnce(
  host: string,
  port: number,
  o: QuerySpec & { tcp: boolean; sourceAddress?: string | undefined; timeoutMs: number },
): Promise<DnsExchange> {
  const id = randomInt(0, 65536);
  const query = buildQuery(o, id);
  const t0 = performance.now();
  let connectMs: number | undefined;
  const took = () => ({ ...(connectMs !== undefined ? { connectMs } : {}), totalMs: performance.now() - t0 });
  let answer: Buffer;
  try {
    answer = o.tcp
      ? await tcpExchange(host, port, query, o.sourceAddress, o.timeoutMs, () => (connectMs = performance.now() - t0))
      : await udpExchange(host, port, query, o.sourceAddress, o.timeoutMs);
  } catch (err) {
    return { outcome: { ok: false, kind: errorKind(err), detail: `${(err as { code?: string }).code ?? 'error'}: ${(err as Error).message}`, ...took() } };
  }
  const t = took();
  let decoded: DnsAnswer;
  try {
    decoded = readDnsAnswer(answer);
  } catch (err) {
    return { outcome: { ok: false, kind: 'garbage', detail: `undecodable answer of ${answer.length} bytes: ${(err as Error).message}`, ...t }, answer };
  }
  const base = { answer, decoded };
  if (decoded.id !== id) return { outcome: { ok: false, kind: 'garbage', detail: `answer id ${decoded.id}, sent ${id}`, ...t }, ...base };
  if (decoded.truncated && !o.tcp) return { outcome: { ok: false, kind: 'truncated', detail: 'TC set (retry with --tcp)', ...t }, ...base };
  // an error RCODE that carries an NSID still names who answered (RIPE Atlas results are read the same way)
  const identity = identityFromDnsAnswer(decoded);
  if (identity === undefined && decoded.rcode !== 'NOERROR') return { outcome: { ok: false, kind: 'rcode', detail: decoded.rcode, ...t }, ...base };
  if (identity === undefined) return { outcome: { ok: false, kind: 'no-identity', detail: `no TXT answer${o.nsid ? ' and no NSID' : ''}`, ...t }, ...base };
  return { outcome: { ok: true, identity, ...t }, ...base };
}

/**
 * Send `count` queries to `server` and tally who answered. Never throws for a failed query;
 * throws InvalidOptionError for bad options.
 */
export async function measureDns(options: MeasureDnsOptions, hooks: MeasureHooks = {}): Promise<MeasureReport> {
  const o = resolve(DNS_OPTIONS, options);
  const { host, port } = parseHostPort(o.server, { defaultPort: 53, label: 'server' });
  const outcomes = await pool(o.count, o.concurrency, async () => (await dnsOnce(host, port, o)).outcome, hooks.onProgress);
  return tally(o.server, outcomes);
}
