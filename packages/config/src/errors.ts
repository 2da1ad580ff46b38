/**
 * Errors of @anycast-origin/config. One base class; a subclass per failure, each with a stable
 * `code` (documented in the README; a test checks both directions). Every field message starts
 * with the field's path (`regions[2].trafficDial must be a number 0..100, got 150`), so a
 * failing synth, lab or apply points at the line to fix.
 */
export class ConfigError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
    this.code = code;
  }
}

/** A config field is invalid. `field` is its path, e.g. `regions[2].trafficDial`. */
export class ConfigFieldError extends ConfigError {
  readonly field: string;
  constructor(field: string, message: string, code: string = 'CONFIG_ERR_INVALID_FIELD') {
    super(`${field} ${message}`, code);
    this.name = 'ConfigFieldError';
    this.field = field;
  }
}

/** The config file cannot be read or is not JSON. */
export class ConfigFileError extends ConfigError {
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`config file ${file}: ${message}`, 'CONFIG_ERR_FILE', options);
    this.name = 'ConfigFileError';
    this.file = file;
  }
}

/** Every error code this package throws. */
export const ERROR_CODES = Object.freeze([
  'CONFIG_ERR_INVALID_FIELD',
  'CONFIG_ERR_UNKNOWN_FIELD',
  'CONFIG_ERR_UNKNOWN_REGION',
  'CONFIG_ERR_OUT_OF_RANGE',
  'CONFIG_ERR_DUPLICATE',
  'CONFIG_ERR_QUOTA',
  'CONFIG_ERR_UDP_HEALTH_CHECK',
  'CONFIG_ERR_HEALTH_CHECK_PORT',
  'CONFIG_ERR_DUAL_STACK_NEEDS_IPV6',
  'CONFIG_ERR_FILE',
] as const);
export type ErrorCode = (typeof ERROR_CODES)[number];
