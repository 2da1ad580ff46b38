/**
 * `probe atlas measure`: the seed's RIPE Atlas step in one call, over the documented v2 REST
 * API. Create a one-off DNS measurement (CHAOS TXT id.server, NSID bit set, the probe count and
 * selection), poll its status until it stops (or the wait runs out), fetch the results and the
 * probes' metadata, and return the results with each probe's position written in, ready for
 * the reader, the table and the map. The base URL is an option: tests point it at a fake on
 * loopback. Creating needs an API key (`Authorization: Key ...`); reading a public one does not.
 */
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { parseRun } from './atlas.js';
import type { Run } from './atlas.js';
import { AtlasApiError, AtlasMeasurementError, InvalidOptionError } from './errors.js';
import { ATLAS_MEASURE_OPTIONS, resolve } from './options.js';
import type { OptionsInput } from './options.js';

export type MeasureAtlasOptions = OptionsInput<typeof ATLAS_MEASURE_OPTIONS>;

export interface AtlasStatus {
  measurementId: number;
  /** the API's status name: Specified, Scheduled, Ongoing, Stopped, Forced to stop, No suitable probes, Failed, Denied, Archived */
  status: string;
  /** probes taking part, when the API says */
  participants?: number;
  /** seconds since waiting began */
  elapsedSeconds: number;
}

export interface AtlasHooks {
  /** after every status poll */
  onStatus?: (s: AtlasStatus) => void;
}

export interface AtlasMeasurement {
  measurementId: number;
  /** true when the measurement had stopped; false when the wait ran out first */
  complete: boolean;
  status: string;
  /** the results as the API gave them, each with its probe's `latitude`/`longitude` added when known */
  results: Record<string, unknown>[];
  run: Run;
}

/** Stopped for good, results to fetch. */
const DONE = new Set(['Stopped', 'Forced to stop', 'Archived']);
/** Stopped for good, nothing to fetch. */
const FAILED = new Set(['No suitable probes', 'Failed', 'Denied']);
/** Probe ids per metadata request (the URL stays short). */
const PROBES_PER_PAGE = 200;

type Json = Record<string, unknown>;

interface Client {
  base: URL;
  key: string | undefined;
  timeoutMs: number;
}

/** The API's words for a failure: `{ error: { status, title, detail, errors: [{ detail, source }] } }`, else the body's start. */
function apiDetail(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: { title?: string; detail?: string; errors?: { detail?: string; source?: { pointer?: string } }[] }; detail?: string };
    const e = j.error;
    if (e) {
      const sub = (e.errors ?? []).map((x) => `${x.source?.pointer ? `${x.source.pointer}: ` : ''}${x.detail ?? ''}`).filter(Boolean);
      return [e.title, e.detail, ...sub].filter(Boolean).join(': ');
    }
    if (j.detail) return j.detail;
  } catch {
    // not JSON: fall through
  }
  return body.slice(0, 200).replace(/\s+/g, ' ').trim();
}

async function call(c: Client, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const url = new URL(path, c.base);
  if (url.origin !== c.base.origin) throw new AtlasApiError(`RIPE Atlas API: refusing to follow ${url.href} (not ${c.base.origin})`, undefined);
  const what = `RIPE Atlas API ${method} ${url.pathname}`;
  let status: number;
  let text: string;
  try {
    const res = await request(url, {
      method,
      headers: {
        accept: 'application/json',
        'user-agent': 'anycast-origin-probe',
        ...(c.key ? { authorization: `Key ${c.key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      headersTimeout: c.timeoutMs,
      bodyTimeout: c.timeoutMs,
      signal: AbortSignal.timeout(c.timeoutMs),
    });
    status = res.statusCode;
    text = await res.body.text();
  } catch (e) {
    const err = e as { code?: string; message?: string };
    throw new AtlasApiError(`${what}: ${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}`, undefined, { cause: e });
  }
  if (status < 200 || status > 299) throw new AtlasApiError(`${what}: HTTP ${status}: ${apiDetail(text)}`, status);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AtlasApiError(`${what}: HTTP ${status} but the body is not JSON: ${text.slice(0, 80)}`, status);
  }
}

/** The measurement definition the seed made by hand: CHAOS TXT id.server with NSID, one-off. */
export function measurementRequest(o: { target: string; probes: number; select: string; description: string }): Json {
  const eq = o.select.indexOf('=');
  return {
    definitions: [{
      type: 'dns',
      af: isIP(o.target) === 6 ? 6 : 4,
      target: o.target,
      description: o.description,
      query_class: 'CHAOS',
      query_type: 'TXT',
      query_argument: 'id.server',
      set_nsid_bit: true,
      set_rd_bit: false,
      use_probe_resolver: false,
      protocol: 'UDP',
      udp_payload_size: 1232,
      retry: 0,
    }],
    probes: [{ requested: o.probes, type: o.select.slice(0, eq), value: o.select.slice(eq + 1) }],
    is_oneoff: true,
  };
}

/** Positions of the given probes from /api/v2/probes/ (paged by `next`). */
async function probePositions(c: Client, ids: readonly (string | number)[]): Promise<Map<string, { latitude: number; longitude: number }>> {
  const out = new Map<string, { latitude: number; longitude: number }>();
  for (let i = 0; i < ids.length; i += PROBES_PER_PAGE) {
    let next: string | null = `/api/v2/probes/?id__in=${ids.slice(i, i + PROBES_PER_PAGE).join(',')}&fields=id,geometry,country_code,asn_v4&page_size=${PROBES_PER_PAGE}`;
    while (next) {
      const page = (await call(c, 'GET', next)) as { results?: Json[]; next?: string | null };
      for (const p of page.results ?? []) {
        const coords = (p.geometry as { coordinates?: unknown[] } | undefined)?.coordinates;
        const [lon, lat] = Array.isArray(coords) ? coords : [];
        if ((typeof p.id === 'number' || typeof p.id === 'string') && typeof lat === 'number' && typeof lon === 'number') out.set(String(p.id), { latitude: lat, longitude: lon });
      }
      next = page.next ?? null;
    }
  }
  return out;
}

/**
 * Create the measurement (or take `msm`), wait for it, fetch results and probe positions.
 * Throws InvalidOptionError for bad options, AtlasApiError when the API refuses or cannot be
 * reached, AtlasMeasurementError when the measurement fails (no suitable probes, failed, denied).
 */
export async function measureAtlas(options: MeasureAtlasOptions, hooks: AtlasHooks = {}): Promise<AtlasMeasurement> {
  const o = resolve(ATLAS_MEASURE_OPTIONS, options);
  if (o.msm === undefined && o.target === undefined) throw new InvalidOptionError('target', 'is required (an IPv4 or IPv6 address, unless msm names an existing measurement)');
  if (o.msm === undefined && o.key === undefined) throw new InvalidOptionError('key', 'is required (a RIPE Atlas API key: creating a measurement needs one)');
  const c: Client = { base: new URL(o.apiUrl.endsWith('/') ? o.apiUrl : `${o.apiUrl}/`), key: o.key, timeoutMs: o.requestTimeoutMs };

  let id = o.msm;
  if (id === undefined) {
    const created = (await call(c, 'POST', '/api/v2/measurements/', measurementRequest({ ...o, target: o.target as string }))) as { measurements?: unknown[] };
    const first = created.measurements?.[0];
    if (typeof first !== 'number') throw new AtlasApiError(`RIPE Atlas API POST /api/v2/measurements/: no measurement id in the answer: ${JSON.stringify(created).slice(0, 120)}`, 201);
    id = first;
  }

  const started = Date.now();
  let status = '';
  for (;;) {
    const m = (await call(c, 'GET', `/api/v2/measurements/${id}/`)) as { status?: { name?: string }; participant_count?: number | null };
    status = m.status?.name ?? 'unknown';
    const elapsedSeconds = (Date.now() - started) / 1000;
    hooks.onStatus?.({ measurementId: id, status, ...(typeof m.participant_count === 'number' ? { participants: m.participant_count } : {}), elapsedSeconds });
    if (FAILED.has(status)) throw new AtlasMeasurementError(id, `ended with status "${status}"`);
    if (DONE.has(status) || elapsedSeconds + o.pollSeconds > o.waitSeconds) break;
    await sleep(o.pollSeconds * 1000);
  }

  const raw = await call(c, 'GET', `/api/v2/measurements/${id}/results/?format=json`);
  if (!Array.isArray(raw)) throw new AtlasApiError(`RIPE Atlas API GET /api/v2/measurements/${id}/results/: not a list of results`, 200);
  const results = raw.filter((r): r is Json => r != null && typeof r === 'object' && !Array.isArray(r));
  const ids = [...new Set(results.map((r) => r.prb_id).filter((p): p is number | string => typeof p === 'number' || typeof p === 'string'))];
  const positions = await probePositions(c, ids);
  const placed = results.map((r) => {
    const p = positions.get(String(r.prb_id));
    return p ? { ...r, latitude: p.latitude, longitude: p.longitude } : r;
  });
  return { measurementId: id, complete: DONE.has(status), status, results: placed, run: parseRun(placed, `measurement ${id}`) };
}
