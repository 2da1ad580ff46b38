/**
 * dnsperf input and output for the DNS benchmark (NSD and Knot configs come from
 * @anycast-origin/testkit, shared with the DNS differential tests). Pure functions, tested in
 * benchmarks/test/dns-peers.ts.
 */
/** A CH TXT query for `name`, length-prefixed (dnsperf -B input). */
export function binaryQuery(name: string, qtype = 16, qclass = 3): Buffer {
  const labels = name.split('.').filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')]));
  const msg = Buffer.concat([
    Buffer.from([0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]),
    ...labels, Buffer.from([0]),
    Buffer.from([qtype >> 8, qtype & 255, qclass >> 8, qclass & 255]),
  ]);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

export interface DnsperfResult {
  qps: number;
  sent: number;
  completed: number;
  lost: number;
  /** Mean query latency, ms (NaN when dnsperf printed none). */
  avgLatencyMs: number;
}

export function parseDnsperf(out: string): DnsperfResult {
  const num = (re: RegExp) => { const m = re.exec(out); return m?.[1] ? Number(m[1]) : NaN; };
  return {
    qps: num(/Queries per second:\s+([\d.]+)/),
    sent: num(/Queries sent:\s+(\d+)/),
    completed: num(/Queries completed:\s+(\d+)/),
    lost: num(/Queries lost:\s+(\d+)/),
    avgLatencyMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
  };
}
