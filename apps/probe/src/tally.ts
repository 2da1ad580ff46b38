/**
 * The seed's `sort | uniq -c | sort -rn`, with shares, error kinds and latency percentiles: one
 * tally for `probe http` and `probe dns`, fed one outcome per request or query.
 */
import { regionFromIdentity } from './identity.js';

/** Why a request or query got no identity. */
export type ErrorKind =
  | 'refused' // connection refused (TCP RST / ICMP port unreachable)
  | 'timeout' // no (complete) answer in time
  | 'reset' // the connection closed or broke mid-answer
  | 'status' // HTTP status other than 200
  | 'rcode' // DNS answer with an RCODE other than NOERROR
  | 'truncated' // DNS answer over UDP with TC set
  | 'garbage' // an answer that does not parse
  | 'no-identity' // a well-formed answer that names no identity
  | 'other';

export type Outcome =
  | { ok: true; identity: string; connectMs?: number; totalMs: number }
  | { ok: false; kind: ErrorKind; detail: string; connectMs?: number; totalMs: number };

export interface MeasureHooks {
  /** called after every request, query or vantage point */
  onProgress?: (done: number, total: number) => void;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
}

export interface AnswerRow {
  identity: string;
  region: string | null;
  count: number;
  /** count / ok */
  share: number;
}

export interface MeasureReport {
  target: string;
  total: number;
  ok: number;
  errors: number;
  /** errors per kind, only kinds that occurred */
  errorKinds: Partial<Record<ErrorKind, number>>;
  /** the first message of each error kind, for a person to read */
  errorSamples: Partial<Record<ErrorKind, string>>;
  /** identities, most answers first (ties by identity) */
  answers: AnswerRow[];
  /** answers per region, most first; null is an identity that names no region */
  regions: { region: string | null; count: number; share: number }[];
  /** total time of answered requests: from the start of the request (connect included) to the full answer */
  latencyMs: Percentiles | null;
  /** connect time of answered requests that opened a connection (TCP); null for UDP */
  connectMs: Percentiles | null;
}

/** Nearest-rank percentile of sorted values. */
function rank(sorted: readonly number[], p: number): number {
  const i = Math.max(0, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.min(i, sorted.length - 1)] as number;
}

function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export function percentiles(values: readonly number[]): Percentiles | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return { p50: round(rank(s, 50)), p90: round(rank(s, 90)), p99: round(rank(s, 99)) };
}

/** Aggregate outcomes into the report (`probe http`/`probe dns` JSON). */
export function tally(target: string, outcomes: readonly Outcome[]): MeasureReport {
  const byId = new Map<string, number>();
  const errorKinds: Partial<Record<ErrorKind, number>> = {};
  const errorSamples: Partial<Record<ErrorKind, string>> = {};
  const total: number[] = [];
  const connect: number[] = [];
  for (const o of outcomes) {
    if (o.ok) {
      byId.set(o.identity, (byId.get(o.identity) ?? 0) + 1);
      total.push(o.totalMs);
      if (o.connectMs !== undefined) connect.push(o.connectMs);
    } else {
      errorKinds[o.kind] = (errorKinds[o.kind] ?? 0) + 1;
      errorSamples[o.kind] ??= o.detail;
    }
  }
  const ok = total.length;
  const answers: AnswerRow[] = [...byId]
    .map(([identity, count]) => ({ identity, region: regionFromIdentity(identity) ?? null, count, share: round(count / ok, 4) }))
    .sort((a, b) => b.count - a.count || a.identity.localeCompare(b.identity));
  const byRegion = new Map<string | null, number>();
  for (const a of answers) byRegion.set(a.region, (byRegion.get(a.region) ?? 0) + a.count);
  const regions = [...byRegion]
    .map(([region, count]) => ({ region, count, share: round(count / ok, 4) }))
    .sort((a, b) => b.count - a.count || String(a.region).localeCompare(String(b.region)));
  return {
    target,
    total: outcomes.length,
    ok,
    errors: outcomes.length - ok,
    errorKinds,
    errorSamples,
    answers,
    regions,
    latencyMs: percentiles(total),
    connectMs: percentiles(connect),
  };
}

/**
 * Run `count` jobs with at most `concurrency` in flight; results in job order. Each job gets
 * its index. Progress is reported after every job.
 */
export async function pool<T>(count: number, concurrency: number, job: (i: number) => Promise<T>, onProgress?: (done: number, total: number) => void): Promise<T[]> {
  const out = new Array<T>(count);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      out[i] = await job(i);
      done++;
      onProgress?.(done, count);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}
