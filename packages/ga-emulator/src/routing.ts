/**
 * Global Accelerator's routing model, as one pure module (no I/O, no clock, no randomness):
 * the emulator's data plane routes every new flow with it, `probe predict` computes expected
 * per-region tables with it and the autopilot asks it where shed traffic lands. One
 * implementation, so the three cannot disagree.
 *
 * The rules, from the AWS developer guide (README "Routing model" cites each page):
 * 1. Proximity: the client's groups are ordered by great-circle distance from the client to
 *    the group's Region (a per-vantage override list may put known anomalies first).
 * 2. Dials choose the *original* group: the closest group keeps dial% of the flows directed to
 *    it and the rest goes on to the next closest, whose dial applies to what reaches it, and
 *    so on. What is left after the last group stays with the farthest group whose dial is
 *    above 0 (this is what makes AWS's two-Region example come out as documented); with every
 *    dial at 0 the closest group takes everything. (Documented: the dial is a share of the
 *    traffic already directed to the group, the rest goes to other groups. Our choice: the
 *    cascade and the remainder rule. See the README.)
 * 3. Weights: within a group, an endpoint with probability weight / sum of weights, among the
 *    healthy endpoints with weight > 0.
 * 4. Failover: when the original group has no healthy endpoint with weight > 0, the next
 *    closest groups (up to three, in proximity order, dials ignored) are tried; the first with
 *    one takes the flow. None: fail open to a random endpoint of the closest group.
 *
 * A flow is picked from its 32-bit flow hash: independent uniform draws for the dial cascade,
 * the endpoint and the fail-open endpoint are derived from it, so a pick is deterministic and
 * the share of flows per group and endpoint converges on expectedShares() exactly.
 */
import { InvalidArgumentError } from './errors.js';

export interface LatLon {
  /** Degrees north, -90..90. */
  readonly lat: number;
  /** Degrees east, -180..180. */
  readonly lon: number;
}

export interface RegionInfo extends LatLon {
  /** AWS Region code, e.g. `eu-central-1`. */
  readonly region: string;
  /** The city or area AWS names for the Region. */
  readonly city: string;
}

const region = (code: string, city: string, lat: number, lon: number): RegionInfo => Object.freeze({ region: code, city, lat, lon });

/**
 * Every AWS Region Global Accelerator supports endpoints in, as listed by the AWS Global
 * Accelerator Developer Guide, "AWS Region availability for AWS Global Accelerator"
 * (https://docs.aws.amazon.com/global-accelerator/latest/dg/preserve-client-ip-address.regions.html),
 * 30 Regions. Coordinates: the city AWS names for each Region on its Regions and Availability
 * Zones page (https://aws.amazon.com/about-aws/global-infrastructure/regions_az/), taken as
 * that city's centre, rounded to 0.01 degree. AWS publishes no data-centre coordinates; a
 * Region's sites spread over tens of kilometres, which does not change which Region is closest
 * for a client but a few hundred kilometres from a border.
 */
export const REGIONS: readonly RegionInfo[] = Object.freeze([
  region('us-east-1', 'Northern Virginia (Ashburn)', 39.04, -77.49),
  region('us-east-2', 'Ohio (Columbus)', 39.96, -83.0),
  region('us-west-1', 'Northern California (San Jose)', 37.34, -121.89),
  region('us-west-2', 'Oregon (Portland)', 45.52, -122.68),
  region('ca-central-1', 'Montreal', 45.5, -73.57),
  region('ca-west-1', 'Calgary', 51.05, -114.07),
  region('sa-east-1', 'Sao Paulo', -23.55, -46.63),
  region('eu-central-1', 'Frankfurt', 50.11, 8.68),
  region('eu-central-2', 'Zurich', 47.37, 8.54),
  region('eu-west-1', 'Dublin', 53.35, -6.26),
  region('eu-west-2', 'London', 51.51, -0.13),
  region('eu-west-3', 'Paris', 48.86, 2.35),
  region('eu-south-1', 'Milan', 45.46, 9.19),
  region('eu-south-2', 'Aragon (Zaragoza)', 41.65, -0.88),
  region('eu-north-1', 'Stockholm', 59.33, 18.07),
  region('il-central-1', 'Tel Aviv', 32.09, 34.78),
  region('me-south-1', 'Bahrain (Manama)', 26.23, 50.59),
  region('me-central-1', 'United Arab Emirates (Dubai)', 25.2, 55.27),
  region('af-south-1', 'Cape Town', -33.92, 18.42),
  region('ap-east-1', 'Hong Kong', 22.32, 114.17),
  region('ap-south-1', 'Mumbai', 19.08, 72.88),
  region('ap-south-2', 'Hyderabad', 17.39, 78.49),
  region('ap-southeast-1', 'Singapore', 1.35, 103.82),
  region('ap-southeast-2', 'Sydney', -33.87, 151.21),
  region('ap-southeast-3', 'Jakarta', -6.21, 106.85),
  region('ap-southeast-4', 'Melbourne', -37.81, 144.96),
  region('ap-southeast-5', 'Malaysia (Kuala Lumpur)', 3.14, 101.69),
  region('ap-northeast-1', 'Tokyo', 35.68, 139.69),
  region('ap-northeast-2', 'Seoul', 37.57, 126.98),
  region('ap-northeast-3', 'Osaka', 34.69, 135.5),
]);

const BY_CODE: ReadonlyMap<string, RegionInfo> = new Map(REGIONS.map((r) => [r.region, r]));

/** True when Global Accelerator supports endpoint groups in `name`. */
export function isRegion(name: unknown): name is string {
  return typeof name === 'string' && BY_CODE.has(name);
}

/** The table entry for a Region; throws InvalidArgumentError for a Region GA does not support. */
export function regionInfo(name: string, argument = 'region'): RegionInfo {
  const r = BY_CODE.get(name);
  if (!r) throw InvalidArgumentError.expected(argument, 'a Region Global Accelerator supports endpoints in (see REGIONS)', name);
  return r;
}

/** Mean Earth radius (IUGG), km. */
export const EARTH_RADIUS_KM = 6371.0088;

export function checkLatLon(p: unknown, argument = 'location'): LatLon {
  const o = p as Partial<LatLon> | null;
  if (o == null || typeof o !== 'object') throw InvalidArgumentError.expected(argument, 'an object { lat, lon }', p);
  if (typeof o.lat !== 'number' || !(o.lat >= -90 && o.lat <= 90)) throw InvalidArgumentError.expected(`${argument}.lat`, 'a number of degrees -90..90', o.lat);
  if (typeof o.lon !== 'number' || !(o.lon >= -180 && o.lon <= 180)) throw InvalidArgumentError.expected(`${argument}.lon`, 'a number of degrees -180..180', o.lon);
  return o as LatLon;
}

/** Great-circle distance in km (haversine on a sphere of EARTH_RADIUS_KM). */
export function greatCircleKm(a: LatLon, b: LatLon): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * `regions` ordered by proximity to `from`, closest first (ties by Region code). Regions named
 * in `override` come first, in the override's order (a vantage point's known anomaly, e.g. a
 * probe in Sydney that GA sends to us-west-2); override entries not in `regions` are ignored.
 */
export function orderByProximity(from: LatLon, regions: readonly string[], override: readonly string[] = []): string[] {
  checkLatLon(from, 'from');
  const dist = new Map<string, number>();
  for (const r of regions) dist.set(r, greatCircleKm(from, regionInfo(r, 'regions[]')));
  const first = override.filter((r, i) => dist.has(r) && override.indexOf(r) === i);
  const rest = [...dist.keys()].filter((r) => !first.includes(r));
  rest.sort((a, b) => (dist.get(a) as number) - (dist.get(b) as number) || (a < b ? -1 : a > b ? 1 : 0));
  return [...first, ...rest];
}

/** The closest of `regions` to `from` (undefined for an empty list). */
export function nearestRegion(from: LatLon, regions: readonly string[], override: readonly string[] = []): string | undefined {
  return orderByProximity(from, regions, override)[0];
}

export interface RouteEndpoint {
  readonly id: string;
  /** 0..255; 0 takes no traffic (except by failing open). */
  readonly weight: number;
  /** Passed its health checks (HEALTHY). INITIAL and UNHEALTHY are not healthy. */
  readonly healthy: boolean;
}

export interface RouteGroup {
  readonly region: string;
  /** Traffic dial, percent 0..100 (fractions allowed). */
  readonly dial: number;
  readonly endpoints: readonly RouteEndpoint[];
}

/** A client's groups in proximity order, checked and precomputed for pickFlow()/expectedShares(). */
export interface CompiledRoute {
  readonly groups: readonly RouteGroup[];
  /** Share of flows whose original group (dials only, no health) is each group. */
  readonly original: readonly number[];
  /** Per group: indexes of its healthy endpoints with weight > 0, and their cumulative weights. */
  readonly eligible: readonly (readonly number[])[];
  readonly cumulative: readonly (readonly number[])[];
}

/** How a flow reached its group. */
export type PickVia = 'dial' | 'failover' | 'fail-open';

export interface FlowPick {
  /** Index into CompiledRoute.groups (proximity order). */
  readonly group: number;
  /** Index into that group's endpoints. */
  readonly endpoint: number;
  readonly via: PickVia;
}

/** How many groups after the original one failover tries (AWS: "the three closest"). */
export const FAILOVER_GROUPS = 3;

/**
 * The dial cascade: for dials in proximity order, the share of flows whose original group is
 * each group. Each group keeps dial% of what reaches it and passes the rest on; the remainder
 * after the last group goes to the farthest group with a dial above 0; all dials 0: the
 * closest group takes everything.
 */
export function dialCascade(dials: readonly number[]): number[] {
  const shares = dials.map(() => 0);
  let remaining = 1;
  let lastOpen = -1;
  dials.forEach((d, i) => {
    const take = (remaining * d) / 100;
    shares[i] = take;
    remaining -= take;
    if (d > 0) lastOpen = i;
  });
  const sink = lastOpen >= 0 ? lastOpen : 0;
  if (dials.length > 0 && remaining > 0) shares[sink] = (shares[sink] as number) + remaining;
  return shares;
}

/** Check the groups (already in proximity order) and precompute what a pick needs. */
export function compileRoute(groups: readonly RouteGroup[]): CompiledRoute {
  if (!Array.isArray(groups)) throw InvalidArgumentError.expected('groups', 'an array of { region, dial, endpoints }', groups);
  const seen = new Set<string>();
  const eligible: number[][] = [];
  const cumulative: number[][] = [];
  groups.forEach((g, i) => {
    const at = `groups[${i}]`;
    if (g == null || typeof g !== 'object') throw InvalidArgumentError.expected(at, 'an object { region, dial, endpoints }', g);
    if (typeof g.region !== 'string' || g.region === '') throw InvalidArgumentError.expected(`${at}.region`, 'a Region code', g.region);
    if (seen.has(g.region)) throw InvalidArgumentError.expected(`${at}.region`, 'unique among the groups (one group per Region per listener)', g.region);
    seen.add(g.region);
    if (typeof g.dial !== 'number' || !(g.dial >= 0 && g.dial <= 100)) throw InvalidArgumentError.expected(`${at}.dial`, 'a number 0..100', g.dial);
    if (!Array.isArray(g.endpoints)) throw InvalidArgumentError.expected(`${at}.endpoints`, 'an array', g.endpoints);
    const idx: number[] = [];
    const cum: number[] = [];
    let sum = 0;
    g.endpoints.forEach((e: RouteEndpoint, j: number) => {
      const eat = `${at}.endpoints[${j}]`;
      if (e == null || typeof e !== 'object' || typeof e.id !== 'string') throw InvalidArgumentError.expected(eat, 'an object { id, weight, healthy }', e);
      if (!Number.isInteger(e.weight) || e.weight < 0 || e.weight > 255) throw InvalidArgumentError.expected(`${eat}.weight`, 'an integer 0..255', e.weight);
      if (typeof e.healthy !== 'boolean') throw InvalidArgumentError.expected(`${eat}.healthy`, 'a boolean', e.healthy);
      if (e.healthy && e.weight > 0) {
        sum += e.weight;
        idx.push(j);
        cum.push(sum);
      }
    });
    eligible.push(idx);
    cumulative.push(cum);
  });
  return Object.freeze({ groups, original: dialCascade(groups.map((g) => g.dial)), eligible, cumulative });
}

/** Order `groups` by proximity to `location` (with an optional override list), then compile. */
export function planRoute(location: LatLon, groups: readonly RouteGroup[], override: readonly string[] = []): CompiledRoute {
  if (!Array.isArray(groups)) throw InvalidArgumentError.expected('groups', 'an array of { region, dial, endpoints }', groups);
  const order = orderByProximity(location, groups.map((g) => g?.region), override);
  const byRegion = new Map(groups.map((g) => [g.region, g]));
  return compileRoute(order.map((r) => byRegion.get(r) as RouteGroup));
}

/** murmur3's 32-bit finalizer: a bijective mix, so derived draws are independent enough. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Uniform draw number `k` in [0, 1) from a flow hash. */
function draw(hash: number, k: number): number {
  return fmix32((hash ^ Math.imul(k, 0x9e3779b9)) >>> 0) / 4294967296;
}

/** FNV-1a over a string's UTF-16 code units, then mixed. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h >>> 0);
}

/** Flow hash for client affinity NONE: the 5-tuple (protocol, source address and port, destination address and port). */
export function fiveTupleHash(protocol: 'TCP' | 'UDP', sourceAddress: string, sourcePort: number, destinationAddress: string, destinationPort: number): number {
  return hashString(`${protocol}|${sourceAddress}|${sourcePort}|${destinationAddress}|${destinationPort}`);
}

/** Flow hash for client affinity SOURCE_IP: source and destination addresses only, so one client keeps one group and endpoint. */
export function sourceIpHash(sourceAddress: string, destinationAddress: string): number {
  return hashString(`${sourceAddress}|${destinationAddress}`);
}

function pickWeighted(cum: readonly number[], u: number): number {
  const target = u * (cum[cum.length - 1] as number);
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cum[mid] as number) > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The group whose endpoints a fail-open flow goes to: the closest group that has endpoints. */
function failOpenGroup(route: CompiledRoute): number {
  return route.groups.findIndex((g) => g.endpoints.length > 0);
}

/** Where the flows whose original group is `i` end up: [group, via], or undefined for nowhere (no endpoints at all). */
function resolve(route: CompiledRoute, i: number): [number, PickVia] | undefined {
  if ((route.eligible[i] as number[]).length > 0) return [i, 'dial'];
  let tried = 0;
  for (let j = 0; j < route.groups.length && tried < FAILOVER_GROUPS; j++) {
    if (j === i) continue;
    tried++;
    if ((route.eligible[j] as number[]).length > 0) return [j, 'failover'];
  }
  const open = failOpenGroup(route);
  return open >= 0 ? [open, 'fail-open'] : undefined;
}

/**
 * The group and endpoint of a new flow with flow hash `hash` (uint32), or null when no group
 * has any endpoint. Deterministic: the same route and hash give the same pick.
 */
export function pickFlow(route: CompiledRoute, hash: number): FlowPick | null {
  const n = route.groups.length;
  if (n === 0) return null;
  const u = draw(hash, 1);
  let original = n - 1;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += route.original[i] as number;
    if (u < acc) {
      original = i;
      break;
    }
  }
  // Floating-point sums may leave u above the last boundary: take the last group with a share.
  if (u >= acc) while (original > 0 && (route.original[original] as number) === 0) original--;
  const r = resolve(route, original);
  if (!r) return null;
  const [group, via] = r;
  if (via === 'fail-open') {
    const count = (route.groups[group] as RouteGroup).endpoints.length;
    return { group, endpoint: Math.min(count - 1, Math.floor(draw(hash, 3) * count)), via };
  }
  const k = pickWeighted(route.cumulative[group] as number[], draw(hash, 2));
  return { group, endpoint: (route.eligible[group] as number[])[k] as number, via };
}

export interface EndpointShare {
  readonly id: string;
  readonly share: number;
}

export interface GroupShare {
  readonly region: string;
  /** Share of the client's new flows that this group serves. */
  readonly share: number;
  /** ... of which it serves as their original group (dial cascade). */
  readonly viaDial: number;
  /** ... of which it took over from an original group with no healthy endpoint. */
  readonly viaFailover: number;
  /** ... of which it got by failing open (no healthy endpoint in the groups tried). */
  readonly viaFailOpen: number;
  /** Share of the client's flows per endpoint (sums to `share`), in the group's endpoint order. */
  readonly endpoints: readonly EndpointShare[];
}

export interface RouteShares {
  /** Per group, in the route's (proximity) order. */
  readonly groups: readonly GroupShare[];
  /** Share of flows with nowhere to go (no group has an endpoint): 0 or 1. */
  readonly unrouted: number;
}

/** The expected share of a client's new flows per group and endpoint: what pickFlow() converges on. */
export function expectedShares(route: CompiledRoute): RouteShares {
  const n = route.groups.length;
  const via = route.groups.map(() => ({ dial: 0, failover: 0, failOpen: 0 }));
  const perEndpoint = route.groups.map((g) => g.endpoints.map(() => 0));
  let unrouted = n === 0 ? 1 : 0;
  for (let i = 0; i < n; i++) {
    const p = route.original[i] as number;
    if (p === 0) continue;
    const r = resolve(route, i);
    if (!r) {
      unrouted += p;
      continue;
    }
    const [g, how] = r;
    const slot = via[g] as { dial: number; failover: number; failOpen: number };
    const eps = perEndpoint[g] as number[];
    if (how === 'fail-open') {
      slot.failOpen += p;
      for (let e = 0; e < eps.length; e++) eps[e] = (eps[e] as number) + p / eps.length;
      continue;
    }
    if (how === 'dial') slot.dial += p;
    else slot.failover += p;
    const cum = route.cumulative[g] as number[];
    const total = cum[cum.length - 1] as number;
    (route.eligible[g] as number[]).forEach((e, k) => {
      const w = (cum[k] as number) - (k > 0 ? (cum[k - 1] as number) : 0);
      eps[e] = (eps[e] as number) + (p * w) / total;
    });
  }
  return {
    groups: route.groups.map((g, i) => {
      const v = via[i] as { dial: number; failover: number; failOpen: number };
      return {
        region: g.region,
        share: v.dial + v.failover + v.failOpen,
        viaDial: v.dial,
        viaFailover: v.failover,
        viaFailOpen: v.failOpen,
        endpoints: g.endpoints.map((e, k) => ({ id: e.id, share: (perEndpoint[i] as number[])[k] as number })),
      };
    }),
    unrouted,
  };
}

/** Expected share per Region for a client at `location` (a convenience over planRoute() + expectedShares()). */
export function regionShares(location: LatLon, groups: readonly RouteGroup[], override: readonly string[] = []): Map<string, number> {
  const shares = expectedShares(planRoute(location, groups, override));
  return new Map(shares.groups.map((g) => [g.region, g.share]));
}
