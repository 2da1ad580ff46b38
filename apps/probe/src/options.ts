/**
 * Every option of probe, described once with @anycast-origin/options: one group per exported
 * function (what measureHttp, measureDns, sweep, readAtlasResults, renderMap, measureAtlas,
 * compareRuns and predict take) and one per command for what only the command line has (files
 * to read or write, the output format). Types, defaults, validation messages, the flags,
 * `--help` and the README's tables all come from these descriptions.
 */
import { isIP } from 'node:net';
import { parseHostPort } from '@anycast-origin/net';
import { o, parseOptions } from '@anycast-origin/options';
import type { OptionsInput, OptionsOutput } from '@anycast-origin/options';
import { z } from 'zod';
import { InvalidOptionError } from './errors.js';

export type { OptionsInput, OptionsOutput };

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

/** True for `ADDR`, `ADDR:PORT`, `[V6]`, `[V6]:PORT` and a bare IPv6 literal. */
export function isServer(v: string): boolean {
  try {
    return parseHostPort(v, { defaultPort: 53 }).port > 0;
  } catch {
    return false;
  }
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** A vantage point as the lab writes them: `{ id, address, latitude, longitude, name? }`. */
export const vantagePointSchema = z.object({
  id: z.union([z.string().min(1), z.number()]),
  address: z.string().refine((a) => isIP(a) !== 0),
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  name: z.string().optional(),
});
export type VantagePoint = z.output<typeof vantagePointSchema>;

// ---------------------------------------------------------------------------------------------
// Shared pieces.

const count = (doc: string) => o.integer({ min: 1, max: 1_000_000, default: 100, doc });
const concurrency = (dflt: number) => o.integer({ min: 1, max: 1000, default: dflt, doc: 'measurements in flight at once' });
const sourceAddress = () => o.ip({ doc: 'local address to send from (a lab vantage point is one)', defaultText: 'chosen by the OS' });
const timeoutMs = (dflt: number, doc: string) => o.integer({ min: 1, max: 600_000, default: dflt, unit: 'ms', doc });
const qname = () => o.string({ maxBytes: 253, default: 'id.server', check: (v) => !/\s/.test(v), expects: 'a domain name', doc: 'query name' });
const qclass = () => o.enum(['CH', 'IN', 'HS', 'ANY'], { default: 'CH', doc: 'query class' });
const qtype = () => o.enum(['TXT', 'A', 'AAAA', 'SOA', 'NS', 'ANY'], { default: 'TXT', doc: 'query type' });
const tcp = () => o.boolean({ default: false, doc: 'query over TCP (a new connection per query) instead of UDP' });
const output = () => o.enum(['table', 'json', 'csv'], { default: 'table', doc: 'table for people; json or csv for scripts' });
const file = (doc: string) => o.string({ expects: 'a file name', doc });
const requiredFile = (doc: string) => o.string({ required: true, expects: 'a file name', doc });
const mapFile = (doc: string) => o.string({ check: (v) => /\.(png|svg)$/i.test(v), expects: 'a file name ending in .png or .svg', doc });

// ---------------------------------------------------------------------------------------------
// The functions' options.

export const HTTP_OPTIONS = o.group({
  url: o.string({ required: true, check: isHttpUrl, expects: 'an http:// or https:// URL', doc: 'URL to GET' }),
  count: count('requests to send, each on a new connection (a new flow) unless keep-alive'),
  concurrency: concurrency(1),
  sourceAddress: sourceAddress(),
  keepAlive: o.boolean({ default: false, doc: 'reuse one connection per concurrent worker (one flow each) instead of a new one per request' }),
  timeoutMs: timeoutMs(5000, 'give up on a request after this long (connect, headers and body each)'),
}, { doc: 'measureHttp() options' });

export const DNS_OPTIONS = o.group({
  server: o.string({ required: true, check: isServer, expects: 'an IP address with an optional port (ADDR, ADDR:PORT, [V6]:PORT)', doc: 'DNS server; port 53 unless given' }),
  qname: qname(),
  qclass: qclass(),
  qtype: qtype(),
  nsid: o.boolean({ default: false, doc: 'ask for the server identifier (EDNS NSID, RFC 5001)' }),
  tcp: tcp(),
  count: count('queries to send, each from a new socket (a new flow)'),
  concurrency: concurrency(1),
  sourceAddress: sourceAddress(),
  timeoutMs: timeoutMs(2000, 'give up on a query after this long'),
}, { doc: 'measureDns() options' });

export const SWEEP_OPTIONS = o.group({
  protocol: o.enum(['http', 'dns'], { required: true, doc: 'what to measure from each vantage point' }),
  target: o.string({ required: true, check: (v) => isHttpUrl(v) || isServer(v), expects: 'a URL (http) or an IP address with an optional port (dns)', doc: 'the URL (http) or DNS server (dns)' }),
  vantagePoints: o.custom(z.array(vantagePointSchema).min(1), {
    required: true, expects: 'a non-empty list of { id, address (an IP), latitude, longitude, name? }', doc: 'the vantage points, each measured once from its own address',
  }),
  qname: qname(),
  qclass: qclass(),
  qtype: qtype(),
  tcp: tcp(),
  timeoutMs: timeoutMs(5000, 'give up on one measurement after this long'),
  concurrency: concurrency(16),
  msmId: o.integer({ min: 0, max: 2 ** 31 - 1, default: 0, doc: 'msm_id written in every result' }),
}, { doc: 'sweep() options' });

export const READ_OPTIONS = o.group({
  probesFile: o.string({ expects: 'a file name', doc: 'RIPE Atlas probe metadata (/api/v2/probes/ JSON) for positions the results lack', defaultText: 'positions in the results' }),
}, { doc: 'readAtlasResults() options' });

export const MAP_OPTIONS = o.group({
  width: o.integer({ min: 320, max: 8000, default: 1600, unit: 'px', doc: 'width of the map (the height follows the projection)' }),
  title: o.string({ minBytes: 0, maxBytes: 200, check: (v) => !v.includes('\n'), expects: 'one line of at most 200 bytes', default: '', defaultText: 'the probe count', cli: false, doc: 'title above the legend' }),
}, { doc: 'renderMap() / renderMapPng() options' });

export const ATLAS_MEASURE_OPTIONS = o.group({
  target: o.ip({ doc: 'address the probes query (the anycast address)', defaultText: 'required unless msm' }),
  msm: o.integer({ min: 1, max: 2 ** 31 - 1, doc: 'read an existing measurement instead of creating one', defaultText: 'create one' }),
  probes: o.integer({ min: 1, max: 10_000, default: 500, doc: 'probes requested' }),
  select: o.string({
    default: 'area=WW', check: (v) => /^(area|country|asn|prefix|probes|msm)=\S+$/.test(v), expects: 'TYPE=VALUE with TYPE one of area, country, asn, prefix, probes, msm',
    doc: 'probe selection: area=WW (West, North-Central, South-Central, North-East, South-East), country=NL, asn=3333, prefix=193.0.0.0/21, probes=ID,ID, msm=ID',
  }),
  key: o.string({ maxBytes: 200, check: (v) => !/\s/.test(v), expects: 'an API key', env: 'RIPE_ATLAS_KEY', doc: 'RIPE Atlas API key (creating a measurement needs one)', defaultText: 'none' }),
  apiUrl: o.string({ default: 'https://atlas.ripe.net', check: isHttpUrl, expects: 'an http:// or https:// URL', doc: 'RIPE Atlas API base URL' }),
  description: o.string({ maxBytes: 200, default: 'probe: id.server CH TXT with NSID', check: (v) => !v.includes('\n'), expects: 'one line of at most 200 bytes', doc: 'measurement description (one line)' }),
  pollSeconds: o.number({ min: 0.01, max: 3600, default: 10, unit: 's', doc: 'interval between status polls' }),
  waitSeconds: o.number({ min: 0, max: 86_400, default: 900, unit: 's', doc: 'give up waiting for the measurement after this long (0: fetch what is there)' }),
  requestTimeoutMs: timeoutMs(30_000, 'timeout of one API call'),
}, { doc: 'measureAtlas() options' });

export const COMPARE_OPTIONS = o.group({
  matchBy: o.enum(['auto', 'id', 'position'], { default: 'auto', doc: 'match probes by probe id, by position, or auto (id when both runs have ids, else position)' }),
}, { doc: 'compareRuns() options' });

export const PREDICT_OPTIONS = o.group({
  dials: o.custom(z.record(z.string().regex(REGION), z.number().min(0).max(100)), {
    default: {}, expects: 'an object of region: percent 0..100', doc: 'traffic dial per group; groups not named keep 100', defaultText: 'every group 100',
  }),
  regions: o.list(o.string({ required: true, check: (v) => REGION.test(v), expects: 'an AWS region', doc: 'region' }), {
    doc: 'the endpoint groups (regions) of the listener', defaultText: 'the regions the run measured and the dialled ones',
  }),
  firstChoice: o.enum(['measured', 'nearest'], {
    default: 'measured', cli: false, doc: "each probe's first group: the region it measured (its catchment), or the nearest group (geography alone)",
  }),
}, { doc: 'predict() options' });

// ---------------------------------------------------------------------------------------------
// What only the command line has.

export const HTTP_CLI = o.group({ output: output() }, { doc: 'probe http' });
export const DNS_CLI = o.group({ output: output() }, { doc: 'probe dns' });
export const SWEEP_CLI = o.group({
  vantage: requiredFile('JSON list of vantage points [{ id, address, latitude, longitude, name? }] (the lab writes it)'),
  out: requiredFile('where to write the results: RIPE Atlas result format, a JSON list'),
  output: output(),
}, { doc: 'probe sweep' });
export const ATLAS_CLI = o.group({
  file: requiredFile('RIPE Atlas DNS results (a JSON list or one per line, any firmware) or a GeoJSON run'),
  map: mapFile('draw the world map of the run (PNG or SVG by the extension)'),
  output: output(),
}, { doc: 'probe atlas' });
export const ATLAS_MEASURE_CLI = o.group({
  out: file("write the results, each with its probe's position, for probe atlas, compare and predict"),
  map: mapFile('draw the world map of the run'),
  output: output(),
}, { doc: 'probe atlas measure' });
export const COMPARE_CLI = o.group({
  before: requiredFile('the earlier run (any format probe atlas reads)'),
  after: requiredFile('the later run'),
  output: output(),
}, { doc: 'probe compare' });
export const PREDICT_CLI = o.group({
  catchment: file('a measured run: each probe starts from the region it measured'),
  positions: file('a run read for probe positions only: each probe starts from its nearest group'),
  dial: o.list(o.string({ required: true, check: (v) => /^[a-z0-9-]+=\d+(\.\d+)?%?$/.test(v), expects: 'REGION=PERCENT', doc: 'dial' }), {
    doc: 'traffic dial of a group, REGION=PERCENT (repeat the flag or separate with commas); groups not named keep 100', defaultText: 'every group 100',
  }),
  against: file('a measured run to compare the prediction with (total variation distance)'),
  output: output(),
}, { doc: 'probe predict' });

/** Validate a function's options and fill in the defaults; InvalidOptionError names the option. */
export function resolve<S extends z.ZodType>(schema: S, input: unknown): OptionsOutput<S> {
  return parseOptions(schema, input ?? {}, (option, message) => new InvalidOptionError(option, message));
}
