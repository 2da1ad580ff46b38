/**
 * Errors of @anycast-origin/options. One base class; a subclass per failure with a stable
 * `code` (documented in the README; a test checks both directions).
 */
export class OptionsError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OptionsError';
    this.code = code;
  }
}

/**
 * A flag, environment variable or config file entry is wrong: the message names it as the user
 * wrote it. Command-line tools exit 2 on it (`exitCode`).
 */
export class UsageError extends OptionsError {
  readonly exitCode = 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'OPTIONS_ERR_USAGE', options);
    this.name = 'UsageError';
  }
}

/** A config file cannot be read or is not JSON (exit 2 as well). */
export class ConfigFileError extends UsageError {
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${message}`, options);
    this.name = 'ConfigFileError';
    (this as { code: string }).code = 'OPTIONS_ERR_CONFIG_FILE';
    this.file = file;
  }
}

/** Every code this package throws. */
export const ERROR_CODES = Object.freeze(['OPTIONS_ERR_USAGE', 'OPTIONS_ERR_CONFIG_FILE'] as const);
export type ErrorCode = (typeof ERROR_CODES)[number];
