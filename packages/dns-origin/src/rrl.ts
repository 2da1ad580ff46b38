/**
 * Response rate limiting, keyed as NSD and BIND key it: by source prefix (/24 IPv4, /56 IPv6
 * by default) and response class, so that one kind of flood cannot spend the budget of
 * another. The classes (`RRL_CLASS`):
 *
 * - `ANSWER`: NOERROR with records, one bucket per prefix and query name (NSD's "positive");
 * - `NEGATIVE`: NXDOMAIN and NODATA, one bucket per prefix (NSD keys these by the zone apex,
 *   and this server has one zone), so a random-subdomain flood shares one bucket;
 * - `ERROR`: every other rcode (REFUSED, FORMERR, NOTIMP, NOTAUTH, BADVERS), one per prefix;
 * - `TRUNCATED`: answers too large for the client's UDP size (TC, question only), per prefix
 *   and query name.
 *
 * Each bucket refills at `responsesPerSecond` up to one second's worth. A response spends a
 * token; with none left the response is limited and the balance goes negative, down to
 * -(rate x window), so a flooding key stays limited until it has been quiet for up to
 * `windowSeconds`. Every `slip`-th limited response is sent truncated (TC, no records) so
 * real clients retry over TCP; the others are dropped.
 *
 * The table is a fixed set-associative hash table in typed arrays (4 ways a set, `maxEntries`
 * slots in all): bounded by construction and allocation-free per response. A key goes into
 * its set's empty slot, else replaces the slot with the most tokens (a bucket that has
 * refilled carries no state), so keys being limited are the last to go.
 */
import type { ResolvedRrl } from './options.js';

/** check() result: send, drop, or send truncated. */
export const RRL_PASS = 0;
export const RRL_DROP = 1;
export const RRL_SLIP = 2;
export type RrlVerdict = typeof RRL_PASS | typeof RRL_DROP | typeof RRL_SLIP;

/** Response classes: each has its own buckets. */
export const RRL_CLASS = Object.freeze({ ANSWER: 1, NEGATIVE: 2, ERROR: 3, TRUNCATED: 4 } as const);
export type RrlClass = (typeof RRL_CLASS)[keyof typeof RRL_CLASS];

const WAYS = 4;

export class RateLimiter {
  private readonly rate: number;
  private readonly floor: number;
  private readonly slip: number;
  private readonly v4Mask: number;
  private readonly v6Bits: number;
  private readonly sets: number;
  private readonly now: () => number;
  // The table: slot i of set s is index s * WAYS + i. used=0: empty.
  private readonly used: Uint8Array;
  private readonly k1: Int32Array;
  private readonly k2: Int32Array;
  private readonly tokens: Float64Array;
  private readonly at: Float64Array;
  private readonly limited: Uint32Array;
  private count = 0;
  // Scratch: the key's two hashes and octets, the parsed IPv6 address and its 16-bit groups.
  private h1 = 0;
  private h2 = 0;
  private readonly keyBytes = new Uint8Array(4 + 20 + 256);
  private readonly keyWords = new Int32Array(this.keyBytes.buffer);
  private readonly v6 = new Uint8Array(16);
  private readonly words = new Uint16Array(8);

  constructor(opts: ResolvedRrl, now: () => number = Date.now) {
    this.rate = opts.responsesPerSecond;
    this.floor = -opts.responsesPerSecond * opts.windowSeconds;
    this.slip = opts.slip;
    this.v4Mask = opts.ipv4PrefixLength === 0 ? 0 : (0xffffffff << (32 - opts.ipv4PrefixLength)) >>> 0;
    this.v6Bits = opts.ipv6PrefixLength;
    this.sets = Math.max(1, Math.floor(opts.maxEntries / WAYS));
    const slots = this.sets * WAYS;
    this.used = new Uint8Array(slots);
    this.k1 = new Int32Array(slots);
    this.k2 = new Int32Array(slots);
    this.tokens = new Float64Array(slots);
    this.at = new Float64Array(slots);
    this.limited = new Uint32Array(slots);
    this.now = now;
  }

  /** Keys (prefix, class, name) tracked now. */
  get size(): number {
    return this.count;
  }

  /**
   * Account one response to `address` of class `cls` and say what to do with it. `name`
   * (bytes 0..nameLen, the lower-cased query name in wire form) keys ANSWER and TRUNCATED.
   */
  check(address: string, v6: boolean, cls: RrlClass, name?: Uint8Array, nameLen = 0): RrlVerdict {
    this.key(address, v6, cls, cls === RRL_CLASS.ANSWER || cls === RRL_CLASS.TRUNCATED ? name : undefined, nameLen);
    const now = this.now();
    const rate = this.rate;
    const base = ((this.h1 >>> 0) % this.sets) * WAYS;
    let slot = -1;
    let victim = base;
    let victimScore = -Infinity;
    for (let s = base; s < base + WAYS; s++) {
      if (this.used[s] === 0) {
        if (victimScore !== Infinity) { victim = s; victimScore = Infinity; }
        continue;
      }
      if (this.k1[s] === this.h1 && this.k2[s] === this.h2) { slot = s; break; }
      const score = Math.min(rate, (this.tokens[s] as number) + ((now - (this.at[s] as number)) * rate) / 1000);
      if (score > victimScore) { victim = s; victimScore = score; }
    }
    let tokens: number;
    if (slot === -1) {
      slot = victim;
      if (this.used[slot] === 0) { this.used[slot] = 1; this.count++; }
      this.k1[slot] = this.h1;
      this.k2[slot] = this.h2;
      this.limited[slot] = 0;
      this.at[slot] = now;
      tokens = rate;
    } else {
      tokens = this.tokens[slot] as number;
      const elapsed = now - (this.at[slot] as number);
      if (elapsed > 0) {
        tokens = Math.min(rate, tokens + (elapsed * rate) / 1000);
        this.at[slot] = now;
      }
    }
    if (tokens >= 1) {
      this.tokens[slot] = tokens - 1;
      return RRL_PASS;
    }
    this.tokens[slot] = Math.max(this.floor, tokens - 1);
    const n = ((this.limited[slot] as number) + 1) >>> 0;
    this.limited[slot] = n;
    return this.slip !== 0 && n % this.slip === 0 ? RRL_SLIP : RRL_DROP;
  }

  /** Hash (class, prefix, name) into h1/h2: two independent 32-bit hashes, no allocation. */
  private key(address: string, v6: boolean, cls: number, name: Uint8Array | undefined, nameLen: number): void {
    // The key's octets into `k`: class, family, the prefix's octets, the name.
    const k = this.keyBytes;
    let n = 0;
    k[n++] = cls;
    let v4 = !v6;
    let v = 0;
    if (v6) {
      const bytes = this.v6;
      parseIpv6(address, bytes, this.words);
      // IPv4-mapped addresses (dual-stack sockets) are limited as IPv4.
      let mapped = bytes[10] === 0xff && bytes[11] === 0xff;
      for (let i = 0; i < 10 && mapped; i++) if (bytes[i] !== 0) mapped = false;
      if (mapped) {
        v4 = true;
        v = (((bytes[12] as number) << 24) | ((bytes[13] as number) << 16) | ((bytes[14] as number) << 8) | (bytes[15] as number)) >>> 0;
      } else {
        k[n++] = 6;
        const full = this.v6Bits >> 3;
        const rem = this.v6Bits & 7;
        for (let i = 0; i < full; i++) k[n++] = bytes[i] as number;
        if (rem) k[n++] = (bytes[full] as number) & ((0xff << (8 - rem)) & 0xff);
      }
    } else {
      v = ipv4Number(address);
    }
    if (v4) {
      v = (v & this.v4Mask) >>> 0;
      k[n++] = 4; k[n++] = v >>> 24; k[n++] = (v >>> 16) & 0xff; k[n++] = (v >>> 8) & 0xff; k[n++] = v & 0xff;
    }
    if (name !== undefined) for (let i = 0; i < nameLen; i++) k[n++] = name[i] as number;
    // Hash 32-bit words: zero-pad to a word, two MurmurHash3-style mixes with different
    // constants (MurmurHash3's, and xxHash32's primes), the length, each finalised.
    const words = (n + 3) >> 2;
    for (let i = n; i < words << 2; i++) k[i] = 0;
    const w = this.keyWords;
    let a = 0x9747b28c;
    let b = 0x5f3759df;
    for (let i = 0; i < words; i++) {
      const x = w[i] as number;
      let y = Math.imul(x, 0xcc9e2d51);
      y = Math.imul((y << 15) | (y >>> 17), 0x1b873593);
      a ^= y;
      a = (Math.imul((a << 13) | (a >>> 19), 5) + 0xe6546b64) | 0;
      let z = Math.imul(x, 0x85ebca77);
      z = Math.imul((z << 13) | (z >>> 19), 0x9e3779b1);
      b ^= z;
      b = (Math.imul((b << 17) | (b >>> 15), 0x27d4eb2f) + 0x165667b1) | 0;
    }
    this.h1 = fmix(a ^ n) | 0;
    this.h2 = fmix(b ^ n) | 0;
  }
}

/** MurmurHash3's finaliser: every input bit reaches every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A dotted-quad literal as a 32-bit number. */
function ipv4Number(address: string): number {
  let v = 0;
  let part = 0;
  for (let i = 0; i < address.length; i++) {
    const ch = address.charCodeAt(i);
    if (ch === 46) { v = (v << 8) | part; part = 0; } else part = part * 10 + (ch - 48);
  }
  return ((v << 8) | part) >>> 0;
}

function hexDigit(ch: number): number {
  if (ch >= 48 && ch <= 57) return ch - 48;
  if (ch >= 97 && ch <= 102) return ch - 87;
  if (ch >= 65 && ch <= 70) return ch - 55;
  return 0;
}

/**
 * Parse an IPv6 literal (as Node reports them: `::`, an IPv4 tail, a `%zone` ignored) into
 * `out` (16 octets), using `words` (8) as scratch. No allocation.
 */
function parseIpv6(address: string, out: Uint8Array, words: Uint16Array): void {
  out.fill(0);
  let end = address.indexOf('%');
  if (end === -1) end = address.length;
  let n = 0;
  let dbl = -1;
  let i = 0;
  if (end >= 2 && address.charCodeAt(0) === 58 && address.charCodeAt(1) === 58) { dbl = 0; i = 2; }
  while (i < end && n < 8) {
    let j = i;
    let v = 0;
    let dot = false;
    for (; j < end; j++) {
      const ch = address.charCodeAt(j);
      if (ch === 58) break;
      if (ch === 46) { dot = true; break; }
      v = (v << 4) | hexDigit(ch);
    }
    if (dot) {
      // An IPv4 tail: four decimal octets from i.
      let o = 0;
      let part = 0;
      let q = 0;
      for (let k = i; k <= end; k++) {
        const ch = k < end ? address.charCodeAt(k) : 46;
        if (ch === 46) { q = (q << 8) | (part & 0xff); part = 0; o++; } else part = part * 10 + (ch - 48);
      }
      if (o === 4 && n <= 6) { words[n++] = q >>> 16; words[n++] = q & 0xffff; }
      break;
    }
    words[n++] = v & 0xffff;
    if (j >= end) break;
    if (j + 1 < end && address.charCodeAt(j + 1) === 58) { dbl = n; i = j + 2; } else i = j + 1;
  }
  const head = dbl === -1 ? n : dbl;
  for (let w = 0; w < head; w++) { out[w * 2] = (words[w] as number) >> 8; out[w * 2 + 1] = (words[w] as number) & 0xff; }
  const tail = n - head;
  for (let w = 0; w < tail; w++) {
    const at = 8 - tail + w;
    const word = words[head + w] as number;
    out[at * 2] = word >> 8;
    out[at * 2 + 1] = word & 0xff;
  }
}

/** Parse an IPv6 literal (as Node reports them) into 16 octets; a zone id is ignored. */
export function ipv6Bytes(address: string): Uint8Array {
  const out = new Uint8Array(16);
  parseIpv6(address, out, new Uint16Array(8));
  return out;
}
