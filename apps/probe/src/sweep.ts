/**
 * `probe sweep`: one measurement from each vantage point of a list (the lab gives every vantage
 * point its own loopback address), sent from that point's address, written as RIPE Atlas
 * results (the fw 5000 shape: prb_id, msm_id, timestamp, from, dst_addr, af, proto, type, and
 * for DNS a `result` with rt, size and the answer as base64 `abuf`, NSID included) so a lab run
 * and a real Atlas run go through the same reader, table, map and compare. Each result also
 * carries the vantage point's `latitude`, `longitude` and `name` (not in Atlas's format; the
 * reader takes positions from there).
 */
import { parseHostPort } from '@anycast-origin/net';
import { parseRun } from './atlas.js';
import type { Run } from './atlas.js';
import { dnsOnce } from './dns.js';
import { InvalidOptionError } from './errors.js';
import { httpOnce } from './http.js';
import { SWEEP_OPTIONS, resolve } from './options.js';
import type { OptionsInput, VantagePoint } from './options.js';
import { pool } from './tally.js';
import type { MeasureHooks, Outcome } from './tally.js';

export type SweepOptions = OptionsInput<typeof SWEEP_OPTIONS>;

/** The firmware number written into sweep results: the result shape they follow. */
export const SWEEP_FIRMWARE = 5000;

export interface SweepResult {
  /** RIPE Atlas results, one per vantage point, in the list's order */
  results: Record<string, unknown>[];
  run: Run;
  /** vantage points that got an identity */
  answered: number;
}

function family(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

/** Atlas's error object for a measurement with no answer. */
function atlasError(o: Outcome & { ok: false }, timeoutMs: number): Record<string, unknown> {
  return o.kind === 'timeout' ? { timeout: timeoutMs } : { socket: o.detail };
}

function header(answer: Buffer): Record<string, number> {
  if (answer.length < 12) return {};
  return { ID: answer.readUInt16BE(0), QDCOUNT: answer.readUInt16BE(4), ANCOUNT: answer.readUInt16BE(6), NSCOUNT: answer.readUInt16BE(8), ARCOUNT: answer.readUInt16BE(10) };
}

const ms = (v: number) => Math.round(v * 1000) / 1000;

/**
 * Measure once from every vantage point. Never throws for a failed measurement (it is an
 * `error` in the results); throws InvalidOptionError for bad options.
 */
export async function sweep(options: SweepOptions, hooks: MeasureHooks = {}): Promise<SweepResult> {
  const o = resolve(SWEEP_OPTIONS, options);
  const isUrl = /^https?:\/\//i.test(o.target);
  if (o.protocol === 'http' && !isUrl) throw new InvalidOptionError('target', `must be an http:// or https:// URL for protocol http, got ${JSON.stringify(o.target)}`);
  if (o.protocol === 'dns' && isUrl) throw new InvalidOptionError('target', `must be an IP address with an optional port for protocol dns, got ${JSON.stringify(o.target)}`);
  const points: VantagePoint[] = o.vantagePoints;
  const stamp = Math.floor(Date.now() / 1000);

  const one = async (v: VantagePoint): Promise<Record<string, unknown>> => {
    const common = {
      fw: SWEEP_FIRMWARE,
      msm_id: o.msmId,
      prb_id: v.id,
      timestamp: stamp,
      from: v.address,
      src_addr: v.address,
      latitude: v.latitude,
      longitude: v.longitude,
      ...(v.name !== undefined ? { name: v.name } : {}),
    };
    if (o.protocol === 'http') {
      const url = new URL(o.target);
      const dst = url.hostname.replace(/^\[|\]$/g, '');
      const a = await httpOnce(o.target, { sourceAddress: v.address, timeoutMs: o.timeoutMs });
      const entry: Record<string, unknown> = { af: family(dst), dst_addr: dst, method: 'GET', src_addr: v.address, ver: '1.1' };
      if (a.status !== undefined) Object.assign(entry, { res: a.status, rt: ms(a.outcome.totalMs), hsize: a.headerBytes ?? 0, bsize: Buffer.byteLength(a.body ?? ''), body: a.body ?? '' });
      else entry.err = a.outcome.ok ? 'no answer' : a.outcome.detail;
      return { ...common, type: 'http', msm_name: 'HTTPGet', uri: o.target, dst_addr: dst, af: family(dst), result: [entry] };
    }
    const { host, port } = parseHostPort(o.target, { defaultPort: 53, label: 'target' });
    const x = await dnsOnce(host, port, { qname: o.qname, qclass: o.qclass, qtype: o.qtype, nsid: true, tcp: o.tcp, sourceAddress: v.address, timeoutMs: o.timeoutMs });
    const dns = { ...common, type: 'dns', msm_name: 'Tdig', dst_addr: host, dst_port: String(port), af: family(host), proto: o.tcp ? 'TCP' : 'UDP' };
    if (x.answer) return { ...dns, result: { rt: ms(x.outcome.totalMs), size: x.answer.length, abuf: x.answer.toString('base64'), ...header(x.answer) } };
    return { ...dns, error: atlasError(x.outcome as Outcome & { ok: false }, o.timeoutMs) };
  };

  const results = await pool(points.length, o.concurrency, (i) => one(points[i] as VantagePoint), hooks.onProgress);
  const run = parseRun(results, 'sweep');
  return { results, run, answered: run.probes.filter((p) => p.identity !== undefined).length };
}
