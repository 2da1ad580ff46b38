/**
 * Precomputed answers. dns-packet builds each resource record once, at start; the hot path
 * copies these bytes after the echoed question. Owner names equal to the question name are a
 * compression pointer to offset 12 (RFC 1035 4.1.4), so they carry the query's letter case,
 * as NSD and Knot answer; every other name is written out in full (no compression needed).
 */
import dnsPacket from 'dns-packet';
import { unmapIpv4 } from '@anycast-origin/net';
import type { Answer as PacketAnswer } from 'dns-packet';
import { RCODE, TYPE } from './constants.js';
import type { ResolvedOptions, ResolvedZone } from './options.js';

/** What an answer is, for the `answers_total{kind}` metric (an index into Counters.answers). */
export const ANSWER_KINDS = Object.freeze(['identity', 'version', 'zone', 'whoami', 'refused', 'error'] as const);
export type AnswerKind = (typeof ANSWER_KINDS)[number];
export const KIND = Object.freeze({ identity: 0, version: 1, zone: 2, whoami: 3, refused: 4, error: 5 } as const);

/** A ready answer: the record bytes of answer, authority and additional sections. */
export interface Answer {
  /** Index in ANSWER_KINDS. */
  readonly kind: number;
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

/** A record without its owner (dns-packet's Answer union, minus `name`). */
export type RecordNoName = { type: string; class?: string; ttl?: number; data: unknown };

/** One record whose owner is the question name: a pointer to offset 12. */
export function recordAtQname(rr: RecordNoName): Buffer {
  const bytes = encodeRecords([{ ...rr, name: '.' } as PacketAnswer]);
  // dns-packet wrote the root name (one 0x00 octet): swap it for the pointer.
  return Buffer.concat([POINTER_TO_QNAME, bytes.subarray(1)]);
}

function answer(kind: number, body: Buffer, an: number, ns = 0, ar = 0, aa = false, rcode: number = RCODE.NOERROR): Answer {
  return Object.freeze({ kind, rcode, aa, body, an, ns, ar });
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

function txtAnswer(kind: number, klass: 'CH' | 'IN', value: Buffer, aa: boolean): Answer {
  return answer(kind, recordAtQname({ type: 'TXT', class: klass, ttl: 0, data: [value] }), 1, 0, 0, aa);
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
  const idNode = opts.hideIdentity ? HIDDEN : txtNode(KIND.identity, 'CH', id, false);
  // A version string that names the host is part of the identity: hidden with it.
  const revealsIdentity = opts.hideIdentity && opts.version.includes(opts.identity.id);
  const versionNode = opts.hideVersion || revealsIdentity ? HIDDEN : txtNode(KIND.version, 'CH', version, false);
  nodes.set(nameKey('id.server'), idNode);
  nodes.set(nameKey('hostname.bind'), idNode);
  nodes.set(nameKey('version.server'), versionNode);
  nodes.set(nameKey('version.bind'), versionNode);
  return nodes;
}

function txtNode(kind: number, klass: 'CH' | 'IN', value: Buffer, aa: boolean): Node {
  const a = txtAnswer(kind, klass, value, aa);
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
  const soaAnswer = answer(KIND.zone, soaAtQname, 1, 0, 0, true);
  rrsets.set(TYPE.SOA, soaAnswer);
  const nsBody = Buffer.concat([
    ...zone.ns.map((n) => recordAtQname({ type: 'NS', class: 'IN', ttl, data: n })),
    glue.length ? encodeRecords(glue) : Buffer.alloc(0),
  ]);
  rrsets.set(TYPE.NS, answer(KIND.zone, nsBody, zone.ns.length, 0, glue.length, true));
  if (zone.a.length) {
    rrsets.set(TYPE.A, answer(KIND.zone, Buffer.concat(zone.a.map((a) => recordAtQname({ type: 'A', class: 'IN', ttl, data: a }))), zone.a.length, 0, 0, true));
  }
  if (zone.aaaa.length) {
    rrsets.set(TYPE.AAAA, answer(KIND.zone, Buffer.concat(zone.aaaa.map((a) => recordAtQname({ type: 'AAAA', class: 'IN', ttl, data: a }))), zone.aaaa.length, 0, 0, true));
  }
  const nodes = new Map<string, Node>();
  const apexKey = nameKey(name);
  nodes.set(apexKey, staticNode(rrsets, soaAnswer));
  nodes.set(nameKey(`id.${name}`), opts.hideIdentity ? HIDDEN : txtNode(KIND.identity, 'IN', Buffer.from(opts.identity.id, 'utf8'), true));
  nodes.set(nameKey(`whoami.${name}`), opts.hideIdentity ? HIDDEN : WHOAMI);
  return Object.freeze({
    apex: Buffer.from(apexKey, 'latin1'),
    apexLabels: name.split('.').length,
    nodes,
    nxdomain: answer(KIND.zone, soaAuthority, 0, 1, 0, true, RCODE.NXDOMAIN),
    nodata: answer(KIND.zone, soaAuthority, 0, 1, 0, true, RCODE.NOERROR),
    refusedHidden: answer(KIND.refused, Buffer.alloc(0), 0, 0, 0, false, RCODE.REFUSED),
  });
}

/** The answer to whoami.<zone> TXT: the querier's address, and the client subnet if sent. */
export function whoamiBody(address: string, ecs: string | undefined): { body: Buffer; an: number } {
  // A dual-stack socket reports IPv4 queriers as ::ffff:a.b.c.d: answer the IPv4 address.
  const records = [recordAtQname({ type: 'TXT', class: 'IN', ttl: 0, data: [unmapIpv4(address)] })];
  if (ecs !== undefined) records.push(recordAtQname({ type: 'TXT', class: 'IN', ttl: 0, data: [`edns0-client-subnet ${ecs}`] }));
  return { body: Buffer.concat(records), an: records.length };
}
