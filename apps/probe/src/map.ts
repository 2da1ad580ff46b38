/**
 * The seed's world map, drawn offline: Natural Earth land (world-atlas, 1:50m) in the Natural
 * Earth projection (d3-geo), one dot per probe coloured by the region that answered it, and a
 * legend with counts below the map. SVG as a string; PNG through resvg (a prebuilt binary, no
 * browser). The seed's four regions keep the seed's colours; any other region takes a colour
 * from a fixed palette chosen by its name, so it keeps its colour from map to map.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import { geoGraticule10, geoNaturalEarth1, geoPath } from 'd3-geo';
import type { GeoProjection } from 'd3-geo';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import type { Run } from './atlas.js';
import { atlasTable } from './atlas.js';
import { MAP_OPTIONS, resolve } from './options.js';
import type { OptionsInput } from './options.js';

export type MapOptions = OptionsInput<typeof MAP_OPTIONS>;

/** The seed's colours (its GeoJSON's `marker-color`). */
export const SEED_COLORS: Readonly<Record<string, string>> = Object.freeze({
  'eu-central-1': '#31e140',
  'us-east-1': '#4157b5',
  'us-west-2': '#f52097',
  'ap-southeast-1': '#e9bc1f',
});

/** Colours for every other region, distinct from the seed's and from each other. */
export const PALETTE: readonly string[] = Object.freeze([
  '#e6194b', '#f58231', '#911eb4', '#42d4f4', '#9a6324', '#800000', '#469990', '#000075',
  '#808000', '#f032e6', '#bfef45', '#fabed4', '#dcbeff', '#aaffc3', '#ffd8b1', '#4363d8',
]);

/** Probes whose answer named no region. */
export const UNKNOWN_COLOR = '#7f7f7f';

const OCEAN = '#eaf2fa';
const LAND = '#d9d9d9';
const LAND_STROKE = '#b5b5b5';

function nameHash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/**
 * The colour of each region of a map: the seed's for its four, else the palette entry its name
 * hashes to (the next free one if two regions of this map collide).
 */
export function regionColors(regions: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const used = new Set<string>();
  for (const r of regions) {
    const seed = SEED_COLORS[r];
    if (seed) {
      out[r] = seed;
      used.add(seed);
    }
  }
  for (const r of [...regions].sort()) {
    if (out[r]) continue;
    let i = nameHash(r) % PALETTE.length;
    for (let n = 0; n < PALETTE.length && used.has(PALETTE[i] as string); n++) i = (i + 1) % PALETTE.length;
    out[r] = PALETTE[i] as string;
    used.add(out[r]);
  }
  return out;
}

let landCache: ReturnType<typeof feature> | undefined;

function land(): ReturnType<typeof feature> {
  if (!landCache) {
    const file = createRequire(import.meta.url).resolve('world-atlas/land-50m.json');
    const topo = JSON.parse(readFileSync(file, 'utf8')) as Topology<{ land: GeometryCollection }>;
    landCache = feature(topo, topo.objects.land);
  }
  return landCache;
}

/** Where the map of a given width puts things: the projection and the map area's height. */
export interface MapLayout {
  width: number;
  /** height of the map area (the legend comes below) */
  mapHeight: number;
  projection: GeoProjection;
  /** [x, y] in pixels of a longitude/latitude */
  project(longitude: number, latitude: number): [number, number];
  dotRadius: number;
}

export function mapLayout(width: number): MapLayout {
  const margin = Math.round(width / 100);
  const projection = geoNaturalEarth1().fitWidth(width - 2 * margin, { type: 'Sphere' });
  const [[, y0], [, y1]] = geoPath(projection).bounds({ type: 'Sphere' });
  projection.translate([projection.translate()[0] + margin, projection.translate()[1] + margin]);
  const mapHeight = Math.ceil(y1 - y0) + 2 * margin;
  return {
    width,
    mapHeight,
    projection,
    project: (lon, lat) => projection([lon, lat]) ?? [Number.NaN, Number.NaN],
    dotRadius: Math.max(2.5, Math.round((width / 320) * 10) / 10),
  };
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The map as an SVG document. */
export function renderMap(run: Run, options: MapOptions = {}): string {
  const o = resolve(MAP_OPTIONS, options);
  const layout = mapLayout(o.width);
  const { width, mapHeight, dotRadius: r } = layout;
  const path = geoPath(layout.projection);
  const table = atlasTable(run);
  const regions = Object.keys(table.regions);
  const colors = regionColors(regions);

  const font = Math.max(11, Math.round(width / 90));
  const rowHeight = Math.round(font * 1.6);
  const entries = [
    ...regions.map((region) => ({ color: colors[region] as string, label: `${region}  ${table.regions[region]?.count} (${((table.regions[region]?.share ?? 0) * 100).toFixed(1)}%)` })),
    ...(table.unknown ? [{ color: UNKNOWN_COLOR, label: `no region  ${table.unknown}` }] : []),
  ];
  const perRow = Math.max(1, Math.floor((width - 2 * font) / (font * 18)));
  const legendRows = Math.ceil(entries.length / perRow) + 1;
  const height = mapHeight + legendRows * rowHeight + font;

  const dots: string[] = [];
  // the largest region first, so the smaller ones stay visible on top of it
  const order = new Map(regions.map((region, i) => [region, i]));
  const placed = run.probes
    .filter((p) => p.latitude !== undefined && p.longitude !== undefined)
    .sort((a, b) => (a.region ? (order.get(a.region) ?? 0) : -1) - (b.region ? (order.get(b.region) ?? 0) : -1));
  for (const p of placed) {
    const [x, y] = layout.project(p.longitude as number, p.latitude as number);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const fill = p.region ? colors[p.region] : UNKNOWN_COLOR;
    dots.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r}" fill="${fill}"/>`);
  }

  const legend: string[] = [];
  const title = o.title || `${table.probes} probes${run.measurementId ? `, measurement ${run.measurementId}` : ''}`;
  let ly = mapHeight + rowHeight * 0.8;
  legend.push(`<text x="${font}" y="${ly.toFixed(1)}" font-weight="bold">${esc(title)}</text>`);
  entries.forEach((e, i) => {
    const col = i % perRow;
    if (col === 0) ly += rowHeight;
    const x = font + col * font * 18;
    legend.push(`<circle cx="${x + font / 2}" cy="${(ly - font / 3).toFixed(1)}" r="${(font / 2).toFixed(1)}" fill="${e.color}"/>`);
    legend.push(`<text x="${x + font * 1.5}" y="${ly.toFixed(1)}">${esc(e.label)}</text>`);
  });

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<path d="${path({ type: 'Sphere' })}" fill="${OCEAN}"/>`,
    `<path d="${path(geoGraticule10())}" fill="none" stroke="#d5e2ee" stroke-width="0.5"/>`,
    `<path d="${path(land())}" fill="${LAND}" stroke="${LAND_STROKE}" stroke-width="0.5"/>`,
    `<g stroke="#ffffff" stroke-width="${(r / 5).toFixed(2)}">`,
    ...dots,
    '</g>',
    `<g font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="${font}" fill="#222222">`,
    ...legend,
    '</g>',
    '</svg>',
    '',
  ].join('\n');
}

/** The map as a PNG (resvg; the legend's text needs a system font, e.g. Debian's fonts-dejavu-core). */
export function renderMapPng(run: Run, options: MapOptions = {}): Buffer {
  const svg = renderMap(run, options);
  return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: '#ffffff' }).render().asPng();
}
