/**
 * Errors of @anycast-origin/infra. One base class; a subclass per failure, each with a stable
 * `code` (documented in infra/README.md; a test checks that every code is). Every message
 * starts with the config field (or construct prop) it is about, so `cdktf synth` failing on a
 * bad config points straight at the line to fix.
 */
export class InfraError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InfraError';
    this.code = code;
  }
}

/** A config field or construct prop is invalid. `field` is its path, e.g. `regions[2].trafficDial`. */
export class ConfigFieldError extends InfraError {
  readonly field: string;
  constructor(field: string, message: string, code: string = 'INFRA_ERR_INVALID_FIELD') {
    super(`${field}: ${message}`, code);
    this.name = 'ConfigFieldError';
    this.field = field;
  }
}

/** The config file cannot be read or is not JSON. */
export class ConfigFileError extends InfraError {
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`config file ${file}: ${message}`, 'INFRA_ERR_CONFIG_FILE', options);
    this.name = 'ConfigFileError';
    this.file = file;
  }
}

/** The origin artifact the stack uploads does not exist (build it first, or point artifactPath at it). */
export class ArtifactMissingError extends ConfigFieldError {
  readonly path: string;
  constructor(field: string, path: string) {
    super(
      field,
      `origin artifact not found at ${path}: build it with \`npm run package -w apps/origin\` (from the repo root), or set ${field} to an existing .tar.gz`,
      'INFRA_ERR_ARTIFACT_MISSING',
    );
    this.name = 'ArtifactMissingError';
    this.path = path;
  }
}

/** Every error code this package throws (each one documented in infra/README.md). */
export const ERROR_CODES = [
  'INFRA_ERR_INVALID_FIELD',
  'INFRA_ERR_UNKNOWN_FIELD',
  'INFRA_ERR_UNKNOWN_REGION',
  'INFRA_ERR_OUT_OF_RANGE',
  'INFRA_ERR_DUPLICATE',
  'INFRA_ERR_QUOTA',
  'INFRA_ERR_UDP_HEALTH_CHECK',
  'INFRA_ERR_HEALTH_CHECK_PORT',
  'INFRA_ERR_DUAL_STACK_NEEDS_IPV6',
  'INFRA_ERR_CONFIG_FILE',
  'INFRA_ERR_ARTIFACT_MISSING',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
