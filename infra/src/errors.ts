/**
 * Errors of @anycast-origin/infra. A bad config is not one of them: `@anycast-origin/config`
 * validates the file and throws its own ConfigError (`CONFIG_ERR_*`, naming the field) before
 * any construct is built. What is left for infra: a construct used against its own contract
 * (InvalidOptionError, naming the prop) and an origin artifact that is not there at synth.
 * One base class, a subclass per failure, stable codes documented in infra/README.md (a test
 * checks both directions).
 */
export class InfraError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InfraError';
    this.code = code;
  }
}

/**
 * A construct prop breaks the construct's contract (the config schema checked every value a
 * config can hold; this is about props that disagree with each other or with another construct).
 * `option` names the prop, e.g. `region.weights`.
 */
export class InvalidOptionError extends InfraError {
  readonly option: string;
  constructor(option: string, message: string) {
    super(`${option} ${message}`, 'INFRA_ERR_INVALID_OPTION');
    this.name = 'InvalidOptionError';
    this.option = option;
  }
}

/** The origin artifact the stack uploads does not exist (build it first, or point artifactPath at it). */
export class ArtifactMissingError extends InfraError {
  /** The config field that names the artifact. */
  readonly field: string;
  readonly path: string;
  constructor(field: string, path: string) {
    super(
      `${field} must be an existing file (the origin artifact), got ${path}: build it with \`npm run package -w apps/origin\` (from the repo root), or point ${field} at an existing .tar.gz`,
      'INFRA_ERR_ARTIFACT_MISSING',
    );
    this.name = 'ArtifactMissingError';
    this.field = field;
    this.path = path;
  }
}

/** Every error code this package throws (each one documented in infra/README.md). */
export const ERROR_CODES = Object.freeze([
  'INFRA_ERR_INVALID_OPTION',
  'INFRA_ERR_ARTIFACT_MISSING',
] as const);

export type ErrorCode = (typeof ERROR_CODES)[number];
