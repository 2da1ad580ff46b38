/**
 * Validation with messages that name the option, in one format for every library:
 * `<option> must be <what it expects>, got <value>` (`rrl.slip must be an integer 0..10, got 11`),
 * or `<option> is not a known option (known: ...)`. zod checks; the words come from the
 * option's description, so they read the same whichever check failed.
 */
import type { z } from 'zod';
import { metaOf } from './describe.js';
import type { Meta } from './describe.js';

/**
 * What kind of failure: an unknown key, a missing required option, a number (or a list's
 * length) under or over its range, or anything else (a wrong type, a value the check refuses).
 * Libraries with finer error codes map these (`CONFIG_ERR_UNKNOWN_FIELD`, `..._OUT_OF_RANGE`).
 */
export type FailureKind = 'unknown' | 'required' | 'too-small' | 'too-big' | 'invalid';

/** Builds the library's own error (its InvalidOptionError) from an option name and a message. */
export type Fail = (option: string, message: string, kind: FailureKind) => Error;

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

/** A value as messages show it: `11`, `"abc"`, `an object`, `Buffer(3)`. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (Buffer.isBuffer(v)) return `Buffer(${v.length})`;
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/** `rrl.slip`, `zone.ns[2]`: a path as an option name. */
export function optionName(path: Path): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else s += s === '' ? String(seg) : `.${String(seg)}`;
  }
  return s;
}

/** The description of the option at `path` below `schema` (undefined when the path leaves the descriptions). */
export function metaAt(schema: z.ZodType, path: Path): Meta | undefined {
  let meta = metaOf(schema);
  for (const seg of path) {
    if (!meta) return undefined;
    let next: z.ZodType | undefined;
    if (meta.kind === 'group' && typeof seg === 'string') next = meta.children?.[seg];
    else if (meta.kind === 'list' && typeof seg === 'number') next = meta.item;
    meta = next ? metaOf(next) : undefined;
  }
  return meta;
}

function valueAt(input: unknown, path: Path): unknown {
  let v = input;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

/** The most specific issue: inside a union (an off-able group), the branch that got furthest. */
function deepest(issue: Issue): { path: Path; issue: Issue } {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return { path: issue.path, issue };
  let best: { path: Path; issue: Issue } | undefined;
  for (const branch of issue.errors) {
    const first = branch[0];
    if (!first) continue;
    const d = deepest(first);
    if (!best || d.path.length > best.path.length) best = d;
  }
  if (!best || best.path.length === 0) return { path: issue.path, issue };
  return { path: [...issue.path, ...best.path], issue: best.issue };
}

/** The option name and message for a failed validation (the first issue). */
export function explain(schema: z.ZodType, input: unknown, first: Issue, root = 'options'): { option: string; message: string; kind: FailureKind } {
  const found = deepest(first);
  const issue = found.issue;
  let path = found.path;
  // Inside a custom option (a record, a union of shapes), the option itself is named, and the
  // value inside it that failed is told after `got` (`faults must be ..., got
  // ListAccelerators.rate = 2 (Too big: ...)`).
  while (path.length > 0 && metaAt(schema, path) === undefined) path = path.slice(0, -1);
  const inner = found.path.slice(path.length);
  const meta = metaAt(schema, path);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const option = optionName([...path, key]);
    const known = meta?.children ? Object.keys(meta.children).join(', ') : '';
    return { option, message: `is not a known option${known ? ` (known: ${known})` : ''}`, kind: 'unknown' };
  }
  const option = path.length === 0 ? root : optionName(path);
  const value = valueAt(input, path);
  const got = inner.length > 0
    ? `${optionName(inner)} = ${describeValue(valueAt(input, found.path))} (${issue.message})`
    : describeValue(value);
  if (!meta) return { option, message: `is invalid (${issue.message}), got ${got}`, kind: 'invalid' };
  if (value === undefined && meta.required) return { option, message: `is required (${meta.expects})`, kind: 'required' };
  const kind = issue.code === 'too_small' ? 'too-small' : issue.code === 'too_big' ? 'too-big' : 'invalid';
  return { option, message: `must be ${meta.expects}, got ${got}`, kind };
}

/**
 * Validate `input` against an option schema and fill in the defaults. On failure throws what
 * `fail(option, message)` builds: the library's own InvalidOptionError.
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, fail: Fail, root = 'options'): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (!issue) throw fail(root, 'is invalid', 'invalid');
  const { option, message, kind } = explain(schema, input, issue, root);
  throw fail(option, message, kind);
}

/** The constant defaults of a group, as a frozen plain object (groups nested; computed defaults left out). */
export function defaultsOf(schema: z.ZodType): Record<string, unknown> {
  const meta = metaOf(schema);
  const out: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(meta?.children ?? {})) {
    const m = metaOf(child);
    if (!m) continue;
    if (m.kind === 'group') {
      if (m.optional) continue;
      out[name] = defaultsOf(child);
    } else if (m.default !== undefined) out[name] = Array.isArray(m.default) ? Object.freeze([...m.default]) : m.default;
  }
  return Object.freeze(out);
}
