/**
 * Response rate limiting (the idea of BIND's and NSD's RRL, simplified to the source prefix):
 * each source prefix (/24 IPv4, /56 IPv6 by default) has a token bucket that refills at
 * `responsesPerSecond` up to one second's worth. A response spends a token; with none left
 * the response is limited and the balance goes negative, down to -(rate x window), so a
 * flooding prefix stays limited until it has been quiet for up to `windowSeconds`. Every
 * `slip`-th limited response is sent truncated (TC, no records) so real clients retry over
 * TCP; the others are dropped. The table is bounded (`maxEntries`, oldest evicted first).
 */
import { ipBytes, unmapIpv4 } from '@anycast-origin/net';
import type { ResolvedRrl } from './options.js';

/** check() result: send, drop, or send truncated. */
export const RRL_PASS = 0;
export const RRL_DROP = 1;
export const RRL_SLIP = 2;
export type RrlVerdict = typeof RRL_PASS | typeof RRL_DROP | typeof RRL_SLIP;

interface Bucket {
  tokens: number;
  /** ms timestamp of the last refill */
  at: number;
  /** limited responses so far (for slip) */
  limited: number;
}

export class RateLimiter {
  private readonly table = new Map<number | string, Bucket>();
  private readonly rate: number;
  private readonly floor: number;
  private readonly slip: number;
  private readonly v4Mask: number;
  private readonly v6Bits: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(opts: ResolvedRrl, now: () => number = Date.now) {
    this.rate = opts.responsesPerSecond;
    this.floor = -opts.responsesPerSecond * opts.windowSeconds;
    this.slip = opts.slip;
    this.v4Mask = opts.ipv4PrefixLength === 0 ? 0 : (0xffffffff << (32 - opts.ipv4PrefixLength)) >>> 0;
    this.v6Bits = opts.ipv6PrefixLength;
    this.maxEntries = opts.maxEntries;
    this.now = now;
  }

  /** Prefixes tracked now. */
  get size(): number {
    return this.table.size;
  }

  /** Account one response to `address` and say what to do with it. */
  check(address: string, v6: boolean): RrlVerdict {
    const key = v6 ? this.v6Key(address) : this.v4Key(address);
    const now = this.now();
    let b = this.table.get(key);
    if (b === undefined) {
      if (this.table.size >= this.maxEntries) this.evict(now);
      b = { tokens: this.rate, at: now, limited: 0 };
      this.table.set(key, b);
    } else {
      const elapsed = now - b.at;
      if (elapsed > 0) {
        b.tokens = Math.min(this.rate, b.tokens + (elapsed * this.rate) / 1000);
        b.at = now;
      }
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return RRL_PASS;
    }
    b.tokens = Math.max(this.floor, b.tokens - 1);
    b.limited++;
    return this.slip !== 0 && b.limited % this.slip === 0 ? RRL_SLIP : RRL_DROP;
  }

  /** Drop entries that have refilled (they carry no state), else the oldest quarter. */
  private evict(now: number): void {
    for (const [k, b] of this.table) {
      if (b.tokens + ((now - b.at) * this.rate) / 1000 >= this.rate) this.table.delete(k);
    }
    if (this.table.size < this.maxEntries) return;
    let n = this.maxEntries >> 2;
    for (const k of this.table.keys()) {
      if (n-- <= 0) break;
      this.table.delete(k);
    }
  }

  private v4Key(address: string): number {
    let v = 0;
    let part = 0;
    for (let i = 0; i < address.length; i++) {
      const ch = address.charCodeAt(i);
      if (ch === 46) { v = (v << 8) | part; part = 0; } else part = part * 10 + (ch - 48);
    }
    v = ((v << 8) | part) >>> 0;
    return (v & this.v4Mask) >>> 0;
  }

  private v6Key(address: string): number | string {
    // IPv4-mapped addresses (dual-stack sockets) are limited as IPv4.
    const v4 = unmapIpv4(address);
    if (v4 !== address) return this.v4Key(v4);
    const pct = address.indexOf('%');
    const bytes = ipBytes(pct === -1 ? address : address.slice(0, pct));
    const full = this.v6Bits >> 3;
    const rem = this.v6Bits & 7;
    let key = '';
    for (let i = 0; i < full; i++) key += String.fromCharCode(bytes[i] as number);
    if (rem) key += String.fromCharCode((bytes[full] as number) & ((0xff << (8 - rem)) & 0xff));
    return key;
  }
}
