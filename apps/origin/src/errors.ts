/** Errors of the anycast-origin command. Each has a stable code and the exit code it maps to. */
export class OriginCliError extends Error {
  readonly code: string;
  readonly exitCode: number;
  constructor(message: string, code: string, exitCode: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OriginCliError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** A bad flag, environment variable or config file entry: exit 2, nothing started. */
export class UsageError extends OriginCliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'ORIGIN_ERR_USAGE', 2, options);
    this.name = 'UsageError';
  }
}

/** The config file cannot be read or is not valid JSON / does not match the schema: exit 2. */
export class ConfigFileError extends OriginCliError {
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`config ${file}: ${message}`, 'ORIGIN_ERR_CONFIG', 2, options);
    this.name = 'ConfigFileError';
    this.file = file;
  }
}

/** The origins could not start (address in use, identity unresolvable, ...): exit 1. */
export class StartError extends OriginCliError {
  constructor(message: string, code = 'ORIGIN_ERR_START', options?: { cause?: unknown }) {
    super(message, code, 1, options);
    this.name = 'StartError';
  }
}

export const ERROR_CODES = Object.freeze(['ORIGIN_ERR_USAGE', 'ORIGIN_ERR_CONFIG', 'ORIGIN_ERR_START', 'ORIGIN_ERR_ADDRESS_IN_USE', 'ORIGIN_ERR_IDENTITY'] as const);
