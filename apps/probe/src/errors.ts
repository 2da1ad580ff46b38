/**
 * Errors of probe. One base class; a subclass per failure, each with a stable `code`
 * (documented in the README; a test checks both directions) and the exit code the CLI maps it
 * to: 2 for what the user wrote (a flag, an option), 1 for what happened (a file, the network).
 * Failed requests and queries are not errors: they are counted in the reports.
 */
export class ProbeError extends Error {
  readonly code: string;
  readonly exitCode: 1 | 2;
  constructor(message: string, code: string, exitCode: 1 | 2, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProbeError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/**
 * An option has the wrong type or is out of range. The message has one format across the
 * project: `<option> must be <expectation>, got <value>` (or `is required (...)`, `is not a
 * known option (...)`); `option` names it.
 */
export class InvalidOptionError extends ProbeError {
  readonly option: string;
  constructor(option: string, message: string, options?: { cause?: unknown }) {
    super(`${option} ${message}`, 'PROBE_ERR_INVALID_OPTION', 2, options);
    this.name = 'InvalidOptionError';
    this.option = option;
  }
}

/** A command line commander refused (unknown flag, missing argument, too many arguments). */
export class UsageError extends ProbeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'PROBE_ERR_USAGE', 2, options);
    this.name = 'UsageError';
  }
}

/** An input file (results, probe metadata, vantage list) cannot be read or is not in a known format. */
export class InputError extends ProbeError {
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${message}`, 'PROBE_ERR_INPUT', 1, options);
    this.name = 'InputError';
    this.file = file;
  }
}

/** An output file (results, map) cannot be written. */
export class OutputError extends ProbeError {
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${message}`, 'PROBE_ERR_OUTPUT', 1, options);
    this.name = 'OutputError';
    this.file = file;
  }
}

/** The RIPE Atlas API refused a call or could not be reached. `status` is the HTTP status, if any. */
export class AtlasApiError extends ProbeError {
  readonly status: number | undefined;
  constructor(message: string, status: number | undefined, options?: { cause?: unknown }) {
    super(message, 'PROBE_ERR_ATLAS_API', 1, options);
    this.name = 'AtlasApiError';
    this.status = status;
  }
}

/** A RIPE Atlas measurement failed (no suitable probes, failed, stopped without results) or did not finish in time. */
export class AtlasMeasurementError extends ProbeError {
  readonly measurementId: number;
  constructor(measurementId: number, message: string, options?: { cause?: unknown }) {
    super(`measurement ${measurementId}: ${message}`, 'PROBE_ERR_ATLAS_MEASUREMENT', 1, options);
    this.name = 'AtlasMeasurementError';
    this.measurementId = measurementId;
  }
}

/** Every code probe can throw, for documentation tests and `switch`es. */
export const ERROR_CODES = Object.freeze([
  'PROBE_ERR_INVALID_OPTION',
  'PROBE_ERR_USAGE',
  'PROBE_ERR_INPUT',
  'PROBE_ERR_OUTPUT',
  'PROBE_ERR_ATLAS_API',
  'PROBE_ERR_ATLAS_MEASUREMENT',
] as const);

export type ErrorCode = (typeof ERROR_CODES)[number];
