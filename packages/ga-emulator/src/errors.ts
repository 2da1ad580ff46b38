/**
 * Errors of @anycast-origin/ga-emulator. One base class; a subclass per failure, each with a
 * stable `code` (documented in the package README; a test checks both directions).
 *
 * These are the library's own errors (bad options, bad arguments, wrong state, a port that
 * cannot be bound). The emulated API answers its clients with AWS's error names instead
 * (`AcceleratorNotFoundException`, ...): those travel as ApiError (below), code GA_EMULATOR_ERR_API.
 */
import { describeValue } from '@anycast-origin/options';

export class GaEmulatorError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GaEmulatorError';
    this.code = code;
  }
}

/** An option of createEmulator() is unknown or invalid. `option` names it; the message reads `<option> must be <expectation>, got <value>`. */
export class InvalidOptionError extends GaEmulatorError {
  readonly option: string;
  constructor(option: string, message: string) {
    super(`${option} ${message}`, 'GA_EMULATOR_ERR_INVALID_OPTION');
    this.name = 'InvalidOptionError';
    this.option = option;
  }
}

/**
 * An argument of a function or method (routing model, registry, vantage table, fault
 * injection) is invalid. `argument` names it; the message has the options' format.
 */
export class InvalidArgumentError extends GaEmulatorError {
  readonly argument: string;
  constructor(argument: string, message: string) {
    super(`${argument} ${message}`, 'GA_EMULATOR_ERR_INVALID_ARGUMENT');
    this.name = 'InvalidArgumentError';
    this.argument = argument;
  }

  /** `<argument> must be <expectation>, got <value>`. */
  static expected(argument: string, expectation: string, value: unknown): InvalidArgumentError {
    return new InvalidArgumentError(argument, `must be ${expectation}, got ${describeValue(value)}`);
  }
}

/** A method was called in a state that does not allow it (start() twice, start() after close()). */
export class InvalidStateError extends GaEmulatorError {
  constructor(message: string) {
    super(message, 'GA_EMULATOR_ERR_INVALID_STATE');
    this.name = 'InvalidStateError';
  }
}

/** An address:port (the API or an entry) could not be bound; `cause` has the errno error. */
export class BindError extends GaEmulatorError {
  readonly address: string;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
  constructor(protocol: 'TCP' | 'UDP', address: string, port: number, options?: { cause?: unknown }) {
    const errno = (options?.cause as NodeJS.ErrnoException | undefined)?.code;
    super(`cannot bind ${protocol} ${address}:${port}${errno ? `: ${errno}` : ''}`, 'GA_EMULATOR_ERR_BIND', options);
    this.name = 'BindError';
    this.address = address;
    this.port = port;
    this.protocol = protocol;
  }
}

/**
 * An error of the emulated Global Accelerator API, as AWS would answer it: `awsName` is the
 * error name on the wire (`__type`, `x-amzn-errortype`), `statusCode` its HTTP status.
 * `emulator.call()` rejects with it; HTTP clients get it as AWS's JSON error body.
 */
export class ApiError extends GaEmulatorError {
  readonly awsName: string;
  readonly statusCode: number;
  constructor(awsName: string, message: string, statusCode = 400) {
    super(message, 'GA_EMULATOR_ERR_API');
    this.name = 'ApiError';
    this.awsName = awsName;
    this.statusCode = statusCode;
  }
}

/** Every code this package can throw, for documentation tests and `switch`es. */
export const ERROR_CODES = Object.freeze([
  'GA_EMULATOR_ERR_INVALID_OPTION',
  'GA_EMULATOR_ERR_INVALID_ARGUMENT',
  'GA_EMULATOR_ERR_INVALID_STATE',
  'GA_EMULATOR_ERR_BIND',
  'GA_EMULATOR_ERR_API',
] as const);
export type ErrorCode = (typeof ERROR_CODES)[number];
