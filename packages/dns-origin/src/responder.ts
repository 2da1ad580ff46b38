/**
 * The DNS engine: one query in, one answer (or nothing) out. Decodes only what the answer
 * needs (header, the one question, the OPT record); answers are the precomputed templates
 * of ./responses.ts behind a patched header and the echoed question. Over UDP each answer
 * passes response rate limiting (./rrl.ts) under its class: positive answer, negative
 * (NXDOMAIN, NODATA), error, or truncated. Over TCP answers are written straight into the
 * caller's buffer (respondInto), so a batch of answers costs one allocation.
 *
 * Behaviour follows NSD 4.6 and Knot 3.2 (see README "Behaviour"): what both do we do; where
 * they differ we pick one and say which.
 */
import {
  CLASS, EDNS_CLIENT_SUBNET, EDNS_DO, EDNS_NSID, EDNS_UDP_SIZE, FLAG_AA, FLAG_QR, FLAG_RD, FLAG_TC,
  HEADER_SIZE, MAX_LABEL, MAX_NAME, OPCODE_NOTIFY, OPCODE_QUERY, RCODE, TYPE, UDP_MIN_SIZE,
} from './constants.js';
import { ipFromBytes } from '@anycast-origin/net';
import type { ResolvedOptions } from './options.js';
import { RRL_CLASS, RRL_DROP, RRL_PASS } from './rrl.js';
import type { RateLimiter } from './rrl.js';
import type { Answer, Node, ZoneTemplates } from './responses.js';
import { chaosNodes, KIND, whoamiBody, zoneTemplates } from './responses.js';
import { createCounters } from './counters.js';
import type { Counters } from './counters.js';

const TCP_MAX = 65_535;
const EMPTY: Answer = Object.freeze({ kind: KIND.error, rcode: RCODE.NOERROR, aa: false, body: Buffer.alloc(0), an: 0, ns: 0, ar: 0 });
const REFUSED: Answer = Object.freeze({ ...EMPTY, kind: KIND.refused, rcode: RCODE.REFUSED });
const NOTIMP: Answer = Object.freeze({ ...EMPTY, rcode: RCODE.NOTIMP });
const NOTAUTH: Answer = Object.freeze({ ...EMPTY, rcode: RCODE.NOTAUTH });
const FORMERR: Answer = Object.freeze({ ...EMPTY, rcode: RCODE.FORMERR });
const BADVERS: Answer = Object.freeze({ ...EMPTY, rcode: RCODE.BADVERS });

/** Outcome of parsing the question, the additional section and the OPT record. */
const enum Parse {
  OK,
  /**
   * No answer at all: under 12 octets, QR set, or no one question to read (QDCOUNT > 1, or
   * a question that does not parse). Knot drops all of these; NSD answers the last two with
   * FORMERR or NOTIMP, at most 100 a second (ERROR_RATELIMIT) for the whole server.
   */
  DROP,
  /** FORMERR without a question (QDCOUNT 0). */
  FORMERR_BARE,
  /** FORMERR echoing the question. */
  FORMERR,
  /** Opcode other than QUERY and NOTIFY: NOTIMP, header only, opcode echoed (as NSD). */
  NOTIMP,
  /** NOTIFY: NOTAUTH with the question, opcode echoed (as Knot: no notify ACL allows it). */
  NOTIFY,
}

export class Responder {
  readonly counters: Counters = createCounters();
  private readonly chaos: ReadonlyMap<string, Node>;
  private readonly zone: ZoneTemplates | undefined;
  private readonly nsidOption: Buffer | undefined;
  private readonly rrl: RateLimiter | undefined;

  // Scratch state of the query being answered (one query at a time: Node is single-threaded).
  private readonly lname = Buffer.alloc(MAX_NAME + 1);
  private readonly labelStarts = new Uint8Array(128);
  private labels = 0;
  private nameLen = 0;
  private qEnd = 0;
  private qtype = 0;
  private qclass = 0;
  private edns = false;
  private ednsVersion = 0;
  private udpSize = 0;
  private doBit = false;
  private nsid = false;
  private ecs: string | undefined = undefined;
  private tsig = false;
  // The answer being sent: set by prepare() and measure(), written by write().
  private withQuestion = true;
  private opcode = 0;
  private answer: Answer = EMPTY;
  private body: Buffer = EMPTY.body;
  private an = 0;
  private opt = false;
  private nsidOut: Buffer | undefined = undefined;
  private optLen = 0;
  private size = 0;
  private tc = false;

  constructor(opts: ResolvedOptions, rrl?: RateLimiter) {
    this.chaos = chaosNodes(opts);
    this.zone = opts.zone ? zoneTemplates(opts.zone, opts) : undefined;
    if (opts.nsid !== false) {
      const o = Buffer.alloc(4 + opts.nsid.length);
      o.writeUInt16BE(EDNS_NSID, 0);
      o.writeUInt16BE(opts.nsid.length, 2);
      opts.nsid.copy(o, 4);
      this.nsidOption = o;
    }
    this.rrl = rrl;
  }

  /**
   * Answer one message. `address`/`v6` identify the querier (whoami, RRL); `tcp` lifts the
   * UDP size cap and skips RRL. Returns null when nothing must be sent.
   */
  respond(msg: Buffer, address: string, v6: boolean, tcp: boolean): Buffer | null {
    if (!this.prepare(msg, address, v6, tcp)) return null;
    const out = Buffer.allocUnsafe(this.size);
    this.write(msg, out, 0);
    return out;
  }

  /**
   * Answer one message received over TCP straight into `out` at `offset` (which must have
   * room for 65535 octets). Returns the answer's length, or -1 when nothing must be sent.
   */
  respondInto(msg: Buffer, address: string, v6: boolean, out: Buffer, offset: number): number {
    if (!this.prepare(msg, address, v6, true)) return -1;
    this.write(msg, out, offset);
    return this.size;
  }

  /** Parse, look up, size the answer and apply RRL; false when nothing must be sent. */
  private prepare(msg: Buffer, address: string, v6: boolean, tcp: boolean): boolean {
    const c = this.counters;
    c.queries++;
    if (tcp) c.tcpQueries++;
    else c.udpQueries++;
    const p = this.parse(msg);
    let a: Answer;
    this.withQuestion = true;
    this.opcode = 0;
    switch (p) {
      case Parse.DROP:
        c.dropped++;
        return false;
      case Parse.FORMERR_BARE:
        a = FORMERR; this.withQuestion = false; break;
      case Parse.FORMERR:
        a = FORMERR; break;
      case Parse.NOTIMP:
        a = NOTIMP; this.withQuestion = false; this.opcode = ((msg[2] as number) >> 3) & 0x0f; break;
      case Parse.NOTIFY:
        a = NOTAUTH; this.opcode = OPCODE_NOTIFY; break;
      default:
        a = this.lookup(tcp);
    }
    this.measure(a, tcp, false, address);
    if (!tcp && this.rrl !== undefined) {
      const rcode = a.rcode;
      const cls = this.tc ? RRL_CLASS.TRUNCATED
        : rcode === RCODE.NOERROR ? (this.an > 0 ? RRL_CLASS.ANSWER : RRL_CLASS.NEGATIVE)
          : rcode === RCODE.NXDOMAIN ? RRL_CLASS.NEGATIVE : RRL_CLASS.ERROR;
      const verdict = this.rrl.check(address, v6, cls, this.lname, this.nameLen);
      if (verdict !== RRL_PASS) {
        c.rrlLimited++;
        if (verdict === RRL_DROP) { c.rrlDropped++; return false; }
        c.rrlSlipped++;
        this.measure(a, tcp, true, address);
      }
    }
    if (this.tc) c.truncated++;
    if (this.nsidOut !== undefined && this.optLen > 11) c.nsid++;
    c.responses++;
    c.rcodes[a.rcode] = (c.rcodes[a.rcode] ?? 0) + 1;
    c.answers[a.kind]! += 1;
    return true;
  }

  /** Parse header, question and additional section into the scratch fields. */
  private parse(msg: Buffer): Parse {
    const len = msg.length;
    if (len < HEADER_SIZE) return Parse.DROP;
    const b2 = msg[2] as number;
    if (b2 & 0x80) return Parse.DROP; // QR=1: a response, never answer it
    this.edns = false; this.nsid = false; this.ecs = undefined; this.tsig = false; this.qEnd = 0;
    const qd = (msg[4] as number) << 8 | (msg[5] as number);
    const opcode = (b2 >> 3) & 0x0f;
    // The question, when there is exactly one that parses.
    this.nameLen = 0;
    // No single question to read: dropped, as Knot does (it answers only what it can parse
    // up to the end of the question). QDCOUNT 0 gets FORMERR from both.
    if (qd > 1 || (qd === 1 && !this.parseQuestion(msg))) return Parse.DROP;
    if (opcode === OPCODE_NOTIFY && qd === 1) return Parse.NOTIFY;
    if (opcode !== OPCODE_QUERY) return Parse.NOTIMP;
    if (qd === 0) return Parse.FORMERR_BARE;
    const an = (msg[6] as number) << 8 | (msg[7] as number);
    const ns = (msg[8] as number) << 8 | (msg[9] as number);
    if (an !== 0 || ns !== 0) return Parse.FORMERR;
    const ar = (msg[10] as number) << 8 | (msg[11] as number);
    if (ar !== 0 && !this.parseAdditional(msg, ar)) return Parse.FORMERR;
    return Parse.OK;
  }

  /** Read the question name (no compression allowed there) lower-cased into `lname`. */
  private parseQuestion(msg: Buffer): boolean {
    const len = msg.length;
    const lname = this.lname;
    let off = HEADER_SIZE;
    let n = 0;
    let labels = 0;
    for (;;) {
      if (off >= len) return false;
      const l = msg[off] as number;
      if (l === 0) break;
      if (l > MAX_LABEL) return false; // a pointer or an extended label type in the question
      if (off + 1 + l > len || n + 1 + l >= MAX_NAME) return false;
      this.labelStarts[labels++] = n;
      lname[n++] = l;
      off++;
      for (let i = 0; i < l; i++) {
        const ch = msg[off + i] as number;
        lname[n++] = ch >= 0x41 && ch <= 0x5a ? ch | 0x20 : ch;
      }
      off += l;
    }
    lname[n++] = 0;
    off++;
    if (off + 4 > len) return false;
    this.nameLen = n;
    this.labels = labels;
    this.qtype = (msg[off] as number) << 8 | (msg[off + 1] as number);
    this.qclass = (msg[off + 2] as number) << 8 | (msg[off + 3] as number);
    this.qEnd = off + 4;
    return true;
  }

  /** Walk the additional section: at most one OPT (owner root), then at most a TSIG, last. */
  private parseAdditional(msg: Buffer, ar: number): boolean {
    const len = msg.length;
    let off = this.qEnd;
    let seenOpt = false;
    for (let i = 0; i < ar; i++) {
      if (this.tsig) return false; // TSIG must be the last record (RFC 8945 5.1)
      const ownerStart = off;
      // Skip the owner name (compression allowed outside the question).
      for (let hops = 0; ; hops++) {
        if (off >= len || hops > 127) return false;
        const l = msg[off] as number;
        if (l === 0) { off++; break; }
        if ((l & 0xc0) === 0xc0) { off += 2; break; }
        if (l > MAX_LABEL) return false;
        off += 1 + l;
      }
      if (off + 10 > len) return false;
      const type = (msg[off] as number) << 8 | (msg[off + 1] as number);
      const rdlen = (msg[off + 8] as number) << 8 | (msg[off + 9] as number);
      const rdata = off + 10;
      if (rdata + rdlen > len) return false;
      if (type === TYPE.OPT) {
        if (seenOpt || off - ownerStart !== 1) return false; // one OPT, owner root (RFC 6891 6.1.1)
        seenOpt = true;
        this.edns = true;
        this.udpSize = (msg[off + 2] as number) << 8 | (msg[off + 3] as number);
        this.ednsVersion = msg[off + 5] as number;
        this.doBit = (((msg[off + 6] as number) << 8) & EDNS_DO) !== 0;
        if (!this.parseOptions(msg, rdata, rdata + rdlen)) return false;
      } else if (type === TYPE.TSIG) {
        this.tsig = true;
      } else {
        return false; // nothing else belongs in a query's additional section
      }
      off = rdata + rdlen;
    }
    return true;
  }

  private parseOptions(msg: Buffer, start: number, end: number): boolean {
    let off = start;
    while (off < end) {
      if (off + 4 > end) return false;
      const code = (msg[off] as number) << 8 | (msg[off + 1] as number);
      const olen = (msg[off + 2] as number) << 8 | (msg[off + 3] as number);
      const data = off + 4;
      if (data + olen > end) return false;
      if (code === EDNS_NSID) this.nsid = true;
      else if (code === EDNS_CLIENT_SUBNET) this.ecs = parseEcs(msg, data, olen);
      // Every other option is ignored and never echoed.
      off = data + olen;
    }
    return true;
  }

  /** Find the answer for a parsed query. */
  private lookup(tcp: boolean): Answer {
    if (this.edns && this.ednsVersion !== 0) return BADVERS;
    if (this.tsig) return NOTAUTH; // no keys configured: RFC 8945 5.2 BADKEY is NOTAUTH
    const qtype = this.qtype;
    if (qtype === TYPE.AXFR || qtype === TYPE.IXFR) return tcp ? REFUSED : NOTIMP;
    if (qtype === TYPE.MAILA || qtype === TYPE.MAILB || qtype === TYPE.OPT) return NOTIMP;
    const key = this.lname.toString('latin1', 0, this.nameLen);
    if (this.qclass === CLASS.CH) {
      const node = this.chaos.get(key);
      if (node === undefined || node.kind !== 'static') return REFUSED;
      return (qtype === TYPE.ANY ? node.any : node.rrsets.get(qtype)) ?? REFUSED;
    }
    const z = this.zone;
    if (this.qclass !== CLASS.IN || z === undefined || !this.inZone(z)) return REFUSED;
    const node = z.nodes.get(key);
    if (node === undefined) return z.nxdomain;
    if (node.kind === 'hidden') return z.refusedHidden;
    if (node.kind === 'whoami') return qtype === TYPE.TXT || qtype === TYPE.ANY ? WHOAMI : z.nodata;
    return (qtype === TYPE.ANY ? node.any : node.rrsets.get(qtype)) ?? z.nodata;
  }

  private inZone(z: ZoneTemplates): boolean {
    const skip = this.labels - z.apexLabels;
    if (skip < 0) return false;
    const start = skip === 0 ? 0 : (this.labelStarts[skip] as number);
    if (this.nameLen - start !== z.apex.length) return false;
    return this.lname.subarray(start, this.nameLen).equals(z.apex);
  }

  /**
   * Size the answer to `a` for the transport: sets the fields write() uses. Too large for the
   * client's UDP size (or `slip`): TC, only the question and the OPT (NSID dropped if even
   * that does not fit).
   */
  private measure(a: Answer, tcp: boolean, slip: boolean, address: string): void {
    const withQuestion = this.withQuestion;
    const qLen = withQuestion ? this.qEnd - HEADER_SIZE : 0;
    this.answer = a;
    this.body = a.body;
    this.an = a.an;
    if (a === WHOAMI) {
      const w = whoamiBody(address, this.ecs);
      this.body = w.body;
      this.an = w.an;
    }
    // OPT only when the query carried a valid one (never on bare FORMERR/NOTIMP).
    const opt = this.edns && withQuestion && a !== FORMERR && a !== NOTIMP && a !== NOTAUTH;
    const nsid = opt && this.nsid && this.nsidOption !== undefined && a !== BADVERS ? this.nsidOption : undefined;
    let optLen = opt ? 11 + (nsid ? nsid.length : 0) : 0;
    const limit = tcp ? TCP_MAX : this.edns ? Math.max(UDP_MIN_SIZE, Math.min(this.udpSize, EDNS_UDP_SIZE)) : UDP_MIN_SIZE;
    let size = HEADER_SIZE + qLen + this.body.length + optLen;
    const tc = slip || size > limit;
    if (tc) {
      size -= this.body.length;
      if (size > limit && nsid) { size -= nsid.length; optLen = 11; }
    }
    this.opt = opt;
    this.nsidOut = nsid;
    this.optLen = optLen;
    this.size = size;
    this.tc = tc;
  }

  /** Write the measured answer into `out` at `offset`: header, question, records, OPT. */
  private write(msg: Buffer, out: Buffer, offset: number): void {
    const a = this.answer;
    const tc = this.tc;
    // Header: ID echoed; QR, opcode, AA, TC, RD copied; RA/AD/CD clear; rcode (low 4 bits).
    out[offset] = msg[0] as number;
    out[offset + 1] = msg[1] as number;
    const rcode = a.rcode;
    let flags = FLAG_QR | (this.opcode << 11) | (((msg[2] as number) << 8) & FLAG_RD) | (rcode & 0x0f);
    if (a.aa) flags |= FLAG_AA;
    if (tc) flags |= FLAG_TC;
    out.writeUInt16BE(flags, offset + 2);
    out[offset + 4] = 0; out[offset + 5] = this.withQuestion ? 1 : 0;
    let off = offset + HEADER_SIZE;
    if (this.withQuestion) off += msg.copy(out, off, HEADER_SIZE, this.qEnd);
    if (tc) {
      out.writeUInt32BE(0, offset + 6);
    } else {
      out.writeUInt16BE(this.an, offset + 6);
      out.writeUInt16BE(a.ns, offset + 8);
      off += this.body.copy(out, off);
    }
    const opt = this.opt;
    out.writeUInt16BE((tc ? 0 : a.ar) + (opt ? 1 : 0), offset + 10);
    if (opt) {
      out[off++] = 0; // root owner
      out.writeUInt16BE(TYPE.OPT, off); off += 2;
      out.writeUInt16BE(EDNS_UDP_SIZE, off); off += 2;
      out[off++] = rcode >> 4; // extended rcode (BADVERS = 1)
      out[off++] = 0; // version 0
      out.writeUInt16BE(this.doBit ? EDNS_DO : 0, off); off += 2;
      const rdlen = this.optLen - 11;
      out.writeUInt16BE(rdlen, off); off += 2;
      if (rdlen > 0 && this.nsidOut) this.nsidOut.copy(out, off);
    }
  }
}

/** Marker answer: built per query (whoami.<zone>). */
const WHOAMI: Answer = Object.freeze({ ...EMPTY, kind: KIND.whoami, aa: true });

/** RFC 7871 6: family, source prefix, scope prefix, address (ceil(source/8) octets). */
function parseEcs(msg: Buffer, off: number, len: number): string | undefined {
  if (len < 4) return undefined;
  const family = (msg[off] as number) << 8 | (msg[off + 1] as number);
  const source = msg[off + 2] as number;
  const bytes = len - 4;
  if (bytes !== Math.ceil(source / 8)) return undefined;
  if (family === 1 && source <= 32) {
    const a = [0, 0, 0, 0];
    for (let i = 0; i < bytes; i++) a[i] = msg[off + 4 + i] as number;
    return `${a.join('.')}/${source}`;
  }
  if (family === 2 && source <= 128) {
    const a = new Array<number>(16).fill(0);
    for (let i = 0; i < bytes; i++) a[i] = msg[off + 4 + i] as number;
    return `${ipFromBytes(a)}/${source}`;
  }
  return undefined;
}
