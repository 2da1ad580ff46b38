/**
 * Addresses, written once for every package of the project: `host:port` text both ways, one
 * canonical text for an IP (RFC 5952 for IPv6, IPv4-mapped IPv6 shown as the IPv4 address it
 * carries, as a dual-stack socket reports IPv4 clients), and address bytes. Parsing is
 * ipaddr.js's; this module only decides the forms.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { InvalidAddressError } from './errors.js';

/** `127.0.0.1:8080`, `[::1]:8080`. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export interface HostPort {
  host: string;
  port: number;
}

/**
 * `ADDR:PORT`, `[IPv6]:PORT`, or a bare address when `defaultPort` is given. The host must be
 * an IP literal (`localhost` is 127.0.0.1); the port 0..65535. `label` names the value in errors.
 */
export function parseHostPort(text: string, options: { defaultPort?: number; label?: string } = {}): HostPort {
  const label = options.label ?? 'address';
  const fail = (why: string) => new InvalidAddressError(label, text, why);
  let host: string | undefined;
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracket) {
    host = bracket[1];
    portText = bracket[2];
  } else if (isIP(text) === 6) {
    host = text;
  } else {
    const i = text.lastIndexOf(':');
    if (i < 0) host = text;
    else {
      host = text.slice(0, i);
      portText = text.slice(i + 1);
    }
  }
  if (host === 'localhost') host = '127.0.0.1';
  if (host === undefined || isIP(host) === 0) throw fail('the host must be an IP address (IPv6 in brackets with a port)');
  let port: number;
  if (portText === undefined) {
    if (options.defaultPort === undefined) throw fail('needs a port: ADDR:PORT or [IPv6]:PORT');
    port = options.defaultPort;
  } else {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65_535) throw fail('the port must be 0..65535');
    port = Number(portText);
  }
  return { host, port };
}

/** An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) as plain IPv4; anything else unchanged. Cheap: for hot paths. */
export function unmapIpv4(address: string): string {
  return address.length > 7 && address.charCodeAt(0) === 58 && address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * One text per address: IPv4 as is, IPv4-mapped IPv6 (in any spelling, `0000:...:ffff:0102:0304`
 * included) as IPv4, other IPv6 in RFC 5952 form (lower case, zeros compressed). A string that
 * is not an address comes back unchanged.
 */
export function canonicalIp(text: string): string {
  if (!ipaddr.isValid(text)) return text;
  const a = ipaddr.process(text);
  return a.kind() === 'ipv6' ? (a as ipaddr.IPv6).toRFC5952String() : a.toString();
}

/** The address as bytes: 4 for IPv4 (IPv4-mapped IPv6 too), 16 for IPv6. Throws InvalidAddressError. */
export function ipBytes(address: string): number[] {
  if (!ipaddr.isValid(address)) throw new InvalidAddressError('address', address, 'not an IP address');
  return ipaddr.process(address).toByteArray();
}

/** Bytes of an address family's own width (4 or 16) as text: for ECS and whoami answers. */
export function ipFromBytes(bytes: readonly number[]): string {
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.length === 16) return (ipaddr.fromByteArray([...bytes]) as ipaddr.IPv6).toRFC5952String();
  throw new InvalidAddressError('address', `${bytes.length} bytes`, 'an address has 4 or 16 bytes');
}

/** 4, 6, or 0 for anything that is not an IP literal (node:net's answer). */
export function ipFamily(address: string): 0 | 4 | 6 {
  return isIP(address) as 0 | 4 | 6;
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback: where this project's tests may send traffic. */
export function isLoopback(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'loopback';
}
