/**
 * Where the lab's clients are: the default cities (src/cities.ts), or a list of one's own
 * (`--vantage FILE`), plus one vantage point per probe of a RIPE Atlas run (`--atlas-probes`).
 * Only positions are taken from a run: which region answered a probe is never read, so the
 * lab's catchment is its own.
 */
import { readFileSync } from 'node:fs';
import type { Run } from '@anycast-origin/probe';
import { CITIES } from './cities.js';
import { InputError } from './errors.js';
import type { VantageSpec } from './plan.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const got = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v));

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(file, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InputError(file, `not JSON: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * A vantage list file: `[{ name, latitude, longitude }, ...]`, or an object with such a
 * `vantagePoints` list (the state file). Other keys (the state file's id and address) are
 * ignored: the lab gives addresses itself.
 */
export function readVantageFile(file: string): VantageSpec[] {
  const raw = readJson(file);
  const list = Array.isArray(raw) ? raw : (raw as { vantagePoints?: unknown } | null)?.vantagePoints;
  const fail = (where: string, expects: string, value: unknown) => new InputError(file, `${where} must be ${expects}, got ${got(value)}`);
  if (!Array.isArray(list) || list.length === 0) throw fail('the file', 'a non-empty JSON list of { name, latitude, longitude }', Array.isArray(list) ? list : raw);
  return list.map((v: unknown, i): VantageSpec => {
    const o = (v ?? {}) as Record<string, unknown>;
    if (typeof v !== 'object' || v === null) throw fail(`[${i}]`, 'an object { name, latitude, longitude }', v);
    if (typeof o.name !== 'string' || !NAME.test(o.name)) throw fail(`[${i}].name`, 'a name of 1..64 letters, digits, dots, hyphens and underscores', o.name);
    if (typeof o.latitude !== 'number' || !(o.latitude >= -90 && o.latitude <= 90)) throw fail(`[${i}].latitude`, 'a number -90..90', o.latitude);
    if (typeof o.longitude !== 'number' || !(o.longitude >= -180 && o.longitude <= 180)) throw fail(`[${i}].longitude`, 'a number -180..180', o.longitude);
    return { name: o.name, latitude: o.latitude, longitude: o.longitude };
  });
}

/** The default vantage points: the seed's four cities and the world cities. */
export function defaultVantagePoints(): VantageSpec[] {
  return CITIES.map((c) => ({ name: c.name, latitude: c.latitude, longitude: c.longitude }));
}

/**
 * One vantage point per probe of a run that has a position (`atlas-<probe id>`, or
 * `atlas-<n>` for the seed's GeoJSON, which has no ids). Which region answered is not read.
 */
export function atlasVantagePoints(run: Run, file: string): VantageSpec[] {
  const placed = run.probes.filter((p) => p.latitude !== undefined && p.longitude !== undefined);
  if (placed.length === 0) throw new InputError(file, 'no probe has a position (RIPE Atlas results need one: write them with probe atlas measure --out, or use the seed\'s GeoJSON)');
  const seen = new Set<string>();
  return placed.map((p, i) => {
    let name = p.probeId !== undefined ? `atlas-${p.probeId}` : `atlas-${i + 1}`;
    if (seen.has(name)) name = `${name}-${i + 1}`;
    seen.add(name);
    return { name, latitude: p.latitude as number, longitude: p.longitude as number };
  });
}

/** `--atlas-probes FILE`: a RIPE Atlas run (results with positions) or the seed's GeoJSON, read by probe. */
export async function readAtlasProbes(file: string): Promise<VantageSpec[]> {
  // loaded when needed: probe (maps, undici, ...) takes a second to load, `up` wants to be quick
  const { ProbeError, readAtlasResults } = await import('@anycast-origin/probe');
  let run: Run;
  try {
    run = await readAtlasResults(file);
  } catch (e) {
    if (e instanceof ProbeError) throw new InputError(file, e.message.startsWith(`${file}: `) ? e.message.slice(file.length + 2) : e.message, { cause: e });
    throw e;
  }
  return atlasVantagePoints(run, file);
}
