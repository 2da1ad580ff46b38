/**
 * Where the autopilot's load comes from. Three sources behind one interface (load.ts):
 *
 * - `targets`: the origins' own /metrics pages, at the addresses of a targets file
 *   (readTargetsFile: the lab's state file, or a list of { id, region, metrics });
 * - `ec2`: the same pages, at the addresses EC2 gives the endpoints' instances (ec2.ts);
 * - `prometheus`: a Prometheus server that already scrapes them (prometheus.ts).
 *
 * Scraping (scrapeSource) reads every expected endpoint's page at once, each within a
 * deadline, and turns counters into rates as Prometheus's rate() does: the increase of each
 * series over the real time between this scrape and the previous one of the same endpoint,
 * a series that went down being a restart (its increase is its new value). The first scrape
 * of an endpoint has no rate. A page must be the endpoint's own: its anycast_http_origin_info
 * `id` is the endpoint id or `<endpoint id>.<zone>` (the identity the origins take by
 * default), and its `region`, when set, the endpoint's; else the address is wrong and the
 * Region has no figure. Targets Global Accelerator sends no traffic to are not scraped: a
 * drained or unhealthy host's data is not needed.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { o, parseOptions } from '@anycast-origin/options';
import type { OptionsInput } from '@anycast-origin/options';
import { z } from 'zod';
import { InvalidOptionError, InvalidStateError, TargetsFileError } from '../errors.js';
import { REGION_NAME } from '../options.js';
import { createAgent, get } from './http.js';
import { FIRST_SAMPLE, errorText, regionsOf, uniqueExpected } from './load.js';
import type { EndpointLoad, Expected, LoadSource, MissingTarget, Target } from './load.js';
import { parsePrometheusText, seriesKey } from './prometheus-text.js';
import type { Sample } from './prometheus-text.js';
import { SOURCE_TIMEOUT_MS } from './source-options.js';

export type { EndpointLoad, Expected, LoadReading, LoadSource, MissingTarget, RegionLoad, Target } from './load.js';
export { FIRST_SAMPLE, NO_ENDPOINT } from './load.js';
export { ec2Targets } from './ec2.js';
export type { Ec2TargetsOptions } from './ec2.js';
export { prometheusSource, prometheusQueries } from './prometheus.js';
export type { PrometheusSourceOptions } from './prometheus.js';

/** The metric names the load is made of. */
export const METRICS = Object.freeze({
  info: 'anycast_http_origin_info',
  http: 'anycast_http_origin_requests_total',
  dns: 'anycast_dns_origin_queries_total',
});
/** HTTP routes that are not user load: the accelerator's health checks and the scrapes themselves. */
export const NOT_LOAD_ROUTES: readonly string[] = Object.freeze(['healthz', 'metrics']);

// ---------------------------------------------------------------------------------------------
// The targets file

const region = z.string().regex(REGION_NAME, 'must be an AWS Region name like eu-central-1');
const id = z.string().min(1, 'must be a non-empty string');
const metricsUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}, 'must be an http:// or https:// URL');
const TARGET_LIST = z.array(z.object({ id, region, metrics: metricsUrl }).loose());
const LAB_STATE = z.object({
  endpoints: z.array(z.object({
    id, region,
    address: z.string().refine((s) => isIP(s) !== 0, 'must be an IP address'),
    http: z.number().int().min(1).max(65_535),
  }).loose()),
}).loose();

function issueText(issue: z.core.$ZodIssue, data: unknown): string {
  const where: string[] = [];
  let node: unknown = data;
  for (const key of issue.path) {
    node = (node as Record<PropertyKey, unknown> | undefined)?.[key as string];
    if (typeof key === 'number') {
      const entryId = (node as { id?: unknown } | undefined)?.id;
      where.push(`[${key}]${typeof entryId === 'string' && entryId !== '' ? ` (${entryId})` : ''}`);
    } else where.push(`${where.length > 0 ? '.' : ''}${String(key)}`);
  }
  const got = issue.code === 'invalid_type' && node === undefined ? 'is missing' : `${issue.message}, got ${JSON.stringify(node)}`;
  return `${where.join('') || 'the file'} ${issue.code === 'invalid_type' && node === undefined ? got : got.replace(/^Invalid input: /, '')}`;
}

/**
 * The endpoints' metrics addresses from a file: the lab's state file (`endpoints[]` with id,
 * region, address and http port: http://address:http/metrics) or a JSON list of
 * `{ id, region, metrics }`. Throws TargetsFileError naming the file, the entry and what is wrong.
 */
export function readTargetsFile(file: string): Target[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TargetsFileError(file, `cannot read it: ${errorText(e)}`, { cause: e });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new TargetsFileError(file, `not JSON: ${errorText(e)}`, { cause: e });
  }
  let targets: Target[];
  if (Array.isArray(data)) {
    const r = TARGET_LIST.safeParse(data);
    if (!r.success) throw new TargetsFileError(file, issueText(r.error.issues[0]!, data));
    targets = r.data.map((t) => ({ id: t.id, region: t.region, metrics: t.metrics }));
  } else if (typeof data === 'object' && data !== null && 'endpoints' in data) {
    const r = LAB_STATE.safeParse(data);
    if (!r.success) throw new TargetsFileError(file, `(a lab state file) ${issueText(r.error.issues[0]!, data)}`);
    targets = r.data.endpoints.map((e) => ({
      id: e.id, region: e.region, metrics: `http://${isIP(e.address) === 6 ? `[${e.address}]` : e.address}:${e.http}/metrics`,
    }));
  } else {
    throw new TargetsFileError(file, 'must be a JSON list of { id, region, metrics } or the lab\'s state file (with endpoints[])');
  }
  if (targets.length === 0) throw new TargetsFileError(file, 'lists no endpoint');
  const first = new Map<string, number>();
  targets.forEach((t, i) => {
    const j = first.get(t.id);
    if (j !== undefined) throw new TargetsFileError(file, `endpoint ${t.id} twice (entries ${j} and ${i})`);
    first.set(t.id, i);
  });
  return targets;
}

// ---------------------------------------------------------------------------------------------
// Scraping

type TargetsFn = (expected: readonly Expected[]) => Promise<readonly (Target | MissingTarget)[]> | readonly (Target | MissingTarget)[];

const isFunction = (v: unknown): boolean => typeof v === 'function';

/** Options of scrapeSource(). */
export const SCRAPE_OPTIONS = o.group({
  targets: o.custom(z.custom<TargetsFn>(isFunction), { required: true, expects: 'a function (expected endpoints) -> targets', doc: 'where each expected endpoint\'s /metrics is' }),
  kind: o.enum(['targets', 'ec2'], { default: 'targets', doc: 'the kind the source reports (where the targets come from)' }),
  timeoutMs: SOURCE_TIMEOUT_MS,
  concurrency: o.integer({ min: 1, max: 1024, default: 64, doc: 'scrapes in flight at once' }),
  now: o.custom(z.custom<() => number>(isFunction), { expects: 'a function returning ms', doc: 'the clock', defaultText: 'Date.now' }),
}, { doc: 'scrape source options' });
export type ScrapeSourceOptions = OptionsInput<typeof SCRAPE_OPTIONS>;

/** One successful scrape of an endpoint: counters by series. */
interface Scrape {
  at: number;
  http: Map<string, number>;
  /** null: the page has no DNS counters (a host without the DNS origin) */
  dns: Map<string, number> | null;
}

/** The increase of counters between two scrapes; a series that went down restarted from 0. */
function increase(before: ReadonlyMap<string, number>, now: ReadonlyMap<string, number>): number {
  let sum = 0;
  for (const [key, v] of now) {
    const b = before.get(key);
    sum += b === undefined || v < b ? v : v - b;
  }
  return sum;
}

function counters(samples: readonly Sample[], name: string, keep: (s: Sample) => boolean): Map<string, number> | string | null {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== name || !keep(s)) continue;
    if (!Number.isFinite(s.value) || s.value < 0) return `${name}${JSON.stringify(s.labels)} is ${s.value}, not a counter`;
    out.set(seriesKey(s.name, s.labels), s.value);
  }
  return samples.some((s) => s.name === name) ? out : null;
}

/** The page's counters, after checking it is the endpoint's own; a string says what is wrong. */
function readPage(text: string, endpoint: Expected): Omit<Scrape, 'at'> | string {
  let samples: readonly Sample[];
  try {
    samples = parsePrometheusText(text).samples;
  } catch (e) {
    return `not a metrics page: ${errorText(e)}`;
  }
  const info = samples.filter((s) => s.name === METRICS.info);
  if (info.length !== 1) return info.length === 0 ? `no ${METRICS.info} on the page (not an origin's /metrics?)` : `${info.length} ${METRICS.info} samples on the page`;
  const who = info[0]!.labels.id ?? '';
  if (who !== endpoint.id && !who.startsWith(`${endpoint.id}.`)) return `the page is ${JSON.stringify(who)}'s, not ${endpoint.id}'s (wrong address?)`;
  const where = info[0]!.labels.region ?? '';
  if (where !== '' && where !== endpoint.region) return `the page is of Region ${where}, the endpoint's group is in ${endpoint.region} (wrong address?)`;
  const http = counters(samples, METRICS.http, (s) => !NOT_LOAD_ROUTES.includes(s.labels.route ?? ''));
  if (typeof http === 'string') return http;
  if (http === null) return `no ${METRICS.http} on the page`;
  const dns = counters(samples, METRICS.dns, () => true);
  if (typeof dns === 'string') return dns;
  return { http, dns };
}

/** Run fn over items, at most `limit` at once. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * A load source that scrapes the expected endpoints' /metrics pages itself. `targets` maps
 * the expected endpoints to their pages (readTargetsFile's list, ec2Targets, ...). Validates
 * its options (InvalidOptionError); read() throws only when called after close().
 */
export function scrapeSource(options: ScrapeSourceOptions): LoadSource {
  const opts = parseOptions(SCRAPE_OPTIONS, options, (option, message) => new InvalidOptionError(option, message));
  const now = opts.now ?? Date.now;
  const agent = createAgent(opts.timeoutMs);
  const last = new Map<string, Scrape>();
  let lastRead: number | undefined;
  let closed = false;

  async function scrape(endpoint: Expected, url: string): Promise<EndpointLoad> {
    const at = now();
    const missing = (error: string): EndpointLoad => ({ id: endpoint.id, rate: null, http: null, dns: null, error });
    let text: string;
    try {
      const answer = await get(agent, url, opts.timeoutMs, 'text/plain;version=0.0.4');
      if (answer.status !== 200) return missing(`${url}: HTTP ${answer.status}`);
      text = answer.body;
    } catch (e) {
      return missing(`${url}: ${errorText(e)}`);
    }
    const page = readPage(text, endpoint);
    if (typeof page === 'string') return missing(`${url}: ${page}`);
    const before = last.get(endpoint.id);
    last.set(endpoint.id, { at, ...page });
    if (before === undefined) return missing(FIRST_SAMPLE);
    const seconds = (at - before.at) / 1000;
    if (!(seconds > 0)) return missing(`no time since the previous scrape (${seconds} s)`);
    if ((before.dns === null) !== (page.dns === null)) {
      return missing(page.dns === null ? `no ${METRICS.dns} on the page (the previous scrape had them)` : `${METRICS.dns} new on the page (no rate yet)`);
    }
    const http = increase(before.http, page.http) / seconds;
    const dns = page.dns === null ? 0 : increase(before.dns!, page.dns) / seconds;
    return { id: endpoint.id, rate: http + dns, http, dns };
  }

  return {
    kind: opts.kind,
    async read(expected) {
      if (closed) throw new InvalidStateError('the load source is closed');
      const at = now();
      const intervalSeconds = lastRead === undefined ? null : (at - lastRead) / 1000;
      lastRead = at;
      const want = uniqueExpected(expected);
      const loads = new Map<string, EndpointLoad>();
      const fail = (e: Expected, error: string): void => {
        loads.set(e.id, { id: e.id, rate: null, http: null, dns: null, error });
      };
      let targets: readonly (Target | MissingTarget)[] = [];
      try {
        targets = want.length > 0 ? await opts.targets(want) : [];
      } catch (e) {
        for (const x of want) fail(x, `no metrics address: ${errorText(e)}`);
      }
      const byId = new Map<string, (Target | MissingTarget)[]>();
      for (const t of targets) byId.set(t.id, [...(byId.get(t.id) ?? []), t]);
      const jobs: { endpoint: Expected; url: string }[] = [];
      for (const e of want) {
        if (loads.has(e.id)) continue;
        const found = byId.get(e.id) ?? [];
        const t = found[0];
        if (t === undefined) fail(e, 'no metrics address (not among the targets)');
        else if (found.length > 1) fail(e, `${found.length} targets for this endpoint`);
        else if (t.metrics === null) fail(e, (t as MissingTarget).why);
        else jobs.push({ endpoint: e, url: t.metrics });
      }
      await pool(jobs, opts.concurrency, async (j) => {
        loads.set(j.endpoint.id, await scrape(j.endpoint, j.url));
      });
      // An endpoint not scraped now starts afresh when it takes traffic again: a rate over the
      // hours it was drained would say nothing of its load now.
      const wanted = new Set(want.map((e) => e.id));
      for (const key of [...last.keys()]) if (!wanted.has(key)) last.delete(key);
      return { at, intervalSeconds, regions: regionsOf(want, loads, targets.map((t) => t.region)) };
    },
    close() {
      if (closed) return;
      closed = true;
      void agent.close();
    },
  };
}
