/**
 * Where everything of the lab sits on loopback. Linux routes all of 127.0.0.0/8 to `lo` and any
 * address in it binds without root, so each origin instance and each vantage point gets an
 * address of its own, carved from a block:
 *
 * - origins: the third octet is the region (its place in the config, from 1), the fourth the
 *   instance (from 1): with 127.10.0.0/16, us-east-1's instances are 127.10.1.1 and .2, the
 *   fourth region's 127.10.4.1 and .2. Easy to read in `ss` and in flow logs.
 * - vantage points: one after another, skipping .0 and .255 of each /24 (127.20.0.1, ...).
 */
import { ipBytes, ipFromBytes } from '@anycast-origin/net';
import { AddressSpaceError } from './errors.js';

export interface Block {
  /** The block as written: `127.10.0.0/16`. */
  readonly cidr: string;
  /** The network address as a 32-bit number. */
  readonly base: number;
  /** Addresses in the block. */
  readonly size: number;
}

const toNumber = (address: string): number => ipBytes(address).reduce((n, b) => n * 256 + b, 0);
const toAddress = (n: number): string => ipFromBytes([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);

/** A loopback IPv4 block `127.x.y.z/8..30` with its host bits clear, or undefined. */
export function parseBlock(cidr: string): Block | undefined {
  const m = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) return undefined;
  const bits = Number(m[2]);
  if (bits < 8 || bits > 30) return undefined;
  let base: number;
  try {
    base = toNumber(m[1] as string);
  } catch {
    return undefined;
  }
  const size = 2 ** (32 - bits);
  if (base % size !== 0) return undefined;
  return { cidr, base, size };
}

/** True for a loopback block the lab can carve (the options' check). */
export const isBlock = (cidr: string): boolean => parseBlock(cidr) !== undefined;

function block(cidr: string): Block {
  const b = parseBlock(cidr);
  if (!b) throw new AddressSpaceError(`${cidr} is not a loopback block 127.x.y.z/8..30 with its host bits clear`);
  return b;
}

/** The address of instance `instance` (0-based) of the region at `region` (0-based). */
export function originAddress(cidr: string, region: number, instance: number): string {
  const b = block(cidr);
  const offset = (region + 1) * 256 + instance + 1;
  if (instance > 253 || offset >= b.size) {
    throw new AddressSpaceError(`${cidr} has no room for instance ${instance + 1} of region ${region + 1}: origins need a /24 per region (a /16 holds 254 regions of 254 instances)`);
  }
  return toAddress(b.base + offset);
}

/** The address of vantage point `index` (0-based). */
export function vantageAddress(cidr: string, index: number): string {
  const b = block(cidr);
  const offset = Math.floor(index / 254) * 256 + (index % 254) + 1;
  if (offset >= b.size) throw new AddressSpaceError(`${cidr} has no room for ${index + 1} vantage points (a /16 holds 65024)`);
  return toAddress(b.base + offset);
}
