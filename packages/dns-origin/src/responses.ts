/**
 * Precomputed answers. dns-packet builds each resource record once, at start; the hot path
 * copies these bytes after the echoed question. Owner names equal to the question name are a
 * compression pointer to offset 12 (RFC 1035 4.1.4), so they carry the query's letter case,
 * as NSD and Knot answer; every other name is written out in full (no compression needed).
 */
import dnsPacket from 'dns-packet';
import type { Answer as PacketAnswer } from 'dns-packet';
import { CLASS, RCODE, TYPE } from './constants.js';
import type { ResolvedOptions, ResolvedZone } from './options.js';

/** A ready answer: the record bytes of answer, authority and additional sections. */
export interface Answer {
  readonly rcode: number;
  readonly aa: boolean;
  readonly body: Buffer;
  readonly an: number;
  readonly ns: number;
  readonly ar: number;
}

/** What the name lookup can yield besides a ready Answer. */
export type NodeKind = 'static' | 'whoami' | 'hidden';

export interface Node {
  readonly kind: NodeKind;
  /** qtype -> answer, for kind 'static'. */
  readonly rrsets: ReadonlyMap<number, Answer>;
  /** RFC 8482: the one RRset an ANY query gets. */
  readonly any: Answer | undefined;
}

const POINTER_TO_QNAME = Buffer.from([0xc0, 0x0c]);

/** Encode records with dns-packet and return their bytes (everything after the header). */
export function encodeRecords(records: PacketAnswer[]): Buffer {
  const packet = dnsPacket.encode({ type: 'response', id: 0, flags: 0, answers: records });
  return packet.subarray(12);
}

/** One record whose owner is the question name: a pointer to offset 12. */
/** A record without its owner (dns-packet's Answer union, minus `name`). */
export type RecordNoName = { type: string; class?: string; ttl?: number; data: unknown };

export function recordAtQname(rr: RecordNoName): Buffer {
  const bytes = encodeRecords([{ ...rr, name: '.' } as PacketAnswer]);
  // dns-packet wrote the root name (one 0x00 octet): swap it for the pointer.
  return Buffer.concat([POINTER_TO_QNAME, bytes.subarray(1)]);
}

function answer(body: Buffer, an: number, ns = 0, ar = 0, aa = false, rcode: number = RCODE.NOERROR): Answer {
  return Object.freeze({ rcode, aa, body, an, ns, ar });
}

/** The wire form of a presentation name, lower-cased, as a latin1 string: our lookup key. */
export function nameKey(name: string): string {
  const s = name.endsWith('.') ? name.slice(0, -1) : name;
  if (s === '') return '\0';
  const parts: Buffer[] = [];
  for (const label of s.toLowerCase().split('.')) {
    const b = Buffer.from(label, 'latin1');
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts).toString('latin1');
}

function txtAnswer(klass: 'CH' | 'IN', value: Buffer, aa: boolean): Answer {
  return answer(recordAtQname({ type: 'TXT', class: klass, ttl: 0, data: [value] }), 1, 0, 0, aa);
}

function staticNode(rrsets: Map<number, Answer>, any: Answer | undefined): Node {
  return Object.freeze({ kind: 'static' as const, rrsets, any });
}

const HIDDEN: Node = Object.freeze({ kind: 'hidden' as const, rrsets: new Map(), any: undefined });
const WHOAMI: Node = Object.freeze({ kind: 'whoami' as const, rrsets: new Map(), any: undefined });

/** CH class names: id.server, hostname.bind, version.server, version.bind. */
export function chaosNodes(opts: ResolvedOptions): Map<string, Node> {
  const nodes = new Map<string, Node>();
  const id = Buffer.from(opts.identity.id, 'utf8');
  const version = Buffer.from(opts.version, 'utf8');
  const idNode = opts.hideIdentity ? HIDDEN : txtNode('CH', id, false);
  const versionNode = opts.hideVersion ? HIDDEN : txtNode('CH', version, false);
  nodes.set(nameKey('id.server'), idNode);
  nodes.set(nameKey('hostname.bind'), idNode);
  nodes.set(nameKey('version.server'), versionNode);
  nodes.set(nameKey('version.bind'), versionNode);
  return nodes;
}

function txtNode(klass: 'CH' | 'IN', value: Buffer, aa: boolean): Node {
  const a = txtAnswer(klass, value, aa);
  return staticNode(new Map([[TYPE.TXT, a]]), a);
}

/** The zone, precomputed: apex and leaf nodes, and the negative answers. */
export interface ZoneTemplates {
  /** Wire form of the apex, lower-cased. */
  readonly apex: Buffer;
  readonly apexLabels: number;
  /** Full lower-cased wire name (latin1) -> node, the apex included. */
  readonly nodes: ReadonlyMap<string, Node>;
  readonly nxdomain: Answer;
  readonly nodata: Answer;
  readonly refusedHidden: Answer;
}

export function zoneTemplates(zone: ResolvedZone, opts: ResolvedOptions): ZoneTemplates {
  const { name, ttl, soa } = zone;
  const soaData = {
    mname: soa.mname, rname: soa.rname, serial: soa.serial, refresh: soa.refresh,
    retry: soa.retry, expire: soa.expire, minimum: soa.minimum,
  };
  const soaAtQname = recordAtQname({ type: 'SOA', class: 'IN', ttl, data: soaData });
  // RFC 2308 3: the SOA in a negative answer has TTL min(SOA TTL, SOA minimum).
  const negTtl = Math.min(ttl, soa.minimum);
  const soaAuthority = encodeRecords([{ name, type: 'SOA', class: 'IN', ttl: negTtl, data: soaData }]);
  const glue: PacketAnswer[] = [];
  const apexIsNs = zone.ns.includes(name);
  if (apexIsNs) {
    for (const a of zone.a) glue.push({ name, type: 'A', class: 'IN', ttl, data: a });
    for (const a of zone.aaaa) glue.push({ name, type: 'AAAA', class: 'IN', ttl, data: a });
  }
  const rrsets = new Map<number, Answer>();
  const soaAnswer = answer(soaAtQname, 1, 0, 0, true);
  rrsets.set(TYPE.SOA, soaAnswer);
  const nsBody = Buffer.concat([
    ...zone.ns.map((n) => recordAtQname({ type: 'NS', class: 'IN', ttl, data: n })),
    glue.length ? encodeRecords(glue) : Buffer.alloc(0),
  ]);
  rrsets.set(TYPE.NS, answer(nsBody, zone.ns.length, 0, glue.length, true));
  if (zone.a.length) {
    rrsets.set(TYPE.A, answer(Buffer.concat(zone.a.map((a) => recordAtQname({ type: 'A', class: 'IN', ttl, data: a }))), zone.a.length, 0, 0, true));
  }
  if (zone.aaaa.length) {
    rrsets.set(TYPE.AAAA, answer(Buffer.concat(zone.aaaa.map((a) => recordAtQname({ type: 'AAAA', class: 'IN', ttl, data: a }))), zone.aaaa.length, 0, 0, true));
  }
  const nodes = new Map<string, Node>();
  const apexKey = nameKey(name);
  nodes.set(apexKey, staticNode(rrsets, soaAnswer));
  nodes.set(nameKey(`id.${name}`), opts.hideIdentity ? HIDDEN : txtNode('IN', Buffer.from(opts.identity.id, 'utf8'), true));
  nodes.set(nameKey(`whoami.${name}`), WHOAMI);
  return Object.freeze({
    apex: Buffer.from(apexKey, 'latin1'),
    apexLabels: name.split('.').length,
    nodes,
    nxdomain: answer(soaAuthority, 0, 1, 0, true, RCODE.NXDOMAIN),
    nodata: answer(soaAuthority, 0, 1, 0, true, RCODE.NOERROR),
    refusedHidden: answer(Buffer.alloc(0), 0, 0, 0, false, RCODE.REFUSED),
  });
}

/** The answer to whoami.<zone> TXT: the querier's address, and the client subnet if sent. */
export function whoamiBody(address: string, ecs: string | undefined): { body: Buffer; an: number } {
  // A dual-stack socket reports IPv4 queriers as ::ffff:a.b.c.d: answer the IPv4 address.
  const shown = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  const records = [recordAtQname({ type: 'TXT', class: 'IN', ttl: 0, data: [shown] })];
  if (ecs !== undefined) records.push(recordAtQname({ type: 'TXT', class: 'IN', ttl: 0, data: [`edns0-client-subnet ${ecs}`] }));
  return { body: Buffer.concat(records), an: records.length };
}

export { CLASS };
