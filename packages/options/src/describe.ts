/**
 * Option descriptions: each builder returns a zod schema (so the option's TypeScript types are
 * inferred by zod) and records what the schema means (kind, range, default, unit, one-line doc)
 * in this package's registry. Everything else (validation messages, README tables, command-line
 * flags, environment variables, config keys, --help) is derived from that record by walking the
 * registry, never zod's internals.
 *
 * A library writes its options once:
 *
 *   export const OPTIONS = o.group({
 *     port: o.integer({ min: 0, max: 65_535, default: 8053, doc: 'UDP and TCP port; 0 = ephemeral' }),
 *     rrl: o.group({ slip: o.integer({ min: 0, max: 10, default: 2, doc: '...' }) }, { doc: '...', off: true }),
 *   }, { doc: 'DNS origin options' });
 *   export type DnsOriginOptions = OptionsInput<typeof OPTIONS>;
 */
import { isIP } from 'node:net';
import { z } from 'zod';

export type Kind = 'integer' | 'number' | 'boolean' | 'enum' | 'string' | 'list' | 'group' | 'custom';

/** What an option is, as the registry records it. */
export interface Meta {
  readonly kind: Kind;
  /** One line: what the option does. */
  readonly doc: string;
  /** Unit of a number (`s`, `ms`, `bytes`, `percent`, ...). */
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly string[];
  /** The default, when it is a constant (undefined: none, or see defaultText). */
  readonly default?: unknown;
  /** How docs show a computed or conditional default (`one per core`). */
  readonly defaultText?: string;
  readonly required: boolean;
  /** What a valid value is, for messages: `an integer 0..10`, `an IPv4 address`. */
  readonly expects: string;
  /** False: not settable from a flag or an environment variable (objects, Buffers, functions). */
  readonly cli: boolean;
  /** An environment variable the library itself reads for this option (a CLI uses it, never another name). */
  readonly env?: string;
  /** list: the item schema. */
  readonly item?: z.ZodType;
  /** group: the child schemas by option name. */
  readonly children?: Readonly<Record<string, z.ZodType>>;
  /** group: `false` switches the whole group off. */
  readonly off?: boolean;
  /** group: absent means none (not every default). */
  readonly optional?: boolean;
}

/** Descriptions by schema object (a WeakMap: schemas are never kept alive by it). */
const registry = new WeakMap<z.ZodType, Meta>();

/** The description of an option schema made by this module's builders (undefined for any other schema). */
export function metaOf(schema: z.ZodType): Meta | undefined {
  return registry.get(schema);
}

interface Common {
  doc: string;
  unit?: string;
  defaultText?: string;
  cli?: boolean;
  env?: string;
}
interface Presence<T> {
  /** A constant default: the option is optional in input and always set in output. */
  default?: T;
  /** No default and must be given. */
  required?: boolean;
}

/** The schema a builder returns: with a default, required, or optional (output may be undefined). */
export type Present<S extends z.ZodType, P> = P extends { default: unknown } ? z.ZodDefault<S> : P extends { required: true } ? S : z.ZodOptional<S>;

function finish<S extends z.ZodType, P extends Common & Presence<unknown>>(schema: S, spec: P, meta: Omit<Meta, 'doc' | 'required' | 'cli' | 'default'> & { cli?: boolean }): Present<S, P> {
  let out: z.ZodType;
  if (spec.default !== undefined) out = schema.default(spec.default as never);
  else if (spec.required) out = schema;
  else out = schema.optional();
  const m: Meta = {
    ...meta,
    doc: spec.doc,
    required: spec.required === true && spec.default === undefined,
    cli: spec.cli ?? meta.cli ?? true,
    ...(spec.default !== undefined ? { default: spec.default } : {}),
    ...(spec.unit !== undefined ? { unit: spec.unit } : {}),
    ...(spec.defaultText !== undefined ? { defaultText: spec.defaultText } : {}),
    ...(spec.env !== undefined ? { env: spec.env } : {}),
  };
  registry.set(out, m);
  return out as Present<S, P>;
}

function rangeText(min: number, max: number, unit: string | undefined): string {
  return `${min}..${max}${unit ? ` (${unit})` : ''}`;
}

interface NumberSpec extends Common, Presence<number> {
  min: number;
  max: number;
}

/** An integer in min..max. */
function integer<const P extends NumberSpec>(spec: P): Present<z.ZodNumber, P> {
  return finish(z.number().int().min(spec.min).max(spec.max), spec, { kind: 'integer', min: spec.min, max: spec.max, expects: `an integer ${rangeText(spec.min, spec.max, spec.unit)}` });
}

/** A finite number in min..max (fractions allowed). */
function number<const P extends NumberSpec>(spec: P): Present<z.ZodNumber, P> {
  return finish(z.number().min(spec.min).max(spec.max), spec, { kind: 'number', min: spec.min, max: spec.max, expects: `a number ${rangeText(spec.min, spec.max, spec.unit)}` });
}

function boolean<const P extends Common & Presence<boolean>>(spec: P): Present<z.ZodBoolean, P> {
  return finish(z.boolean(), spec, { kind: 'boolean', expects: 'true or false' });
}

/** One of a few strings. */
function enumOf<const T extends readonly [string, ...string[]], const P extends Common & Presence<T[number]>>(choices: T, spec: P): Present<z.ZodEnum<{ [K in T[number]]: K }>, P> {
  return finish(z.enum(choices), spec, { kind: 'enum', choices, expects: `one of ${choices.map((c) => `'${c}'`).join(', ')}` });
}

interface StringSpec extends Common, Presence<string> {
  /** Bytes (UTF-8). @default 1 */
  minBytes?: number;
  /** Bytes (UTF-8). */
  maxBytes?: number;
  /** A check beyond length: true when valid. */
  check?: (value: string) => boolean;
  /** What a valid value is, when there is a check: `a domain name`. */
  expects?: string;
}

/** A string of minBytes..maxBytes UTF-8 bytes, optionally checked further. */
function string<const P extends StringSpec>(spec: P): Present<z.ZodType<string, string>, P> {
  const min = spec.minBytes ?? 1;
  const max = spec.maxBytes;
  const expects = spec.expects ?? (max === undefined ? (min > 0 ? 'a non-empty string' : 'a string') : `a string of ${min}..${max} bytes`);
  const schema = z.string().refine((v) => {
    const n = Buffer.byteLength(v);
    return n >= min && (max === undefined || n <= max) && (spec.check === undefined || spec.check(v));
  });
  return finish(schema, spec, { kind: 'string', expects });
}

/** An IP address literal: IPv4, IPv6 or either. */
function ip<const P extends Common & Presence<string> & { family?: 4 | 6 }>(spec: P): Present<z.ZodType<string, string>, P> {
  const fam = spec.family;
  const expects = fam === 4 ? 'an IPv4 address' : fam === 6 ? 'an IPv6 address' : 'an IPv4 or IPv6 address';
  return finish(z.string().refine((v) => (fam === undefined ? isIP(v) !== 0 : isIP(v) === fam)), spec, { kind: 'string', expects });
}

/** A URL whose scheme is one of `protocols` (default http and https) and which names a host. */
function url<const P extends Common & Presence<string> & { protocols?: readonly ('http' | 'https')[] }>(spec: P): Present<z.ZodType<string, string>, P> {
  const protocols = spec.protocols ?? ['http', 'https'];
  const expects = `an ${protocols.map((p) => `${p}://`).join(' or ')} URL`;
  const ok = (v: string): boolean => {
    try {
      const u = new URL(v);
      return protocols.some((p) => u.protocol === `${p}:`) && u.host !== '';
    } catch {
      return false;
    }
  };
  return finish(z.string().refine(ok), spec, { kind: 'string', expects });
}

/** A list of items (on a command line: comma-separated). */
function list<I extends z.ZodType, const P extends Common & Presence<z.output<I>[]> & { max?: number; min?: number }>(item: I, spec: P): Present<z.ZodArray<I>, P> {
  const im = metaOf(item);
  const min = spec.min ?? 0;
  let schema = z.array(item).min(min);
  if (spec.max !== undefined) schema = schema.max(spec.max);
  const count = spec.max !== undefined ? (min > 0 ? ` of ${min}..${spec.max}` : ` of at most ${spec.max}`) : min > 0 ? ` of at least ${min}` : '';
  const expects = `a list${count} items, each ${im?.expects ?? 'valid'}`.replace('a list items', 'a list of items');
  return finish(schema, spec, { kind: 'list', item, expects, cli: im?.cli ?? true });
}

/** Any other value, checked by a zod schema; `expects` says what it is for messages. */
function custom<S extends z.ZodType, const P extends Common & Presence<z.output<S>> & { expects: string }>(schema: S, spec: P): Present<S, P> {
  return finish(schema, spec, { kind: 'custom', expects: spec.expects, cli: spec.cli ?? false });
}

type Shape = Record<string, z.ZodType>;
type GroupObject<C extends Shape> = z.ZodObject<C, z.core.$strict>;
type GroupSchema<C extends Shape, G> = G extends { off: true }
  ? (G extends { optional: true } ? z.ZodOptional<z.ZodUnion<[z.ZodLiteral<false>, GroupObject<C>]>> : z.ZodPrefault<z.ZodUnion<[z.ZodLiteral<false>, GroupObject<C>]>>)
  : (G extends { optional: true } ? z.ZodOptional<GroupObject<C>> : z.ZodPrefault<GroupObject<C>>);

interface GroupSpec {
  doc: string;
  /** `false` switches the group off (RRL off); a group that is on takes its defaults. */
  off?: boolean;
  /** Absent means "none" (output undefined) instead of "every default". */
  optional?: boolean;
  /** The default's description in docs (`on`). */
  defaultText?: string;
}

/** Options that belong together; unknown keys are errors. Absent, a group takes every default (unless optional). */
function group<const C extends Shape, const G extends GroupSpec>(children: C, spec: G): GroupSchema<C, G> {
  const obj = z.strictObject(children);
  let schema: z.ZodType = spec.off ? z.union([z.literal(false), obj]) : obj;
  schema = spec.optional ? schema.optional() : schema.prefault({} as never);
  const meta: Meta = {
    kind: 'group',
    doc: spec.doc,
    required: false,
    cli: true,
    children,
    expects: spec.off ? 'false or an object' : 'an object',
    ...(spec.off ? { off: true } : {}),
    ...(spec.optional ? { optional: true } : {}),
    ...(spec.defaultText !== undefined ? { defaultText: spec.defaultText } : {}),
  };
  registry.set(schema, meta);
  return schema as GroupSchema<C, G>;
}

/** The option builders. */
export const o = Object.freeze({ integer, number, boolean, enum: enumOf, string, ip, url, list, custom, group });

/** What a caller may pass (defaults optional). */
export type OptionsInput<S extends z.ZodType> = NonNullable<z.input<S>>;
/** What validation returns (defaults filled in). */
export type OptionsOutput<S extends z.ZodType> = z.output<S>;
