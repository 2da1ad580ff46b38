/**
 * A strict parser of the Prometheus text exposition format 0.0.4 (what the origins' /metrics
 * pages are), for the autopilot's scrapes. Strict because a page that is not what the origin
 * renders (an HTML error page, a proxy's answer, a truncated body) must be refused, never read
 * as zero load.
 *
 * Why not a library: the npm parsers were checked (2026-12) and are unfit. parse-prometheus-
 * text-format 1.1.1 (unmaintained since 2019, untyped) takes `<html>garbage</html>` for a
 * metric name and `hello world how are you` for a sample whose value is "world", and keeps one
 * of two duplicate samples silently; prom2javascript 0.2.0 (one release) parses label values
 * with a lazy regex (a `}` or an escaped backslash before a quote in a value breaks it) and has
 * no NaN or -Inf. The grammar is small; this file follows it exactly:
 *
 *   line    = "" | "#" comment | "# HELP " name " " text | "# TYPE " name " " type | sample
 *   sample  = name [ "{" [ label { "," label } [ "," ] ] "}" ] value [ timestamp ]
 *   label   = label_name "=" '"' escaped '"'        escapes: \\  \"  \n  (no others)
 *   name    = [a-zA-Z_:][a-zA-Z0-9_:]*   label_name = [a-zA-Z_][a-zA-Z0-9_]*
 *   value   = a Go float (decimal, exponent, NaN, +Inf, -Inf)   timestamp = integer ms
 *
 * Also refused, as Prometheus refuses them: a second TYPE or HELP for one name, a TYPE after
 * the name's samples, a label name twice in one sample, the same series twice.
 */
import { MetricsFormatError } from '../errors.js';

export interface Sample {
  readonly name: string;
  /** label name -> value, unescaped */
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestampMs?: number;
}

export interface ParsedPage {
  readonly samples: readonly Sample[];
  /** `# TYPE` lines: name -> counter | gauge | histogram | summary | untyped */
  readonly types: ReadonlyMap<string, string>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN])$/;
const INTEGER = /^-?\d{1,19}$/;

/** A Go float as the format writes it; undefined when it is none. */
function parseValue(s: string): number | undefined {
  if (!FLOAT.test(s)) return undefined;
  const body = s.replace(/^[+-]/, '').toLowerCase();
  if (body === 'nan') return NaN;
  if (body.startsWith('inf')) return s.startsWith('-') ? -Infinity : Infinity;
  return Number(s);
}

/** A series' identity: its name and its labels in name order. */
export function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  return JSON.stringify([name, Object.keys(labels).sort().map((k) => [k, labels[k]])]);
}

/** Parse one page; throws MetricsFormatError naming the line and what is wrong. */
export function parsePrometheusText(text: string): ParsedPage {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const seen = new Set<string>();
  const sampled = new Set<string>();
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fail = (what: string): never => {
      throw new MetricsFormatError(i + 1, what);
    };
    if (/^[ \t]*$/.test(line)) continue;
    if (line.startsWith('#')) {
      const m = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(line);
      if (!m) continue; // a comment
      const [, kind, name, rest = ''] = m as unknown as [string, 'HELP' | 'TYPE', string, string | undefined];
      if (!NAME.test(name) || NAME.exec(name)![0] !== name) fail(`bad metric name ${JSON.stringify(name)} in # ${kind}`);
      if (kind === 'HELP') {
        if (helps.has(name)) fail(`second # HELP for ${name}`);
        helps.add(name);
      } else {
        const type = rest.trim();
        if (!TYPES.has(type)) fail(`unknown type ${JSON.stringify(type)} for ${name} (counter, gauge, histogram, summary or untyped)`);
        if (types.has(name)) fail(`second # TYPE for ${name}`);
        if (sampled.has(name)) fail(`# TYPE for ${name} after its samples`);
        types.set(name, type);
      }
      continue;
    }
    samples.push(parseSample(line, fail, seen));
    sampled.add(samples.at(-1)!.name);
  }
  return { samples, types };
}

function parseSample(line: string, fail: (what: string) => never, seen: Set<string>): Sample {
  let pos = 0;
  const skipBlanks = (): void => {
    while (line[pos] === ' ' || line[pos] === '\t') pos++;
  };
  const quote = (s: string): string => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}...` : s);
  const name = NAME.exec(line)?.[0];
  if (name === undefined) fail(`expected a metric name, got ${quote(line)}`);
  pos = name!.length;
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  if (line[pos] === '{') {
    pos++;
    for (;;) {
      skipBlanks();
      if (line[pos] === '}') break;
      const label = LABEL_NAME.exec(line.slice(pos))?.[0];
      if (label === undefined) fail(`expected a label name or '}' in ${name}, got ${quote(line.slice(pos))}`);
      pos += label!.length;
      skipBlanks();
      if (line[pos] !== '=') fail(`expected '=' after label ${label} of ${name}`);
      pos++;
      skipBlanks();
      if (line[pos] !== '"') fail(`expected '"' to open the value of label ${label} of ${name}`);
      pos++;
      let value = '';
      for (;;) {
        const c = line[pos];
        if (c === undefined) fail(`unterminated value of label ${label} of ${name}`);
        pos++;
        if (c === '"') break;
        if (c === '\\') {
          const e = line[pos++];
          if (e === '\\' || e === '"') value += e;
          else if (e === 'n') value += '\n';
          else fail(`bad escape \\${e ?? ''} in the value of label ${label} of ${name} (only \\\\, \\" and \\n)`);
        } else value += c;
      }
      if (label! in labels) fail(`label ${label} twice in ${name}`);
      labels[label!] = value;
      skipBlanks();
      if (line[pos] === ',') {
        pos++;
        continue;
      }
      if (line[pos] !== '}') fail(`expected ',' or '}' after label ${label} of ${name}`);
      break;
    }
    pos++;
  }
  const rest = line.slice(pos);
  if (!/^[ \t]/.test(rest)) fail(`expected a blank before the value of ${name}`);
  const fields = rest.trim().split(/[ \t]+/);
  if (fields.length > 2 || fields[0] === '') fail(`expected a value and an optional timestamp after ${name}, got ${quote(rest.trim())}`);
  const value = parseValue(fields[0]!);
  if (value === undefined) fail(`bad value ${quote(fields[0]!)} of ${name}`);
  let timestampMs: number | undefined;
  if (fields[1] !== undefined) {
    if (!INTEGER.test(fields[1])) fail(`bad timestamp ${quote(fields[1])} of ${name} (integer milliseconds)`);
    timestampMs = Number(fields[1]);
  }
  const key = seriesKey(name!, labels);
  if (seen.has(key)) fail(`series ${name}${JSON.stringify(labels)} twice`);
  seen.add(key);
  return { name: name!, labels, value: value!, ...(timestampMs !== undefined ? { timestampMs } : {}) };
}
