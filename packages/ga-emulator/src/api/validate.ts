/**
 * Checks a request body against the operation's input shape from the official model, the way
 * AWS's JSON services do before an operation runs: a member of the wrong JSON type is a
 * `SerializationException`; a missing required member or a value outside the model's range,
 * length, pattern or enum is answered with the model's `InvalidArgumentException`, worded as
 * AWS words validation errors ("1 validation error detected: Value '101' at
 * 'trafficDialPercentage' failed to satisfy constraint: ..."). Unknown members are ignored,
 * as AWS ignores them.
 */
import { ApiError } from '../errors.js';
import { shape } from './model.js';
import type { ShapeModel } from './model.js';

export interface ValidateOptions {
  /** Integer shapes that also take fractions and skip their range (the lab's sub-10 s health-check intervals). */
  readonly relaxed?: ReadonlySet<string>;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

function show(v: unknown): string {
  if (typeof v === 'string') return v.length > 64 ? `${v.slice(0, 64)}...` : v;
  if (Array.isArray(v)) return `[${v.length} item(s)]`;
  return typeof v === 'object' && v !== null ? 'an object' : String(v);
}

const PATTERNS = new Map<string, RegExp>();
function pattern(src: string): RegExp {
  let re = PATTERNS.get(src);
  if (!re) {
    re = new RegExp(src);
    PATTERNS.set(src, re);
  }
  return re;
}

function typeError(path: string, expected: string): ApiError {
  return new ApiError('SerializationException', `Value at '${path}' must be ${expected}`);
}

function check(value: unknown, s: ShapeModel, name: string, path: string, problems: string[], o: ValidateOptions): void {
  const bad = (constraint: string) => problems.push(`Value '${show(value)}' at '${path}' failed to satisfy constraint: ${constraint}`);
  switch (s.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw typeError(path, 'an object');
      const v = value as Record<string, unknown>;
      for (const r of s.required ?? []) {
        if (v[r] === undefined || v[r] === null) problems.push(`Value null at '${path ? `${path}.` : ''}${lowerFirst(r)}' failed to satisfy constraint: Member must not be null`);
      }
      for (const [m, def] of Object.entries(s.members ?? {})) {
        if (v[m] === undefined || v[m] === null) continue;
        check(v[m], shape(def.shape), def.shape, `${path ? `${path}.` : ''}${lowerFirst(m)}`, problems, o);
      }
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) throw typeError(path, 'an array');
      if (s.min !== undefined && value.length < s.min) bad(`Member must have length greater than or equal to ${s.min}`);
      if (s.max !== undefined && value.length > s.max) bad(`Member must have length less than or equal to ${s.max}`);
      const m = s.member as string;
      value.forEach((x, i) => {
        if (x === null || x === undefined) throw typeError(`${path}.${i + 1}.member`, 'a value, not null');
        check(x, shape(m), m, `${path}.${i + 1}.member`, problems, o);
      });
      return;
    }
    case 'string': {
      if (typeof value !== 'string') throw typeError(path, 'a string');
      if (s.min !== undefined && value.length < s.min) bad(`Member must have length greater than or equal to ${s.min}`);
      if (s.max !== undefined && value.length > s.max) bad(`Member must have length less than or equal to ${s.max}`);
      if (s.pattern !== undefined && !pattern(s.pattern).test(value)) bad(`Member must satisfy regular expression pattern: ${s.pattern}`);
      if (s.enum !== undefined && !s.enum.includes(value)) bad(`Member must satisfy enum value set: [${s.enum.join(', ')}]`);
      return;
    }
    case 'integer':
    case 'long':
    case 'float':
    case 'double': {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw typeError(path, 'a number');
      const relaxed = o.relaxed?.has(name) ?? false;
      if ((s.type === 'integer' || s.type === 'long') && !Number.isInteger(value) && !relaxed) throw typeError(path, 'an integer');
      if (relaxed) return;
      if (s.min !== undefined && value < s.min) bad(`Member must have value greater than or equal to ${s.min}`);
      if (s.max !== undefined && value > s.max) bad(`Member must have value less than or equal to ${s.max}`);
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw typeError(path, 'a boolean');
      return;
    default:
      return;
  }
}

/** Throws ApiError (SerializationException or InvalidArgumentException) when `body` does not fit the shape. */
export function validateInput(body: unknown, inputShape: string, o: ValidateOptions = {}): void {
  const problems: string[] = [];
  check(body, shape(inputShape), inputShape, '', problems, o);
  if (problems.length) {
    const n = problems.length;
    throw new ApiError('InvalidArgumentException', `${n} validation error${n > 1 ? 's' : ''} detected: ${problems.join('; ')}`);
  }
}
