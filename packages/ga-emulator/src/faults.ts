/**
 * Fault injection for tests of API clients: per operation (or `*` for every operation), a
 * count or a rate of errors (ThrottlingException by default) and added latency. Rates draw
 * from a seeded generator (mulberry32), so a run with the same seed fails the same calls.
 */
import { ApiError, InvalidArgumentError } from './errors.js';
import { FAULT, parseArgument } from './options.js';
import type { FaultSpec } from './options.js';

/** HTTP status AWS answers each injectable error with. */
const STATUS: Readonly<Record<string, number>> = { InternalServiceErrorException: 500, ServiceUnavailableException: 503 };

const MESSAGES: Readonly<Record<string, string>> = {
  ThrottlingException: 'Rate exceeded',
  InternalServiceErrorException: 'There was an internal error for Global Accelerator.',
  AccessDeniedException: 'You don\'t have access permission.',
  TransactionInProgressException: 'There\'s already a transaction in progress. Another transaction can\'t be processed.',
  LimitExceededException: 'Processing your request would cause you to exceed an AWS Global Accelerator limit.',
  ServiceUnavailableException: 'Service unavailable',
};

export class Faults {
  readonly #specs = new Map<string, { spec: Readonly<FaultSpec>; left: number | undefined }>();
  #state: number;

  constructor(initial: Readonly<Record<string, Readonly<FaultSpec> | undefined>>, seed: number) {
    this.#state = seed >>> 0;
    for (const [op, spec] of Object.entries(initial)) if (spec) this.#specs.set(op, { spec, left: spec.count });
  }

  /** Set (replace) the fault of an operation, or `*` for all operations without their own. Throws InvalidArgumentError. */
  set(operation: string, spec: FaultSpec): void {
    if (operation !== '*' && !/^[A-Z][A-Za-z]{2,63}$/.test(operation)) throw InvalidArgumentError.expected('operation', 'an operation name or *', operation);
    const s = Object.freeze(parseArgument(FAULT, spec, `faults.${operation}`));
    if (s.count !== undefined && s.rate !== undefined) throw new InvalidArgumentError(`faults.${operation}`, 'must have either count or rate, not both');
    this.#specs.set(operation, { spec: s, left: s.count });
  }

  /** Remove the fault of one operation, or every fault. */
  clear(operation?: string): void {
    if (operation === undefined) this.#specs.clear();
    else this.#specs.delete(operation);
  }

  list(): Record<string, FaultSpec & { remaining?: number }> {
    return Object.fromEntries([...this.#specs].map(([op, { spec, left }]) => [op, left === undefined ? { ...spec } : { ...spec, remaining: left }]));
  }

  #random(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** What this call of `operation` gets: added latency and, maybe, an error to answer. */
  draw(operation: string): { latencyMs: number; error: ApiError | undefined } {
    const entry = this.#specs.get(operation) ?? this.#specs.get('*');
    if (!entry) return { latencyMs: 0, error: undefined };
    const { spec } = entry;
    let fail = false;
    if (entry.left !== undefined) {
      if (entry.left > 0) {
        entry.left--;
        fail = true;
      }
      // Used up: gone, so that `*` (or nothing) applies to this operation again.
      if (entry.left === 0) this.#specs.delete(this.#specs.get(operation) === entry ? operation : '*');
    } else if (spec.rate !== undefined) {
      fail = this.#random() < spec.rate;
    } else {
      fail = spec.error !== undefined; // an error with neither count nor rate: every call
    }
    const name = spec.error ?? 'ThrottlingException';
    return { latencyMs: spec.latencyMs ?? 0, error: fail ? new ApiError(name, MESSAGES[name] ?? name, STATUS[name] ?? 400) : undefined };
  }
}
