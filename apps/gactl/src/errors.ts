/**
 * Errors of gactl, the library and the command. One base class; a subclass per failure with a
 * stable `code` (every one documented in the README; a test checks both directions) and the
 * exit code the command ends with: 1 failed (API error, guard, verification), 2 usage (a bad
 * flag, argument or config file; an accelerator to choose), 3 timed out waiting for DEPLOYED.
 */
import { describeValue } from '@anycast-origin/options';

export class GactlError extends Error {
  readonly code: string;
  readonly exitCode: number;
  constructor(message: string, code: string, exitCode: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GactlError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** An option of connect() is unknown or invalid; `option` names it. */
export class InvalidOptionError extends GactlError {
  readonly option: string;
  constructor(option: string, message: string) {
    super(`${option} ${message}`, 'GACTL_ERR_INVALID_OPTION', 2);
    this.name = 'InvalidOptionError';
    this.option = option;
  }

  static expected(option: string, expectation: string, value: unknown): InvalidOptionError {
    return new InvalidOptionError(option, `must be ${expectation}, got ${describeValue(value)}`);
  }
}

/** An argument of a steering call is invalid (a dial above 100, a Region name that is none); `argument` names it. */
export class InvalidArgumentError extends GactlError {
  readonly argument: string;
  constructor(argument: string, message: string) {
    super(`${argument} ${message}`, 'GACTL_ERR_INVALID_ARGUMENT', 2);
    this.name = 'InvalidArgumentError';
    this.argument = argument;
  }
}

/** A method called in a state that does not allow it (a call on a closed connection). */
export class InvalidStateError extends GactlError {
  constructor(message: string) {
    super(message, 'GACTL_ERR_INVALID_STATE', 1);
    this.name = 'InvalidStateError';
  }
}

/** The command line is wrong: a flag, argument, variable or missing command. */
export class UsageError extends GactlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'GACTL_ERR_USAGE', 2, options);
    this.name = 'UsageError';
  }
}

/** The Global Accelerator API answered an error gactl does not retry (or kept answering one). `awsName` is AWS's error name. */
export class ApiError extends GactlError {
  readonly awsName: string;
  readonly operation: string;
  readonly statusCode: number | undefined;
  constructor(operation: string, awsName: string, message: string, statusCode: number | undefined, options?: { cause?: unknown }) {
    super(`${awsName}: ${message.replace(/\s*\n\s*/g, ' ')}`, 'GACTL_ERR_API', 1, options);
    this.name = 'ApiError';
    this.awsName = awsName;
    this.operation = operation;
    this.statusCode = statusCode;
  }
}

/** An accelerator, listener, Region or endpoint named by the user is not there. */
export class NotFoundError extends GactlError {
  constructor(message: string) {
    super(message, 'GACTL_ERR_NOT_FOUND', 1);
    this.name = 'NotFoundError';
  }
}

/** No accelerator was named and the account has several (or a name fits several): say which. */
export class AmbiguousError extends GactlError {
  constructor(message: string) {
    super(message, 'GACTL_ERR_AMBIGUOUS', 2);
    this.name = 'AmbiguousError';
  }
}

/** A guard refused the change (it would leave a listener without traffic or without a healthy endpoint); --force overrides. */
export class GuardError extends GactlError {
  readonly reasons: readonly string[];
  constructor(reasons: readonly string[]) {
    super(`refused: ${reasons.join('; ')} (--force to do it anyway)`, 'GACTL_ERR_GUARD', 1);
    this.name = 'GuardError';
    this.reasons = reasons;
  }
}

/** After the write (and the wait), a change does not hold. */
export class VerifyError extends GactlError {
  constructor(message: string) {
    super(message, 'GACTL_ERR_VERIFY', 1);
    this.name = 'VerifyError';
  }
}

/** The accelerator did not reach DEPLOYED within the timeout. */
export class DeployTimeoutError extends GactlError {
  readonly timeoutSeconds: number;
  constructor(timeoutSeconds: number, message: string) {
    super(message, 'GACTL_ERR_TIMEOUT', 3);
    this.name = 'DeployTimeoutError';
    this.timeoutSeconds = timeoutSeconds;
  }
}

/** The API's answer lacks a member gactl needs to rewrite a group without changing what it did not mean to change. */
export class IncompleteResponseError extends GactlError {
  constructor(message: string) {
    super(message, 'GACTL_ERR_INCOMPLETE_RESPONSE', 1);
    this.name = 'IncompleteResponseError';
  }
}

/**
 * The drain record (a gactl:drain:* tag on the accelerator) is missing on undrain, is not one
 * gactl wrote, or cannot be written (longer than a tag value may be).
 */
export class DrainRecordError extends GactlError {
  constructor(message: string) {
    super(message, 'GACTL_ERR_DRAIN_RECORD', 1);
    this.name = 'DrainRecordError';
  }
}

/** apply: the service config cannot be read or is invalid. */
export class ConfigError extends GactlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'GACTL_ERR_CONFIG', 2, options);
    this.name = 'ConfigError';
  }
}

/** A /metrics page is not the Prometheus text format (0.0.4): `line` (1-based) and what is wrong. The autopilot reports it as the endpoint's error. */
export class MetricsFormatError extends GactlError {
  readonly line: number;
  constructor(line: number, what: string) {
    super(`line ${line}: ${what}`, 'GACTL_ERR_METRICS_FORMAT', 1);
    this.name = 'MetricsFormatError';
    this.line = line;
  }
}

/** autopilot: the targets file (the lab's state file or a list of { id, region, metrics }) cannot be read or is invalid; `file` names it. */
export class TargetsFileError extends GactlError {
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${message}`, 'GACTL_ERR_TARGETS_FILE', 2, options);
    this.name = 'TargetsFileError';
    this.file = file;
  }
}

export const ERROR_CODES = Object.freeze([
  'GACTL_ERR_INVALID_OPTION', 'GACTL_ERR_INVALID_ARGUMENT', 'GACTL_ERR_INVALID_STATE', 'GACTL_ERR_USAGE', 'GACTL_ERR_API', 'GACTL_ERR_NOT_FOUND',
  'GACTL_ERR_AMBIGUOUS', 'GACTL_ERR_GUARD', 'GACTL_ERR_VERIFY', 'GACTL_ERR_TIMEOUT', 'GACTL_ERR_INCOMPLETE_RESPONSE', 'GACTL_ERR_DRAIN_RECORD',
  'GACTL_ERR_CONFIG', 'GACTL_ERR_METRICS_FORMAT', 'GACTL_ERR_TARGETS_FILE',
] as const);
export type ErrorCode = (typeof ERROR_CODES)[number];
