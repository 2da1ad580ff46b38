import { ANSWER_KINDS } from './responses.js';

/** Counters: plain numbers bumped in the hot path, copied out only when asked for. */
export interface Counters {
  /** Messages received (UDP datagrams and TCP frames). */
  queries: number;
  udpQueries: number;
  tcpQueries: number;
  /** Answers sent (or handed to the socket). */
  responses: number;
  /** Messages dropped without an answer: under 12 octets, QR=1, or no one question to read (QDCOUNT > 1, a question that does not parse). */
  dropped: number;
  /** Answers sent with TC set (too large for UDP, or an RRL slip). */
  truncated: number;
  /** Answers that carried our NSID. */
  nsid: number;
  /** Responses RRL limited (dropped + slipped). */
  rrlLimited: number;
  rrlDropped: number;
  rrlSlipped: number;
  /** Answers by rcode (16 = BADVERS). */
  rcodes: Record<number, number>;
  /** Answers by kind, indexed as ANSWER_KINDS (identity, version, zone, whoami, refused, error). */
  answers: number[];
}

export interface TcpCounters {
  /** Open connections now. */
  tcpConnections: number;
  /** Connections accepted since start. */
  tcpConnectionsTotal: number;
  /** Connections closed by the server: idle/total timeout, query cap. */
  tcpTimeouts: number;
  /** Connections refused at accept: maxConnections were open. */
  tcpRefused: number;
}

/** What stats() returns: sums over every worker. */
export interface DnsOriginStats extends Counters, TcpCounters {
  /** Processes answering (1, or the number of cluster workers). */
  workers: number;
  /** 'listening' | 'draining' | 'closed' | 'idle' */
  state: string;
}

export function createCounters(): Counters {
  return {
    queries: 0, udpQueries: 0, tcpQueries: 0, responses: 0, dropped: 0, truncated: 0, nsid: 0,
    rrlLimited: 0, rrlDropped: 0, rrlSlipped: 0, rcodes: {}, answers: ANSWER_KINDS.map(() => 0),
  };
}

export function createTcpCounters(): TcpCounters {
  return { tcpConnections: 0, tcpConnectionsTotal: 0, tcpTimeouts: 0, tcpRefused: 0 };
}

const NUMERIC: readonly (keyof Counters & keyof DnsOriginStats | keyof TcpCounters)[] = [
  'queries', 'udpQueries', 'tcpQueries', 'responses', 'dropped', 'truncated', 'nsid',
  'rrlLimited', 'rrlDropped', 'rrlSlipped', 'tcpConnections', 'tcpConnectionsTotal', 'tcpTimeouts', 'tcpRefused',
];

export type StatsSnapshot = Omit<DnsOriginStats, 'workers' | 'state'>;

export function snapshot(c: Counters, t: TcpCounters): StatsSnapshot {
  return { ...c, ...t, rcodes: { ...c.rcodes }, answers: [...c.answers] };
}

/** Sum snapshots from several workers. */
export function sumStats(parts: readonly StatsSnapshot[], state: string): DnsOriginStats {
  const out = { ...createCounters(), ...createTcpCounters(), workers: parts.length, state } as DnsOriginStats;
  for (const p of parts) {
    for (const k of NUMERIC) (out[k] as number) += p[k] as number;
    for (const [rc, n] of Object.entries(p.rcodes)) out.rcodes[Number(rc)] = (out.rcodes[Number(rc)] ?? 0) + n;
    p.answers.forEach((n, i) => { out.answers[i] = (out.answers[i] ?? 0) + n; });
  }
  return out;
}
