/**
 * Everything a response is made of, computed once from the identity as Buffers: bodies,
 * status lines and header blocks. The hot path only hands these to uWS.
 */
import type { Identity } from '@anycast-origin/identity';
import { identityText } from '@anycast-origin/identity';

/** One header block: native uWS writes it with a single writeHeader(key, value) call. */
export interface HeaderBlock {
  /** First header name (`content-type`). */
  key: Buffer;
  /** Its value followed by CRLF and the remaining `name: value` lines (no trailing CRLF). */
  value: Buffer;
  /** The same headers as pairs, for the fallback (node:http rejects CR/LF in values). */
  pairs: readonly (readonly [string, string])[];
}

export interface Responses {
  identityText: Buffer;
  bench: Buffer;
  ok: Buffer;
  draining: Buffer;
  methodNotAllowed: Buffer;
  status400: Buffer;
  status405: Buffer;
  status503: Buffer;
  text: HeaderBlock;
  json: HeaderBlock;
  metrics: HeaderBlock;
  octets: HeaderBlock;
  /** text/plain plus `allow: GET, HEAD`. */
  notAllowed: HeaderBlock;
}

export const ALLOW = 'GET, HEAD';
export const CONTENT_TYPES = Object.freeze({
  text: 'text/plain; charset=utf-8',
  json: 'application/json; charset=utf-8',
  metrics: 'text/plain; version=0.0.4; charset=utf-8',
  octets: 'application/octet-stream',
});

/** `x-served-by`, `x-origin-region` (when the region is known), `cache-control: no-store`. */
export function commonHeaders(identity: Identity): [string, string][] {
  const h: [string, string][] = [['x-served-by', identity.id]];
  if (identity.region !== undefined) h.push(['x-origin-region', identity.region]);
  h.push(['cache-control', 'no-store']);
  return h;
}

function block(pairs: [string, string][]): HeaderBlock {
  const [first, ...rest] = pairs;
  if (!first) throw new Error('empty header block');
  const value = [first[1], ...rest.map(([k, v]) => `${k}: ${v}`)].join('\r\n');
  return { key: Buffer.from(first[0], 'latin1'), value: Buffer.from(value, 'utf8'), pairs: Object.freeze(pairs.map((p) => Object.freeze(p))) };
}

export function buildResponses(identity: Identity): Responses {
  const common = commonHeaders(identity);
  return {
    identityText: identityText(identity),
    bench: Buffer.from('1'),
    ok: Buffer.from('ok\n'),
    draining: Buffer.from('draining\n'),
    methodNotAllowed: Buffer.from('method not allowed\n'),
    status400: Buffer.from('400 Bad Request'),
    status405: Buffer.from('405 Method Not Allowed'),
    status503: Buffer.from('503 Service Unavailable'),
    text: block([['content-type', CONTENT_TYPES.text], ...common]),
    json: block([['content-type', CONTENT_TYPES.json], ...common]),
    metrics: block([['content-type', CONTENT_TYPES.metrics], ...common]),
    octets: block([['content-type', CONTENT_TYPES.octets], ...common]),
    notAllowed: block([['content-type', CONTENT_TYPES.text], ['allow', ALLOW], ...common]),
  };
}

/** Bytes of /data: byte i is DATA_PATTERN[i % 64], so any offset can be resumed from. */
export const DATA_PATTERN = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-\n', 'latin1');

/** A chunk source for /data: `chunkBytes + 64` pattern bytes, sliced at `offset % 64`. */
export function dataSource(chunkBytes: number): Buffer {
  const n = chunkBytes + DATA_PATTERN.length;
  const b = Buffer.allocUnsafeSlow(n);
  for (let i = 0; i < n; i += DATA_PATTERN.length) DATA_PATTERN.copy(b, i);
  return b;
}

/** Parse /data's size: a decimal integer 0..max. Returns the size or the reason it is bad. */
export function parseDataSize(raw: string, max: number): number | string {
  if (raw === '') return 'size is required: /data?size=N (bytes)';
  if (!/^[0-9]{1,10}$/.test(raw)) return `size must be a non-negative decimal integer, got ${JSON.stringify(raw.slice(0, 32))}`;
  const n = Number(raw);
  if (n > max) return `size ${n} is over the cap of ${max} bytes`;
  return n;
}
