/**
 * Every option of probe, described once: name, type, range or choices, default, unit, one-line
 * doc, and how the command line spells it. From these descriptions come the option types of
 * the exported functions, their defaults and validation (messages of one format:
 * `<option> must be <expectation>, got <value>`), the commander flags and `--help`, and the
 * README's option tables (a test fails when they drift). Options marked `cli: 'only'` belong
 * to the command line (files to read or write, the output format); `cli: 'never'` ones only to
 * the functions (data the command line reads from a file).
 */
import { isIP } from 'node:net';
import { InvalidOptionError } from './errors.js';

interface Base {
  /** one line for --help and the README */
  doc: string;
  unit?: string;
  /** flag text when it is not `--<kebab-case name>` */
  flag?: string;
  /** one-letter alias, e.g. `-n` */
  short?: string;
  /** value placeholder in --help */
  arg?: string;
  /** environment variable the command line reads when the flag is absent */
  env?: string;
  /** a command-line argument (in declaration order) rather than a flag */
  positional?: boolean;
  required?: boolean;
  /** `only`: a command-line option the functions never see; `never`: a function option with no flag */
  cli?: 'only' | 'never';
  /** what --help and the README show as the default when it is not `default` itself */
  defaultText?: string;
  /** the flag may be given more than once; the values are collected in order */
  repeatable?: boolean;
}

export type Spec =
  | (Base & { type: 'int' | 'number'; min: number; max: number; default?: number })
  | (Base & { type: 'boolean'; default?: boolean })
  | (Base & { type: 'enum'; choices: readonly string[]; default?: string })
  | (Base & { type: 'ip'; default?: string })
  | (Base & { type: 'string'; default?: string; pattern?: RegExp; expectation?: string })
  | (Base & { type: 'list'; default?: readonly string[]; pattern: RegExp; expectation: string })
  | (Base & {
      type: 'custom';
      expectation: string;
      check: (v: unknown) => boolean;
      /** command-line value(s) to the option's value; undefined leaves the raw text for check() to refuse */
      fromCli?: (raw: string | string[]) => unknown;
      default?: unknown;
    });

export type Specs = Readonly<Record<string, Spec>>;

type CustomValue<S> = S extends { default: infer D } ? D : unknown;
type ValueOf<S> = S extends { type: 'int' | 'number' }
  ? number
  : S extends { type: 'boolean' }
    ? boolean
    : S extends { type: 'enum'; choices: readonly (infer C)[] }
      ? C
      : S extends { type: 'list' }
        ? string[]
        : S extends { type: 'custom' }
          ? CustomValue<S>
          : string;
type LibKeys<S extends Specs> = { [K in keyof S]: S[K] extends { cli: 'only' } ? never : K }[keyof S];
type Known<S> = S extends { required: true } ? true : S extends { default: unknown } ? true : false;

/** What a caller passes: required options, the rest optional. */
export type OptionsInput<S extends Specs> = {
  [K in LibKeys<S> as S[K] extends { required: true } ? K : never]: ValueOf<S[K]>;
} & {
  [K in LibKeys<S> as S[K] extends { required: true } ? never : K]?: ValueOf<S[K]>;
};

/** After validation: defaults filled in. */
export type ResolvedOptions<S extends Specs> = {
  -readonly [K in LibKeys<S>]: Known<S[K]> extends true ? ValueOf<S[K]> : ValueOf<S[K]> | undefined;
};

// ---------------------------------------------------------------------------------------------
// The options. Shared pieces first, then one set per function or command.

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
const FILE = { type: 'string', arg: 'FILE', cli: 'only' } as const;

function isHostPort(v: unknown): boolean {
  return typeof v === 'string' && parseHostPort(v, 53) !== undefined;
}

/** `ADDR`, `ADDR:PORT`, `[V6]`, `[V6]:PORT` or a bare IPv6 literal; undefined when not one of these. */
export function parseHostPort(s: string, defaultPort: number): { host: string; port: number } | undefined {
  let host = s;
  let port = defaultPort;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) {
    host = bracket[1] as string;
    if (bracket[2] !== undefined) port = Number(bracket[2]);
  } else if (isIP(s) !== 6) {
    const m = /^([^:]+):(\d+)$/.exec(s);
    if (m) {
      host = m[1] as string;
      port = Number(m[2]);
    }
  }
  if (isIP(host) === 0 || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host, port };
}

function isHttpUrl(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** `REGION=PERCENT` strings (the command line) to `{ region: percent }`; undefined when one is malformed. */
function dialsFromCli(raw: string | string[]): unknown {
  const out: Record<string, number> = {};
  for (const item of Array.isArray(raw) ? raw : [raw]) {
    const m = /^([^=]+)=([0-9.]+)%?$/.exec(item.trim());
    if (!m || !Number.isFinite(Number(m[2]))) return raw;
    out[m[1] as string] = Number(m[2]);
  }
  return out;
}

function isDials(v: unknown): boolean {
  if (v == null || typeof v !== 'object' || Array.isArray(v)) return false;
  return Object.entries(v).every(([k, d]) => REGION.test(k) && typeof d === 'number' && d >= 0 && d <= 100);
}

/** A vantage point as the lab writes them: `{ id, address, latitude, longitude, name? }`. */
export interface VantagePoint {
  id: string | number;
  address: string;
  latitude: number;
  longitude: number;
  name?: string;
}

export function isVantagePoint(v: unknown): v is VantagePoint {
  if (v == null || typeof v !== 'object') return false;
  const p = v as Record<string, unknown>;
  return (
    (typeof p.id === 'string' || typeof p.id === 'number') &&
    typeof p.address === 'string' && isIP(p.address) !== 0 &&
    typeof p.latitude === 'number' && p.latitude >= -90 && p.latitude <= 90 &&
    typeof p.longitude === 'number' && p.longitude >= -180 && p.longitude <= 180 &&
    (p.name === undefined || typeof p.name === 'string')
  );
}

const COUNT = { type: 'int', short: '-n', arg: 'N', min: 1, max: 1_000_000, default: 100 } as const;
const CONCURRENCY = { type: 'int', short: '-c', arg: 'N', min: 1, max: 1000, default: 1, doc: 'measurements in flight at once' } as const;
const SOURCE_ADDRESS = { type: 'ip', arg: 'ADDR', doc: 'local address to send from (a lab vantage point is one)', defaultText: 'chosen by the OS' } as const;
const OUTPUT = {
  type: 'enum', arg: 'FORMAT', cli: 'only', choices: ['table', 'json', 'csv'], default: 'table',
  doc: 'table for people; json and csv for scripts (formats in the README)',
} as const;
const QNAME = { type: 'string', arg: 'NAME', default: 'id.server', pattern: /^[^\s]{1,253}$/, expectation: 'a domain name', doc: 'query name' } as const;
const QCLASS = { type: 'enum', arg: 'CLASS', choices: ['CH', 'IN', 'HS', 'ANY'], default: 'CH', doc: 'query class' } as const;
const QTYPE = { type: 'enum', arg: 'TYPE', choices: ['TXT', 'A', 'AAAA', 'SOA', 'NS', 'ANY'], default: 'TXT', doc: 'query type' } as const;
const TCP = { type: 'boolean', default: false, doc: 'query over TCP (a new connection per query) instead of UDP' } as const;
const SERVER = {
  type: 'custom', positional: true, required: true, arg: 'SERVER[:PORT]', check: isHostPort, default: '' as string,
  expectation: 'an IP address with an optional port (ADDR, ADDR:PORT, [V6]:PORT)', doc: 'DNS server address; port 53 unless given',
} as const;
const URL_ARG = {
  type: 'custom', positional: true, required: true, arg: 'URL', check: isHttpUrl, default: '' as string,
  expectation: 'an http:// or https:// URL', doc: 'URL to request (GET)',
} as const;
const MAP_WIDTH = { type: 'int', flag: '--map-width', arg: 'PX', min: 320, max: 8000, default: 1600, unit: 'pixels', doc: 'width of the map (the height follows the projection)' } as const;

export const HTTP_OPTIONS = {
  url: URL_ARG,
  count: { ...COUNT, doc: 'requests to send, each on a new connection (a new flow) unless --keep-alive' },
  concurrency: CONCURRENCY,
  sourceAddress: SOURCE_ADDRESS,
  keepAlive: { type: 'boolean', default: false, doc: 'reuse one connection per concurrent worker (one flow each) instead of a new one per request' },
  timeoutMs: { type: 'int', arg: 'MS', min: 1, max: 600_000, default: 5000, unit: 'ms', doc: 'give up on a request after this long (connect, headers and body each)' },
  output: OUTPUT,
} as const satisfies Specs;

export const DNS_OPTIONS = {
  server: SERVER,
  qname: QNAME,
  qclass: QCLASS,
  qtype: QTYPE,
  nsid: { type: 'boolean', default: false, doc: 'ask for the server identifier (EDNS NSID, RFC 5001)' },
  tcp: TCP,
  count: { ...COUNT, doc: 'queries to send, each from a new socket (a new flow)' },
  concurrency: CONCURRENCY,
  sourceAddress: SOURCE_ADDRESS,
  timeoutMs: { type: 'int', arg: 'MS', min: 1, max: 600_000, default: 2000, unit: 'ms', doc: 'give up on a query after this long' },
  output: OUTPUT,
} as const satisfies Specs;

export const SWEEP_OPTIONS = {
  protocol: { type: 'enum', positional: true, required: true, arg: 'http|dns', choices: ['http', 'dns'], doc: 'what to measure from each vantage point' },
  target: {
    type: 'custom', positional: true, required: true, arg: 'URL|SERVER[:PORT]', default: '' as string,
    check: (v: unknown) => isHttpUrl(v) || isHostPort(v), expectation: 'a URL (http) or an IP address with an optional port (dns)',
    doc: 'the URL (http) or DNS server (dns) to measure',
  },
  vantage: { ...FILE, required: true, doc: 'JSON list of vantage points [{ id, address, latitude, longitude, name? }] (the lab writes it)' },
  vantagePoints: {
    type: 'custom', cli: 'never', required: true, default: [] as VantagePoint[],
    check: (v: unknown) => Array.isArray(v) && v.length > 0 && v.every(isVantagePoint),
    expectation: 'a non-empty list of { id, address (an IP), latitude, longitude, name? }',
    doc: 'the vantage points, each measured once from its own address',
  },
  out: { ...FILE, required: true, doc: 'where to write the results (RIPE Atlas result format, a JSON list)' },
  qname: QNAME,
  qclass: QCLASS,
  qtype: QTYPE,
  tcp: TCP,
  timeoutMs: { type: 'int', arg: 'MS', min: 1, max: 600_000, default: 5000, unit: 'ms', doc: 'give up on one measurement after this long' },
  concurrency: { ...CONCURRENCY, default: 16 },
  msmId: { type: 'int', arg: 'ID', min: 0, max: 2 ** 31 - 1, default: 0, doc: 'msm_id written in every result' },
  output: OUTPUT,
} as const satisfies Specs;

export const ATLAS_READ_OPTIONS = {
  file: { ...FILE, positional: true, required: true, doc: 'RIPE Atlas DNS results (JSON, NDJSON) or a GeoJSON run' },
  probesFile: { ...FILE, doc: 'RIPE Atlas probe metadata (/api/v2/probes/ JSON) for positions the results lack' },
  map: { ...FILE, arg: 'OUT.png|OUT.svg', doc: 'draw the world map of the run (PNG or SVG by the extension)' },
  width: MAP_WIDTH,
  output: OUTPUT,
} as const satisfies Specs;

export const MAP_OPTIONS = {
  width: MAP_WIDTH,
  title: { type: 'string', cli: 'never', default: '', pattern: /^[^\n]{0,200}$/, expectation: 'one line of at most 200 characters', doc: 'title above the legend' },
} as const satisfies Specs;

export const ATLAS_MEASURE_OPTIONS = {
  target: { type: 'ip', arg: 'IP', doc: 'address the probes query (the anycast address)', defaultText: 'required unless --msm' },
  msm: { type: 'int', arg: 'ID', min: 1, max: 2 ** 31 - 1, doc: 'read an existing measurement instead of creating one', defaultText: 'create one' },
  probes: { type: 'int', arg: 'N', min: 1, max: 10_000, default: 500, doc: 'probes requested' },
  select: {
    type: 'string', arg: 'TYPE=VALUE', default: 'area=WW', pattern: /^(area|country|asn|prefix|probes|msm)=[^\s]+$/,
    expectation: 'TYPE=VALUE with TYPE one of area, country, asn, prefix, probes, msm',
    doc: 'probe selection: area=WW|West|North-Central|South-Central|North-East|South-East, country=NL, asn=3333, prefix=..., probes=ID,ID, msm=ID',
  },
  key: { type: 'string', arg: 'KEY', env: 'RIPE_ATLAS_KEY', pattern: /^[^\s]{1,200}$/, expectation: 'an API key', doc: 'RIPE Atlas API key (create measurements; read non-public ones)', defaultText: 'none' },
  apiUrl: { type: 'custom', arg: 'URL', default: 'https://atlas.ripe.net', check: isHttpUrl, expectation: 'an http:// or https:// URL', doc: 'RIPE Atlas API base URL' },
  description: { type: 'string', arg: 'TEXT', default: 'probe: id.server CH TXT with NSID', pattern: /^[^\n]{1,200}$/, expectation: 'one line of at most 200 characters', doc: 'measurement description' },
  pollSeconds: { type: 'number', arg: 'S', min: 0.01, max: 3600, default: 10, unit: 's', doc: 'interval between status polls' },
  waitSeconds: { type: 'number', arg: 'S', min: 0, max: 86_400, default: 900, unit: 's', doc: 'give up waiting for the measurement to finish after this long (0: fetch what is there once)' },
  requestTimeoutMs: { type: 'int', arg: 'MS', min: 1, max: 600_000, default: 30_000, unit: 'ms', doc: 'timeout of one API call' },
  out: { ...FILE, arg: 'RESULTS.json', doc: 'write the results (with each probe\'s position) for probe atlas/compare/predict' },
  map: { ...FILE, arg: 'OUT.png|OUT.svg', doc: 'draw the world map of the run' },
  width: MAP_WIDTH,
  output: OUTPUT,
} as const satisfies Specs;

export const COMPARE_OPTIONS = {
  before: { ...FILE, positional: true, required: true, arg: 'BEFORE', doc: 'the earlier run (any format probe atlas reads)' },
  after: { ...FILE, positional: true, required: true, arg: 'AFTER', doc: 'the later run' },
  matchBy: {
    type: 'enum', arg: 'HOW', choices: ['auto', 'id', 'position'], default: 'auto',
    doc: 'match probes by probe id, by position, or auto (id when both runs have ids, else position)',
  },
  output: OUTPUT,
} as const satisfies Specs;

export const PREDICT_OPTIONS = {
  catchment: { ...FILE, doc: 'a measured run: each probe starts from the region it measured', defaultText: 'or --positions' },
  positions: { ...FILE, doc: 'a run read for probe positions only: each probe starts from its nearest group (geography alone)' },
  dials: {
    type: 'custom', flag: '--dial', arg: 'REGION=PERCENT', repeatable: true, default: {} as Record<string, number>,
    check: isDials, fromCli: dialsFromCli, expectation: 'REGION=PERCENT pairs with PERCENT 0..100',
    doc: 'traffic dial of a group (repeat per group); groups not named keep 100', defaultText: 'every group 100',
  },
  regions: {
    type: 'list', arg: 'LIST', pattern: REGION, expectation: 'a comma-separated list of AWS regions',
    doc: 'the endpoint groups (regions) of the listener', defaultText: 'the regions the run measured and the dialled ones',
  },
  firstChoice: {
    type: 'enum', cli: 'never', choices: ['measured', 'nearest'], default: 'measured',
    doc: "each probe's first group: the region it measured, or the nearest group by great-circle distance",
  },
  against: { ...FILE, doc: 'a measured run to compare the prediction with (total variation distance)' },
  output: OUTPUT,
} as const satisfies Specs;

// ---------------------------------------------------------------------------------------------
// Validation.

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v == null) return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v;
}

/** The expectation text of a spec, as the error messages and the README say it. */
export function expectation(spec: Spec): string {
  switch (spec.type) {
    case 'int':
      return `an integer ${spec.min}..${spec.max}`;
    case 'number':
      return `a number ${spec.min}..${spec.max}`;
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${spec.choices.join(', ')}`;
    case 'ip':
      return 'an IPv4 or IPv6 address';
    case 'string':
      return spec.expectation ?? 'a string';
    case 'list':
    case 'custom':
      return spec.expectation;
  }
}

function valid(spec: Spec, v: unknown): boolean {
  switch (spec.type) {
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) && v >= spec.min && v <= spec.max;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && v >= spec.min && v <= spec.max;
    case 'boolean':
      return typeof v === 'boolean';
    case 'enum':
      return typeof v === 'string' && spec.choices.includes(v);
    case 'ip':
      return typeof v === 'string' && isIP(v) !== 0;
    case 'string':
      return typeof v === 'string' && (spec.pattern === undefined || spec.pattern.test(v));
    case 'list':
      return Array.isArray(v) && v.every((x) => typeof x === 'string' && spec.pattern.test(x));
    case 'custom':
      return spec.check(v);
  }
}

/**
 * Validate `input` against `specs` (the options a function takes: every spec not `cli: 'only'`)
 * and fill in the defaults. Unknown keys are refused too. Throws InvalidOptionError naming the
 * option.
 */
export function resolveOptions<S extends Specs>(specs: S, input: unknown): ResolvedOptions<S> {
  if (input == null || typeof input !== 'object' || Array.isArray(input)) throw new InvalidOptionError('options', 'an object', describe(input));
  const o = input as Record<string, unknown>;
  const names = Object.keys(specs).filter((k) => specs[k]?.cli !== 'only');
  for (const key of Object.keys(o)) {
    if (!names.includes(key) && o[key] !== undefined) throw new InvalidOptionError(key, `one of the known options (${names.join(', ')})`, 'an unknown option');
  }
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const spec = specs[name] as Spec;
    const v = o[name];
    if (v === undefined) {
      if (spec.required) throw new InvalidOptionError(name, expectation(spec), 'nothing');
      const d = spec.default;
      out[name] = Array.isArray(d) ? [...(d as unknown[])] : d !== null && typeof d === 'object' ? { ...d } : d;
      continue;
    }
    if (!valid(spec, v)) throw new InvalidOptionError(name, expectation(spec), describe(v));
    out[name] = v;
  }
  return out as ResolvedOptions<S>;
}

// ---------------------------------------------------------------------------------------------
// The command line's view: flags, help text and README tables.

export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The long flag of an option, e.g. `--source-address`. */
export function flagOf(name: string, spec: Spec): string {
  return spec.flag ?? `--${kebab(name)}`;
}

/** The value placeholder: the spec's, or the option's name in capitals. */
export function argOf(name: string, spec: Spec): string {
  return spec.arg ?? kebab(name).toUpperCase();
}

/** What a user sees as the default (--help, README). */
export function defaultOf(spec: Spec): string {
  if (spec.defaultText !== undefined) return spec.defaultText;
  const d = spec.default;
  if (d === undefined || d === '') return '';
  if (Array.isArray(d)) return d.join(',');
  return String(d);
}

/** The spec of one command-line value to the value the function takes (a number, a list...). */
export function fromCli(spec: Spec, raw: string | string[] | boolean): unknown {
  if (typeof raw === 'boolean') return raw;
  switch (spec.type) {
    case 'int':
    case 'number': {
      const s = String(raw).trim();
      return /^-?(?:\d+\.?\d*|\.\d+)$/.test(s) ? Number(s) : raw;
    }
    case 'list':
      return String(raw).split(',').map((x) => x.trim()).filter(Boolean);
    case 'custom':
      return spec.fromCli ? spec.fromCli(raw) : raw;
    default:
      return raw;
  }
}

/** How --help shows the flag, e.g. `-n, --count N`. */
export function flagText(name: string, spec: Spec): string {
  const long = flagOf(name, spec);
  const value = spec.type === 'boolean' ? '' : ` ${argOf(name, spec)}`;
  return `${spec.short ? `${spec.short}, ` : ''}${long}${value}`;
}

/** The description --help shows: doc, unit, default, environment variable. */
export function helpText(spec: Spec): string {
  const extra = [defaultOf(spec) ? `default: ${defaultOf(spec)}` : '', spec.env ? `env: ${spec.env}` : ''].filter(Boolean).join('; ');
  return `${spec.doc}${spec.unit ? ` (${spec.unit})` : ''}${extra ? ` (${extra})` : ''}`;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** The README table of one command's options and arguments, as markdown lines. */
export function optionsTable(specs: Specs): string {
  const rows = ['| flag or argument | option | default | description |', '| --- | --- | --- | --- |'];
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.cli === 'never') continue;
    const flag = spec.positional ? argOf(name, spec) : flagText(name, spec) + (spec.repeatable ? ' ...' : '');
    const option = spec.cli === 'only' ? '' : `\`${name}\``;
    const env = spec.env ? `; env \`${spec.env}\`` : '';
    const def = spec.required ? 'required' : defaultOf(spec);
    const doc = `${spec.doc}${spec.unit ? ` (${spec.unit})` : ''}; ${expectation(spec)}${env}`;
    rows.push(`| \`${cell(flag)}\` | ${option} | ${cell(def)} | ${cell(doc)} |`);
  }
  return rows.join('\n');
}

/** The options of the exported functions that have no flag (they take data the CLI reads from files). */
export function functionOnlyTable(specs: Specs): string {
  const rows = ['| option | default | description |', '| --- | --- | --- |'];
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.cli !== 'never') continue;
    rows.push(`| \`${name}\` | ${cell(spec.required ? 'required' : defaultOf(spec))} | ${cell(`${spec.doc}; ${expectation(spec)}`)} |`);
  }
  return rows.join('\n');
}
