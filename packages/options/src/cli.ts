/**
 * A command line from option descriptions. One rule names everything, so no flag, variable or
 * config key is ever written by hand:
 *
 *   option path  ['dns', 'rrl', 'slip']   (where the app mounts the library's options)
 *   config key   dns.rrl.slip             (nested JSON: { "dns": { "rrl": { "slip": 3 } } })
 *   flag         --dns-rrl-slip <value>   (kebab-case; booleans take no value, `--no-x` when on by default)
 *   env          ORIGIN_DNS_RRL_SLIP      (the app's prefix, SNAKE_CASE; or the variable the library itself reads)
 *
 * A group that can be switched off (`rrl`) is `--dns-rrl on|off` / `"rrl": false`. Values from
 * flags, the environment and a config file become layers (later wins); each value remembers
 * where it came from, so a validation error, the app's or the library's, names what the user
 * wrote: `--dns-rrl-slip must be an integer 0..10, got 11`. The libraries validate; this module
 * only turns strings into the values they expect (numbers that look like numbers, lists from
 * commas) and lets the schema say what is wrong.
 */
import { Option as CommanderOption } from 'commander';
import type { Command } from 'commander';
import type { z } from 'zod';
import { metaOf, o } from './describe.js';
import type { Meta } from './describe.js';
import { UsageError } from './errors.js';
import { describeValue, explain, optionName } from './parse.js';
import { defaultText, valuesText } from './table.js';

/** One settable option as a flag, a variable and a config key. */
export interface Flag {
  /** Path in the app's config tree. */
  readonly path: readonly string[];
  /** Dotted config key. */
  readonly key: string;
  /** `--dns-rrl-slip` (`--no-x` for a boolean that is on by default). */
  readonly flag: string;
  /** Environment variable, when the app reads one for it. */
  readonly env?: string;
  readonly meta: Meta;
  /** False for boolean switches. */
  readonly takesValue: boolean;
  /** The value a string from a flag or variable stands for; `label` names it in errors. */
  parse(raw: string, label: string): unknown;
}

export interface FlagsSpec {
  /** Where the schema's options sit in the app's config tree (`['dns']`). @default [] */
  readonly mount?: readonly string[];
  /** Prefix of derived environment variables (`ORIGIN_`); none when omitted. */
  readonly envPrefix?: string;
  /** Options the app sets itself (dotted names below the schema): no flag, no variable, no key. */
  readonly omit?: readonly string[];
}

/** `udpBackend` -> `udp-backend`, `ipv4PrefixLength` -> `ipv4-prefix-length`. */
export function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** `['dns', 'udpBackend']` -> `DNS_UDP_BACKEND`. */
export function snake(path: readonly string[]): string {
  return path.map((p) => kebab(p).replace(/-/g, '_').toUpperCase()).join('_');
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

function parserFor(meta: Meta): (raw: string, label: string) => unknown {
  switch (meta.kind) {
    case 'integer':
    case 'number':
      // Only what is plainly a number becomes one; anything else reaches the schema as the
      // string the user typed, so the message quotes it.
      return (raw) => (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(raw.trim()) ? Number(raw.trim()) : raw);
    case 'boolean':
      return (raw) => {
        const v = raw.trim().toLowerCase();
        return TRUE.has(v) ? true : FALSE.has(v) ? false : raw;
      };
    case 'list': {
      const item = meta.item ? metaOf(meta.item) : undefined;
      const each = item ? parserFor(item) : (s: string) => s;
      return (raw, label) => raw.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => each(s, label));
    }
    case 'group':
      return (raw, label) => {
        const v = raw.trim().toLowerCase();
        if (FALSE.has(v)) return false;
        if (TRUE.has(v)) return {};
        throw new UsageError(`${label} must be on or off, got ${describeValue(raw)}`);
      };
    default:
      return (raw) => raw;
  }
}

/** Every flag of an option schema mounted at `spec.mount`. */
export function flagsOf(schema: z.ZodType, spec: FlagsSpec = {}): Flag[] {
  const mount = spec.mount ?? [];
  const omit = new Set(spec.omit ?? []);
  const out: Flag[] = [];
  const walk = (s: z.ZodType, rel: string[]): void => {
    const meta = metaOf(s);
    if (!meta?.children) return;
    for (const [name, child] of Object.entries(meta.children)) {
      const relPath = [...rel, name];
      if (omit.has(relPath.join('.'))) continue;
      const m = metaOf(child);
      if (!m || !m.cli) continue;
      const path = [...mount, ...relPath];
      if (m.kind === 'group') {
        if (m.off) out.push(flag(path, m, spec));
        walk(child, relPath);
      } else out.push(flag(path, m, spec));
    }
  };
  walk(schema, []);
  return out;
}

function flag(path: string[], meta: Meta, spec: FlagsSpec): Flag {
  const name = path.map(kebab).join('-');
  const negated = meta.kind === 'boolean' && meta.default === true;
  const env = meta.env ?? (spec.envPrefix !== undefined ? `${spec.envPrefix}${snake(path)}` : undefined);
  return {
    path,
    key: path.join('.'),
    flag: negated ? `--no-${name}` : `--${name}`,
    ...(env !== undefined ? { env } : {}),
    meta,
    takesValue: meta.kind !== 'boolean',
    parse: parserFor(meta),
  };
}

/** The --help line of a flag: doc, values, default and variable. */
export function helpText(f: Flag): string {
  const m = f.meta;
  const parts: string[] = [];
  if (m.kind === 'enum') parts.push(`${m.choices?.join('|')}`);
  else if (m.kind === 'integer' || m.kind === 'number') parts.push(`${m.min}..${m.max}${m.unit ? ` ${m.unit}` : ''}`);
  else if (m.kind === 'group') parts.push('on|off');
  parts.push(`default: ${defaultText(m).replace(/`/g, '')}`);
  if (f.env) parts.push(`env: ${f.env}`);
  return `${m.doc} (${parts.join('; ')})`;
}

/** Add every flag to a commander command (value placeholders from the option kind). */
export function addFlags(cmd: Command, flags: readonly Flag[]): void {
  for (const f of flags) {
    const placeholder = f.meta.kind === 'list' ? '<list>' : f.meta.kind === 'group' ? '<on|off>' : f.meta.kind === 'enum' ? '<mode>' : f.meta.kind === 'integer' || f.meta.kind === 'number' ? '<n>' : '<value>';
    cmd.addOption(new CommanderOption(f.takesValue ? `${f.flag} ${placeholder}` : f.flag, helpText(f)));
  }
}

/** Values and where each came from, by dotted key. */
export interface Layer {
  readonly values: Record<string, unknown>;
  readonly labels: Readonly<Record<string, string>>;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let obj = target;
  path.forEach((seg, i) => {
    if (i === path.length - 1) {
      obj[seg] = value;
      return;
    }
    const next = obj[seg];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) obj[seg] = {};
    obj = obj[seg] as Record<string, unknown>;
  });
}

function getPath(source: unknown, path: readonly string[]): unknown {
  let v = source;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return v;
}

/**
 * Build a layer from (flag, value) pairs. A group switched off in the same layer as one of its
 * members is a usage error: the user said two things at once.
 */
function buildLayer(entries: readonly [Flag, unknown, string][]): Layer {
  const values: Record<string, unknown> = {};
  const labels: Record<string, string> = {};
  for (const [f, value, label] of entries) {
    for (const [k, l] of Object.entries(labels)) {
      const offParent = f.key.startsWith(`${k}.`) && getPath(values, k.split('.')) === false;
      const offChild = value === false && f.meta.kind === 'group' && k.startsWith(`${f.key}.`);
      if (offParent) throw new UsageError(`${label} conflicts with ${l} off`);
      if (offChild) throw new UsageError(`${l} conflicts with ${label} off`);
    }
    setPath(values, f.path, value);
    labels[f.key] = label;
  }
  return { values, labels };
}

/** Values from command-line flags: `given` maps a flag's key to its raw string (a switch: its value, false for `--no-x`). */
export function flagLayer(flags: readonly Flag[], given: ReadonlyMap<string, string | boolean>): Layer {
  const entries: [Flag, unknown, string][] = [];
  for (const f of flags) {
    const raw = given.get(f.key);
    if (raw === undefined) continue;
    entries.push([f, typeof raw === 'boolean' ? raw : f.parse(raw, f.flag), f.flag]);
  }
  return buildLayer(entries);
}

/** Values from environment variables (empty counts as unset). */
export function envLayer(flags: readonly Flag[], env: Readonly<Record<string, string | undefined>>): Layer {
  const entries: [Flag, unknown, string][] = [];
  for (const f of flags) {
    if (f.env === undefined) continue;
    const raw = env[f.env];
    if (raw === undefined || raw === '') continue;
    // A boolean variable takes words (1/0, true/false, yes/no, on/off), whatever the flag's form.
    entries.push([f, f.parse(raw, f.env), f.env]);
  }
  return buildLayer(entries);
}

/** Values from a parsed config file: every key labelled `<file>: <key>`. */
export function fileLayer(json: Record<string, unknown>, file: string): Layer {
  const labels: Record<string, string> = {};
  const walk = (v: unknown, path: string[]): void => {
    if (path.length) labels[path.join('.')] = `${file}: ${path.join('.')}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v)) {
      for (const [k, child] of Object.entries(v)) if (!k.startsWith('$')) walk(child, [...path, k]);
    }
  };
  walk(json, []);
  const values = Object.fromEntries(Object.entries(json).filter(([k]) => !k.startsWith('$')));
  return { values, labels };
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v);
}

function deepMerge(a: unknown, b: unknown): unknown {
  if (b === undefined) return a;
  if (isPlain(a) && isPlain(b)) {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = deepMerge(a[k], v);
    return out;
  }
  return b;
}

/** Merge layers, lowest first; a later value wins, a group set after `false` turns it back on. */
export function mergeLayers(layers: readonly Layer[]): Layer {
  let values: Record<string, unknown> = {};
  const labels: Record<string, string> = {};
  for (const l of layers) {
    values = deepMerge(values, l.values) as Record<string, unknown>;
    for (const [k, v] of Object.entries(l.labels)) {
      labels[k] = v;
      // A value replaced wholesale (a group switched off) takes its members' labels with it.
      for (const old of Object.keys(labels)) if (old.startsWith(`${k}.`) && l.labels[old] === undefined) delete labels[old];
    }
  }
  return { values, labels };
}

/** What names an option in an error: the flag, variable or file key that set it, or the flag that would. */
export function labelFor(key: string, labels: Readonly<Record<string, string>>, flags: readonly Flag[] = []): string {
  if (labels[key] !== undefined) return labels[key];
  // `zone.ns[2]`: the list's own label; then the nearest labelled parent group.
  const bare = key.replace(/\[\d+\]$/, '');
  if (labels[bare] !== undefined) return `${labels[bare]}${key.slice(bare.length)}`;
  const f = flags.find((x) => x.key === bare);
  if (f) return f.flag;
  return key;
}

/** Validate merged values against the app's schema; errors name the flag, variable or key. */
export function validateLayer<S extends z.ZodType>(schema: S, layer: Layer, flags: readonly Flag[] = []): z.output<S> {
  const r = schema.safeParse(layer.values);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (!issue) throw new UsageError('invalid settings');
  const { option, message } = explain(schema, layer.values, issue, 'config');
  throw new UsageError(`${labelFor(option, layer.labels, flags)} ${message}`);
}

/**
 * Turn a library's InvalidOptionError (an option named relative to the library's options) back
 * into what the user wrote: `mount` is where the app put that library's options.
 */
export function usageFromLibrary(err: { option: string; message: string }, mount: readonly string[], layer: Layer, flags: readonly Flag[] = []): UsageError {
  const key = [...mount, err.option].join('.');
  const text = err.message.startsWith(err.option) ? err.message.slice(err.option.length).trimStart() : err.message;
  return new UsageError(`${labelFor(key, layer.labels, flags)} ${text}`, { cause: err });
}

/** The raw values of the flags given on the command line, by key (commander parsed them). */
export function givenFlags(cmd: Command, flags: readonly Flag[]): Map<string, string | boolean> {
  const given = new Map<string, string | boolean>();
  const opts = cmd.opts<Record<string, unknown>>();
  for (const f of flags) {
    const attr = new CommanderOption(f.flag).attributeName();
    if (cmd.getOptionValueSource(attr) !== 'cli') continue;
    const v = opts[attr];
    if (typeof v === 'string' || typeof v === 'boolean') given.set(f.key, v);
  }
  return given;
}

/**
 * A copy of a group schema without some options (the ones an app sets itself), for validating
 * a config file up front with the library's own words. `as` changes the group's own spec (an
 * app mounts a library's options as a group that can be switched off: `--http off`).
 */
export function withoutOptions(schema: z.ZodType, names: readonly string[], as: { doc?: string; off?: boolean } = {}): z.ZodType {
  const meta = metaOf(schema);
  if (!meta?.children) return schema;
  const children: Record<string, z.ZodType> = {};
  for (const [k, v] of Object.entries(meta.children)) if (!names.includes(k)) children[k] = v;
  const off = as.off ?? meta.off;
  return o.group(children, {
    doc: as.doc ?? meta.doc,
    ...(off ? { off: true } : {}),
    ...(meta.optional ? { optional: true } : {}),
    ...(meta.defaultText !== undefined ? { defaultText: meta.defaultText } : {}),
  });
}

export { optionName };

/** Markers around a generated flag table in a README. */
export const FLAGS_START = '<!-- flags:start (generated from the option descriptions: npm run docs) -->';
export const FLAGS_END = '<!-- flags:end -->';

/** The README table of a command's flags: flag, variable, config key, values, default. */
export function flagsTable(flags: readonly Flag[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const lines = ['| flag | environment | config key | values | default |', '| --- | --- | --- | --- | --- |'];
  for (const f of flags) {
    const values = f.meta.kind === 'group' ? '`on`, `off`' : f.meta.kind === 'boolean' ? 'switch' : cell(valuesText(f.meta));
    lines.push(`| \`${f.flag}\` | ${f.env ? `\`${f.env}\`` : ''} | \`${f.key}\` | ${values} | ${cell(defaultText(f.meta))} |`);
  }
  return lines.join('\n');
}
