/** Load generators: wrk and autocannon, pinned to the load core; output parsers. */
import { createRequire } from 'node:module';
import { runPinned } from '../lib/harness.js';

export interface LoadResult {
  rps: number;
  /** Requests completed in the run. */
  requests: number;
  /** 99th percentile latency in milliseconds. */
  p99Ms: number;
  /** Median and mean latency in milliseconds (wrk only). */
  p50Ms?: number;
  avgMs?: number;
  /** Non-2xx answers plus socket errors. */
  errors: number;
}

const UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/** Parse `wrk --latency` output. */
export function parseWrk(out: string): LoadResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(out);
  if (!rps?.[1] || !p99?.[1] || !p99[2]) throw new Error(`cannot parse wrk output:\n${out}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const sockErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const ms = (m: RegExpExecArray | null) => (m?.[1] && m[2] ? Number(m[1]) * (UNITS[m[2]] ?? 1) : NaN);
  return {
    rps: Number(rps[1]), requests, p99Ms: ms(p99), p50Ms: ms(/^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(out)), avgMs: ms(/^\s+Latency\s+([\d.]+)(us|ms|s|m)\s/m.exec(out)),
    errors: non2xx + sockErrors,
  };
}

/** Parse `autocannon --json` output (the last JSON line). */
export function parseAutocannon(out: string): LoadResult {
  const line = out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (!line) throw new Error(`cannot parse autocannon output:\n${out}`);
  const j = JSON.parse(line) as { requests: { average: number; total?: number }; latency: { p99: number }; non2xx: number; errors: number; timeouts: number };
  return { rps: j.requests.average, requests: j.requests.total ?? 0, p99Ms: j.latency.p99, errors: (j.non2xx ?? 0) + (j.errors ?? 0) + (j.timeouts ?? 0) };
}

/** wrk -t1 against `http://<host>:<port>/`; `headers` are added to every request (`Connection: close` for a new connection each). */
export async function wrk(cpu: number, port: number, seconds: number, connections = 64, opts: { host?: string; headers?: readonly string[] } = {}): Promise<LoadResult> {
  const headers = (opts.headers ?? []).flatMap((h) => ['-H', h]);
  const r = await runPinned(cpu, 'wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', ...headers, `http://${opts.host ?? '127.0.0.1'}:${port}/`]);
  if (r.code !== 0) throw new Error(`wrk exited ${r.code}: ${r.stderr}${r.stdout}`);
  return parseWrk(r.stdout);
}

const require = createRequire(import.meta.url);

export async function autocannon(cpu: number, port: number, seconds: number, connections = 64, pipelining = 10): Promise<LoadResult> {
  const bin = require.resolve('autocannon/autocannon.js');
  const r = await runPinned(cpu, process.execPath, [bin, '-c', String(connections), '-p', String(pipelining), '-d', String(seconds), '--json', `http://127.0.0.1:${port}/`]);
  if (r.code !== 0) throw new Error(`autocannon exited ${r.code}: ${r.stderr}`);
  return parseAutocannon(r.stdout);
}
