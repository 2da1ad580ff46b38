/**
 * What a load source hands the autopilot's controller, whatever the source (the origins'
 * /metrics scraped by us, or a Prometheus server's query API): requests per second per Region,
 * with each endpoint's share, and, when a Region's figure is missing, why. The controller
 * holds a Region's dial when its rate is null: it never acts on no data.
 *
 * Load is user traffic: HTTP requests on every route but /healthz and /metrics (health checks
 * and scrapes are not load) plus DNS queries on every transport.
 */

/** Where an endpoint's /metrics page is. `id` is the Global Accelerator endpoint id (the instance id). */
export interface Target {
  id: string;
  region: string;
  /** http(s) URL of the endpoint's /metrics page */
  metrics: string;
}

/** An endpoint whose metrics address could not be found (not running, IPv6-only, ...): `why`. */
export interface MissingTarget {
  id: string;
  region: string;
  metrics: null;
  why: string;
}

/** The endpoints Global Accelerator sends traffic to (healthy, weight > 0): their data must be there. */
export interface Expected {
  id: string;
  region: string;
}

export interface EndpointLoad {
  id: string;
  /** req/s, http + dns; null when missing (then `error` says why) */
  rate: number | null;
  http: number | null;
  dns: number | null;
  error?: string;
}

export interface RegionLoad {
  region: string;
  /** req/s (http + dns) of the Region; null when any expected endpoint's data is missing or stale */
  rate: number | null;
  http: number | null;
  dns: number | null;
  /** why rate is null ("i-0abc: connect ECONNREFUSED 127.0.0.2:8080"), or why it is 0 without data ("no endpoint takes traffic") */
  why?: string;
  endpoints: EndpointLoad[];
}

export interface LoadReading {
  /** ms, the source's clock, when the reading started */
  at: number;
  /** seconds the rates are over: since the previous read (scrapes; null on the first), or the query window (Prometheus) */
  intervalSeconds: number | null;
  /**
   * Every Region with an expected endpoint, and the Regions the source knows of with none
   * (rate 0, why NO_ENDPOINT). A Region in neither is absent: nothing serves there, load 0.
   */
  regions: Map<string, RegionLoad>;
}

export interface LoadSource {
  readonly kind: 'targets' | 'ec2' | 'prometheus';
  /** Rates since the previous read (scrape kinds) or over the window (Prometheus). Never throws for a bad endpoint or server: the Region gets rate null and why. */
  read(expected: readonly Expected[]): Promise<LoadReading>;
  /** Releases connections; read() afterwards throws InvalidStateError. Idempotent. */
  close(): void;
}

/** An endpoint's first scrape: a rate needs two. */
export const FIRST_SAMPLE = 'no rate yet (first sample)';
/** A Region that the source knows of where no endpoint is expected to take traffic. */
export const NO_ENDPOINT = 'no endpoint takes traffic';

/** The expected endpoints, once each (an instance behind two listeners is listed twice), in order. */
export function uniqueExpected(expected: readonly Expected[]): Expected[] {
  const seen = new Set<string>();
  return expected.filter((e) => !seen.has(e.id) && seen.add(e.id));
}

/**
 * Why a Region has no figure, from its endpoints without one: `id: error` each; an error
 * several share once, with their ids; the first sample bare (every endpoint has one).
 */
function whyOf(missing: readonly EndpointLoad[]): string {
  const ids = new Map<string, string[]>();
  for (const e of missing) {
    const error = e.error ?? 'no data';
    ids.set(error, [...(ids.get(error) ?? []), e.id]);
  }
  return [...ids].map(([error, who]) => (error === FIRST_SAMPLE ? error : who.length > 1 ? `${error} (${who.join(', ')})` : `${who[0]!}: ${error}`)).join('; ');
}

const sumOrNull = (xs: readonly (number | null)[]): number | null => (xs.some((x) => x === null) ? null : xs.reduce<number>((a, x) => a + x!, 0));

/**
 * Regions from the endpoints' loads: a Region's figures are the sums of its expected
 * endpoints', null when any is null, and `why` says which are missing and why. `known` adds Regions without an expected endpoint, at 0.
 */
export function regionsOf(expected: readonly Expected[], loads: ReadonlyMap<string, EndpointLoad>, known: Iterable<string> = []): Map<string, RegionLoad> {
  const byRegion = new Map<string, EndpointLoad[]>();
  for (const e of uniqueExpected(expected)) {
    const load = loads.get(e.id) ?? { id: e.id, rate: null, http: null, dns: null, error: 'no data' };
    byRegion.set(e.region, [...(byRegion.get(e.region) ?? []), load]);
  }
  const regions = new Map<string, RegionLoad>();
  for (const [region, endpoints] of byRegion) {
    const rate = sumOrNull(endpoints.map((e) => e.rate));
    const r: RegionLoad = { region, rate, http: sumOrNull(endpoints.map((e) => e.http)), dns: sumOrNull(endpoints.map((e) => e.dns)), endpoints };
    if (rate === null) r.why = whyOf(endpoints.filter((e) => e.rate === null));
    regions.set(region, r);
  }
  for (const region of [...known].sort()) {
    if (!regions.has(region)) regions.set(region, { region, rate: 0, http: 0, dns: 0, why: NO_ENDPOINT, endpoints: [] });
  }
  return regions;
}

/** An error as one line for a `why`. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message.replace(/\s*\n\s*/g, ' ') : String(e);
}
