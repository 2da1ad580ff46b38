/**
 * Load from a Prometheus server that scrapes the origins (`--prometheus URL`), through its
 * HTTP API: GET <url>/api/v1/query?query=... answers
 * `{status:"success",data:{resultType:"vector",result:[{metric:{...},value:[ts,"v"]}]}}`
 * or `{status:"error",errorType,error}`. Three instant queries per read, W the window in s:
 *
 *   http:   sum by (id, region) (rate(anycast_http_origin_requests_total{route!~"healthz|metrics"}[Ws])
 *             * on(job, instance) group_left(id, region) anycast_http_origin_info)
 *   dns:    sum by (id, region) (rate(anycast_dns_origin_queries_total[Ws])
 *             * on(job, instance) group_left(id, region) anycast_dns_origin_info)
 *   fresh:  max by (id, region) (timestamp(anycast_http_origin_info))
 *
 * Each origin's counters are joined to its own info metric by the scrape's job and instance,
 * which gives every series the endpoint's id and Region whatever labels the scrape config adds.
 * Per endpoint (the info `id` is the endpoint id or `<endpoint id>.<zone>`): no fresh series,
 * or a freshest sample older than 2 windows (Prometheus's evaluation time less the sample's,
 * so neither clock needs to agree with ours), is missing ("stale: last sample 45 s old"); no
 * HTTP rate yet (fewer than two samples in the window) is missing; no DNS series is 0 (a host
 * without the DNS origin). A Prometheus that cannot be reached or answers an error or
 * something else than the documented JSON leaves every Region without a figure, with why.
 */
import { o, parseOptions } from '@anycast-origin/options';
import type { OptionsInput } from '@anycast-origin/options';
import { z } from 'zod';
import { InvalidOptionError, InvalidStateError } from '../errors.js';
import { createAgent, get } from './http.js';
import { errorText, regionsOf, uniqueExpected } from './load.js';
import { PROMETHEUS_WINDOW, SOURCE_TIMEOUT_MS } from './source-options.js';
import type { EndpointLoad, Expected, LoadSource } from './load.js';

export const PROMETHEUS_OPTIONS = o.group({
  url: o.url({ required: true, doc: 'base URL of the Prometheus server (its API is <url>/api/v1/query)' }),
  window: PROMETHEUS_WINDOW,
  timeoutMs: SOURCE_TIMEOUT_MS,
  now: o.custom(z.custom<() => number>((v) => typeof v === 'function'), { expects: 'a function returning ms', doc: 'the clock', defaultText: 'Date.now' }),
}, { doc: 'prometheusSource options' });
export type PrometheusSourceOptions = OptionsInput<typeof PROMETHEUS_OPTIONS>;

/** The three queries of a read, for a window of `window` seconds. */
export function prometheusQueries(window: number): { http: string; dns: string; fresh: string } {
  return {
    http: `sum by (id, region) (rate(anycast_http_origin_requests_total{route!~"healthz|metrics"}[${window}s]) * on(job, instance) group_left(id, region) anycast_http_origin_info)`,
    dns: `sum by (id, region) (rate(anycast_dns_origin_queries_total[${window}s]) * on(job, instance) group_left(id, region) anycast_dns_origin_info)`,
    fresh: 'max by (id, region) (timestamp(anycast_http_origin_info))',
  };
}

const VECTOR = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('vector'),
    result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) })),
  }),
});
const ERROR = z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() });

interface Row {
  id: string;
  region: string;
  /** Prometheus's evaluation time, s */
  at: number;
  value: number;
}

function parseNumber(s: string): number {
  const v = Number(s);
  return s.trim() === '' ? NaN : v;
}

/** Run one instant query; the rows, or throws an Error whose message is the reason. */
async function query(agent: ReturnType<typeof createAgent>, base: string, q: string, timeoutMs: number): Promise<Row[]> {
  const answer = await get(agent, `${base}/api/v1/query?query=${encodeURIComponent(q)}`, timeoutMs, 'application/json');
  let json: unknown;
  try {
    json = JSON.parse(answer.body);
  } catch {
    throw new Error(`HTTP ${answer.status}, not JSON${answer.status === 200 ? '' : ` (is ${base} a Prometheus server?)`}`);
  }
  const err = ERROR.safeParse(json);
  if (err.success) throw new Error(`${err.data.errorType}: ${err.data.error}`);
  const ok = VECTOR.safeParse(json);
  if (!ok.success || answer.status !== 200) {
    const issue = ok.error?.issues[0];
    throw new Error(`HTTP ${answer.status}, not a vector answer${issue ? ` (${issue.path.join('.') || 'the answer'}: ${issue.message})` : ''}`);
  }
  return ok.data.data.result.map((r) => ({ id: r.metric.id ?? '', region: r.metric.region ?? '', at: r.value[0], value: parseNumber(r.value[1]) }));
}

/** The endpoint's row: its id, or `<id>.<zone>`; a string when there are several. */
function rowOf(rows: readonly Row[], id: string): Row | undefined | string {
  const mine = rows.filter((r) => r.id === id || r.id.startsWith(`${id}.`));
  if (mine.length > 1) return `${mine.length} series (${mine.map((r) => `${r.id} in ${r.region || '?'}`).join(', ')})`;
  return mine[0];
}

export function prometheusSource(options: PrometheusSourceOptions): LoadSource {
  const opts = parseOptions(PROMETHEUS_OPTIONS, options, (option, message) => new InvalidOptionError(option, message));
  const now = opts.now ?? Date.now;
  const base = opts.url.replace(/\/+$/, '');
  const queries = prometheusQueries(opts.window);
  const agent = createAgent(opts.timeoutMs);
  let closed = false;

  function endpointLoad(e: Expected, http: Row[], dns: Row[], fresh: Row[]): EndpointLoad {
    const missing = (error: string): EndpointLoad => ({ id: e.id, rate: null, http: null, dns: null, error });
    const f = rowOf(fresh, e.id);
    if (typeof f === 'string') return missing(f);
    if (f === undefined) return missing('no series in Prometheus (not scraped, or down)');
    if (f.region !== '' && f.region !== e.region) return missing(`Prometheus has it in Region ${f.region}, the endpoint's group is in ${e.region}`);
    const age = f.at - f.value;
    if (!(age <= 2 * opts.window)) return missing(`stale: last sample ${Number.isFinite(age) ? Math.round(age) : '?'} s old`);
    const h = rowOf(http, e.id);
    const d = rowOf(dns, e.id);
    if (typeof h === 'string') return missing(h);
    if (typeof d === 'string') return missing(d);
    if (h === undefined) return missing(`no rate yet (fewer than two samples in ${opts.window} s)`);
    const dnsRate = d?.value ?? 0;
    if (!Number.isFinite(h.value) || h.value < 0 || !Number.isFinite(dnsRate) || dnsRate < 0) return missing(`Prometheus answered a rate of ${Number.isFinite(h.value) ? dnsRate : h.value}`);
    return { id: e.id, rate: h.value + dnsRate, http: h.value, dns: dnsRate };
  }

  return {
    kind: 'prometheus',
    async read(expected) {
      if (closed) throw new InvalidStateError('the load source is closed');
      const at = now();
      const want = uniqueExpected(expected);
      const loads = new Map<string, EndpointLoad>();
      let known: string[] = [];
      try {
        const [http, dns, fresh] = await Promise.all([queries.http, queries.dns, queries.fresh].map((q) => query(agent, base, q, opts.timeoutMs)));
        for (const e of want) loads.set(e.id, endpointLoad(e, http!, dns!, fresh!));
        known = fresh!.map((r) => r.region).filter((r) => r !== '');
      } catch (e) {
        for (const x of want) loads.set(x.id, { id: x.id, rate: null, http: null, dns: null, error: `prometheus ${base}: ${errorText(e)}` });
      }
      return { at, intervalSeconds: opts.window, regions: regionsOf(want, loads, known) };
    },
    close() {
      if (closed) return;
      closed = true;
      void agent.close();
    },
  };
}
