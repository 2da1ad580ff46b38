/**
 * Errors of anycast-lab. One base class; a subclass per failure, each with a stable `code`
 * (listed in ERROR_CODES and documented in the README; a test checks both directions) and the
 * exit code the command maps it to: 2 for what the user wrote (a flag, a variable, the config
 * file), 1 for what happened (an origin that would not start, an experiment step that failed).
 */
export class LabError extends Error {
  readonly code: string;
  readonly exitCode: 1 | 2;
  constructor(message: string, code: string, exitCode: 1 | 2, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LabError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** An option is invalid (`<option> must be <expectation>, got <value>`); `option` names it. */
export class InvalidOptionError extends LabError {
  readonly option: string;
  constructor(option: string, message: string, options?: { cause?: unknown }) {
    super(`${option} ${message}`, 'LAB_ERR_INVALID_OPTION', 2, options);
    this.name = 'InvalidOptionError';
    this.option = option;
  }
}

/** The command line is wrong: an unknown flag or command, a bad value of a flag or variable. */
export class UsageError extends LabError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'LAB_ERR_USAGE', 2, options);
    this.name = 'UsageError';
  }
}

/** The service config, a vantage list or a RIPE Atlas run cannot be read or is invalid. */
export class InputError extends LabError {
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${message}`, 'LAB_ERR_INPUT', 2, options);
    this.name = 'InputError';
    this.file = file;
  }
}

/** An address block is too small for what the config asks (instances, vantage points). */
export class AddressSpaceError extends LabError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'LAB_ERR_ADDRESS_SPACE', 2, options);
    this.name = 'AddressSpaceError';
  }
}

/** An origin process, the emulator or the accelerator did not come up (or not healthy in time). */
export class StartError extends LabError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'LAB_ERR_START', 1, options);
    this.name = 'StartError';
  }
}

/** A method called in a state that does not allow it (an instance that is not running, a stopped lab). */
export class InvalidStateError extends LabError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'LAB_ERR_INVALID_STATE', 1, options);
    this.name = 'InvalidStateError';
  }
}

/** A file the lab writes (state file, report, maps, results) cannot be written. */
export class OutputError extends LabError {
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${message}`, 'LAB_ERR_OUTPUT', 1, options);
    this.name = 'OutputError';
    this.file = file;
  }
}

/** An experiment step failed (a measurement, a dial change, a drill). */
export class ExperimentError extends LabError {
  readonly step: string;
  constructor(step: string, message: string, options?: { cause?: unknown }) {
    super(`${step}: ${message}`, 'LAB_ERR_EXPERIMENT', 1, options);
    this.name = 'ExperimentError';
    this.step = step;
  }
}

export const ERROR_CODES = Object.freeze([
  'LAB_ERR_INVALID_OPTION', 'LAB_ERR_USAGE', 'LAB_ERR_INPUT', 'LAB_ERR_ADDRESS_SPACE', 'LAB_ERR_START', 'LAB_ERR_INVALID_STATE', 'LAB_ERR_OUTPUT', 'LAB_ERR_EXPERIMENT',
] as const);
export type ErrorCode = (typeof ERROR_CODES)[number];
