/**
 * Reading a catchment run: RIPE Atlas DNS results as the API gives them (a JSON list or one
 * result per line; `result` or `resultset`; the identity from the TXT answer or the NSID in
 * `abuf`, else the decoded `answers` of any firmware), probe-mode HTTP results a sweep wrote,
 * and the seed's GeoJSON (one Point per probe with its region). Positions come from the
 * results themselves (a sweep's `latitude`/`longitude`, a GeoJSON point) or from a probe
 * metadata file (/api/v2/probes/). One Run shape for the table, the map, compare and predict.
 */
import { readFile } from 'node:fs/promises';
import { identityFromDnsAnswer, readDnsAnswer } from './dns.js';
import { InputError } from './errors.js';
import { identityFromHttpBody, regionFromIdentity } from './identity.js';
import { READ_OPTIONS, resolve } from './options.js';
import type { OptionsInput } from './options.js';

export type ReadOptions = OptionsInput<typeof READ_OPTIONS>;

/** One probe's (or vantage point's) answer in a run. */
export interface ProbeResult {
  /** RIPE Atlas prb_id, a vantage point's id; absent in the seed's GeoJSON */
  probeId?: number | string;
  latitude?: number;
  longitude?: number;
  /** who answered (TXT, NSID or HTTP `hostname:`) */
  identity?: string;
  /** the region the identity names (or the GeoJSON's `region`) */
  region?: string;
  /** round-trip time, ms */
  rtMs?: number;
  /** why there is no region: the result's error, or what the answer lacked */
  error?: string;
}

export interface Run {
  format: 'atlas' | 'geojson';
  /** msm_id of the results, when they carry one */
  measurementId?: number;
  probes: ProbeResult[];
}

export interface RegionRow {
  count: number;
  share: number;
}

/** `probe atlas` JSON: `{ probes, regions: { "<region>": { count, share } }, unknown }`. */
export interface AtlasTable {
  probes: number;
  regions: Record<string, RegionRow>;
  unknown: number;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return v != null && typeof v === 'object' && !Array.isArray(v);
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** Parse a JSON document or, failing that, one JSON value per line (the API's `format=txt`). */
export function parseJsonOrLines(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (first) {
    const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
    if (lines.length < 2) throw new InputError(file, `not JSON: ${(first as Error).message}`);
    return lines.map((l, i) => {
      try {
        return JSON.parse(l) as unknown;
      } catch (e) {
        throw new InputError(file, `line ${i + 1} is not JSON: ${(e as Error).message}`);
      }
    });
  }
}

/** [lon, lat] or { latitude, longitude } of a result, a probe or a feature, if it has one. */
function position(o: Json): { latitude: number; longitude: number } | undefined {
  const lat = num(o.latitude ?? o.lat);
  const lon = num(o.longitude ?? o.lon ?? o.lng);
  if (lat !== undefined && lon !== undefined) return { latitude: lat, longitude: lon };
  const g = o.geometry;
  if (isObject(g) && Array.isArray(g.coordinates)) {
    const [x, y] = g.coordinates.map(num);
    if (x !== undefined && y !== undefined) return { latitude: y, longitude: x };
  }
  return undefined;
}

function withPosition(r: ProbeResult, p: { latitude: number; longitude: number } | undefined): ProbeResult {
  if (!p || p.latitude < -90 || p.latitude > 90 || p.longitude < -180 || p.longitude > 180) return r;
  return { ...r, latitude: p.latitude, longitude: p.longitude };
}

/** Identity from the decoded answers of firmware that has no abuf: TXT RDATA as a string or a list of strings. */
function identityFromAnswers(answers: unknown): string | undefined {
  if (!Array.isArray(answers)) return undefined;
  for (const a of answers) {
    if (!isObject(a) || String(a.TYPE ?? a.type ?? '').toUpperCase() !== 'TXT') continue;
    const rdata = a.RDATA ?? a.rdata;
    const s = Array.isArray(rdata) ? rdata.map(String).join('') : typeof rdata === 'string' ? rdata : '';
    const id = s.replace(/^"(.*)"$/, '$1').trim();
    if (id) return id;
  }
  return undefined;
}

/** The identity in one DNS `result` object, or why there is none. */
function fromDnsResult(result: Json): { identity?: string; rtMs?: number; error?: string } {
  const rtMs = num(result.rt);
  const rt = rtMs !== undefined ? { rtMs } : {};
  if (typeof result.abuf === 'string') {
    try {
      const answer = readDnsAnswer(Buffer.from(result.abuf, 'base64'));
      const identity = identityFromDnsAnswer(answer);
      if (identity) return { identity, ...rt };
      return { error: answer.rcode !== 'NOERROR' ? answer.rcode : 'no TXT answer and no NSID', ...rt };
    } catch (e) {
      const fallback = identityFromAnswers(result.answers);
      if (fallback) return { identity: fallback, ...rt };
      return { error: `abuf does not decode: ${(e as Error).message}`, ...rt };
    }
  }
  const identity = identityFromAnswers(result.answers);
  return identity ? { identity, ...rt } : { error: 'no abuf and no TXT answer', ...rt };
}

function errorText(e: unknown): string {
  if (isObject(e)) return Object.entries(e).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');
  return String(e);
}

/** One RIPE Atlas result (DNS; or HTTP as a sweep writes it) to a ProbeResult. */
function fromAtlasResult(r: Json): ProbeResult {
  const id = r.prb_id;
  const base: ProbeResult = typeof id === 'number' || typeof id === 'string' ? { probeId: id } : {};
  let found: { identity?: string; rtMs?: number; error?: string } = {};
  if (r.type === 'http' && Array.isArray(r.result)) {
    const first = r.result.find(isObject);
    const body = first && typeof first.body === 'string' ? first.body : undefined;
    const identity = body !== undefined ? identityFromHttpBody(body) : undefined;
    const rtMs = first ? num(first.rt) : undefined;
    found = identity ? { identity } : { error: first?.err !== undefined ? String(first.err) : `HTTP ${String(first?.res ?? 'no answer')}` };
    if (rtMs !== undefined) found.rtMs = rtMs;
  } else if (r.type !== undefined && r.type !== 'dns') {
    found = { error: `not a DNS result (type ${JSON.stringify(r.type)})` };
  } else if (isObject(r.result)) {
    found = fromDnsResult(r.result);
  } else if (Array.isArray(r.resultset)) {
    // the probe's own resolvers were used: the first result that names an identity
    const all = r.resultset.filter(isObject).map((s) => (isObject(s.result) ? fromDnsResult(s.result) : { error: errorText(s.error ?? 'empty') }));
    found = all.find((x) => x.identity) ?? all[0] ?? { error: 'empty resultset' };
  } else if (r.error !== undefined) {
    found = { error: errorText(r.error) };
  } else {
    found = { error: 'no result' };
  }
  const region = found.identity ? regionFromIdentity(found.identity) : undefined;
  const out: ProbeResult = { ...base, ...found, ...(region ? { region } : {}) };
  if (found.identity && !region) out.error = 'the identity names no region';
  return withPosition(out, position(r));
}

function fromFeature(f: unknown): ProbeResult | undefined {
  if (!isObject(f) || !isObject(f.geometry) || f.geometry.type !== 'Point') return undefined;
  const p = isObject(f.properties) ? f.properties : {};
  const id = p.prb_id ?? p.probe_id ?? f.id;
  const out: ProbeResult = typeof id === 'number' || typeof id === 'string' ? { probeId: id } : {};
  const identity = typeof p.identity === 'string' ? p.identity : typeof p.nsid === 'string' ? p.nsid : undefined;
  if (identity) out.identity = identity;
  const region = typeof p.region === 'string' && p.region ? p.region : identity ? regionFromIdentity(identity) : undefined;
  if (region) out.region = region;
  else out.error = 'no region';
  const rt = num(typeof p.time === 'string' ? p.time.replace(/\s*ms$/, '') : p.time ?? p.rt);
  if (rt !== undefined) out.rtMs = rt;
  return withPosition(out, position(f));
}

/** Probe positions from probe metadata: an API page `{ results: [...] }`, an archive `{ objects: [...] }` or a list. */
export function probePositions(meta: unknown, file = 'probe metadata'): Map<string, { latitude: number; longitude: number }> {
  const list = Array.isArray(meta) ? meta : isObject(meta) && Array.isArray(meta.results) ? meta.results : isObject(meta) && Array.isArray(meta.objects) ? meta.objects : undefined;
  if (!list) throw new InputError(file, 'not RIPE Atlas probe metadata (a list of probes, { results: [...] } or { objects: [...] })');
  const out = new Map<string, { latitude: number; longitude: number }>();
  for (const p of list) {
    if (!isObject(p) || (typeof p.id !== 'number' && typeof p.id !== 'string')) continue;
    const pos = position(p);
    if (pos) out.set(String(p.id), pos);
  }
  return out;
}

/**
 * Parsed results (already JSON) to a Run. `positions` fills in probes the results do not place.
 * Throws InputError when `data` is neither Atlas results nor GeoJSON.
 */
export function parseRun(data: unknown, file = 'input', positions?: Map<string, { latitude: number; longitude: number }>): Run {
  let run: Run;
  if (isObject(data) && data.type === 'FeatureCollection' && Array.isArray(data.features)) {
    run = { format: 'geojson', probes: data.features.map(fromFeature).filter((p): p is ProbeResult => p !== undefined) };
  } else {
    const list = Array.isArray(data) ? data : isObject(data) && 'prb_id' in data ? [data] : undefined;
    if (!list || !list.every(isObject) || !list.every((r) => 'prb_id' in r)) {
      throw new InputError(file, 'neither RIPE Atlas results (a list of results with prb_id) nor a GeoJSON FeatureCollection');
    }
    // one result per probe: the latest (a probe can answer twice in a repeated measurement)
    const latest = new Map<string, Json>();
    for (const r of [...list].sort((a, b) => (num(a.timestamp) ?? 0) - (num(b.timestamp) ?? 0))) latest.set(String(r.prb_id), r);
    run = { format: 'atlas', probes: [...latest.values()].map(fromAtlasResult) };
    const msm = list.length ? num((list[0] as Json).msm_id) : undefined;
    if (msm !== undefined) run.measurementId = msm;
  }
  if (positions) {
    run.probes = run.probes.map((p) => (p.latitude === undefined && p.probeId !== undefined ? withPosition(p, positions.get(String(p.probeId))) : p));
  }
  return run;
}

/** A JSON file (or one JSON value per line); InputError naming the file when it cannot be read or parsed. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InputError(file, `cannot read: ${(e as Error).message}`, { cause: e });
  }
  return parseJsonOrLines(text, file);
}

/** Read a run from a file (RIPE Atlas results or GeoJSON), with positions from `probesFile` if given. */
export async function readAtlasResults(file: string, options: ReadOptions = {}): Promise<Run> {
  const o = resolve(READ_OPTIONS, options);
  const positions = o.probesFile ? probePositions(await readJsonFile(o.probesFile), o.probesFile) : undefined;
  return parseRun(await readJsonFile(file), file, positions);
}

function round(v: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** The per-region table of a run: count and share of probes per region (most first), and probes with no region. */
export function atlasTable(run: Run): AtlasTable {
  const counts = new Map<string, number>();
  let unknown = 0;
  for (const p of run.probes) {
    if (p.region) counts.set(p.region, (counts.get(p.region) ?? 0) + 1);
    else unknown++;
  }
  const probes = run.probes.length;
  const regions: Record<string, RegionRow> = {};
  for (const [region, count] of [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
    regions[region] = { count, share: round(count / probes) };
  }
  return { probes, regions, unknown };
}

/**
 * Total variation distance between two per-region tables: half the sum of the absolute
 * differences of the shares (0 identical, 1 disjoint). Shares are of the probes with a region.
 */
export function totalVariationDistance(a: { regions: Record<string, { count: number }> }, b: { regions: Record<string, { count: number }> }): number {
  const sum = (t: { regions: Record<string, { count: number }> }) => Object.values(t.regions).reduce((n, r) => n + r.count, 0);
  const na = sum(a);
  const nb = sum(b);
  if (na === 0 || nb === 0) return 1;
  let d = 0;
  for (const region of new Set([...Object.keys(a.regions), ...Object.keys(b.regions)])) {
    d += Math.abs((a.regions[region]?.count ?? 0) / na - (b.regions[region]?.count ?? 0) / nb);
  }
  return round(d / 2);
}
