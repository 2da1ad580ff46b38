/**
 * The DNS origin's counters in the Prometheus text exposition format (0.0.4), rendered only
 * when asked (a scrape). One prefix, `anycast_dns_origin_`, the package's stem; counters end in
 * `_total`; labels carry the transport, rcode and answer kind.
 */
import type { Identity } from '@anycast-origin/identity';
import type { DnsOriginStats } from './counters.js';
import { RCODE } from './constants.js';
import { ANSWER_KINDS } from './responses.js';

const RCODE_NAME: Readonly<Record<number, string>> = Object.freeze(Object.fromEntries(Object.entries(RCODE).map(([k, v]) => [v, k])));

function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export interface MetricsInfo {
  identity: Identity;
  version: string;
  udpBackend: string | undefined;
}

export function renderMetrics(s: DnsOriginStats, info: MetricsInfo): string {
  const out: string[] = [];
  const family = (name: string, type: 'counter' | 'gauge', help: string, samples: [string, number][]): void => {
    out.push(`# HELP anycast_dns_origin_${name} ${help}`, `# TYPE anycast_dns_origin_${name} ${type}`);
    for (const [labels, v] of samples) out.push(`anycast_dns_origin_${name}${labels} ${v}`);
  };
  family('info', 'gauge', 'Who is answering: identity, region, version and UDP I/O.', [[
    `{id="${label(info.identity.id)}",region="${label(info.identity.region ?? '')}",version="${label(info.version)}",udp_backend="${label(info.udpBackend ?? '')}"}`, 1,
  ]]);
  family('queries_total', 'counter', 'Messages received, by transport.', [['{transport="udp"}', s.udpQueries], ['{transport="tcp"}', s.tcpQueries]]);
  family('responses_total', 'counter', 'Answers sent, by response code.', Object.entries(s.rcodes).map(([rc, n]) => [`{rcode="${RCODE_NAME[Number(rc)] ?? rc}"}`, n]));
  family('answers_total', 'counter', 'Answers sent, by kind: identity (id.server, hostname.bind, id.<zone>), version, zone, whoami, refused, error (FORMERR, NOTIMP, NOTAUTH, BADVERS).',
    ANSWER_KINDS.map((k, i) => [`{kind="${k}"}`, s.answers[i] ?? 0]));
  family('dropped_total', 'counter', 'Messages dropped without an answer (not a query).', [['', s.dropped]]);
  family('truncated_total', 'counter', 'Answers sent with TC set (too large for UDP, or an RRL slip).', [['', s.truncated]]);
  family('nsid_total', 'counter', 'Answers that carried the NSID.', [['', s.nsid]]);
  family('rrl_limited_total', 'counter', 'UDP responses response rate limiting held back, by action.', [['{action="drop"}', s.rrlDropped], ['{action="slip"}', s.rrlSlipped]]);
  family('tcp_connections', 'gauge', 'Open TCP connections.', [['', s.tcpConnections]]);
  family('tcp_connections_total', 'counter', 'TCP connections accepted.', [['', s.tcpConnectionsTotal]]);
  family('tcp_connections_refused_total', 'counter', 'TCP connections refused at accept (tcp.maxConnections open).', [['', s.tcpRefused]]);
  family('tcp_connections_closed_total', 'counter', 'TCP connections the server closed (timeouts, query cap, bad framing).', [['', s.tcpTimeouts]]);
  family('workers', 'gauge', 'Processes answering.', [['', s.workers]]);
  family('draining', 'gauge', '1 from the moment drain() starts (the TCP listener is closed), else 0.', [['', s.state === 'draining' ? 1 : 0]]);
  return `${out.join('\n')}\n`;
}
