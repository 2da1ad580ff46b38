/**
 * Errors of @anycast-origin/infra. A bad config is not one of them: `@anycast-origin/config`
 * validates the file and throws its own ConfigError (`CONFIG_ERR_*`, naming the field) before
 * any construct is built. What is left for infra: a construct used against its own contract
 * (InvalidOptionError, naming the prop), an origin artifact that is not there at synth, and
 * what the deploy's verify step and the rollout meet on a live accelerator.
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

/** The deployed stack's outputs cannot be read (no state yet, terraform missing) or lack what is needed. */
export class OutputsError extends InfraError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'INFRA_ERR_OUTPUTS', options);
    this.name = 'OutputsError';
  }
}

/** verify: endpoints are not all HEALTHY in the accelerator when the wait ends. */
export class UnhealthyError extends InfraError {
  constructor(message: string) {
    super(message, 'INFRA_ERR_UNHEALTHY');
    this.name = 'UnhealthyError';
  }
}

/** rollout: stopped before an instance (a region would be left without a healthy endpoint) or after one that did not come back healthy. */
export class RolloutError extends InfraError {
  /** The instance the rollout stopped at. */
  readonly endpointId: string;
  constructor(endpointId: string, message: string, options?: { cause?: unknown }) {
    super(message, 'INFRA_ERR_ROLLOUT', options);
    this.name = 'RolloutError';
    this.endpointId = endpointId;
  }
}

/** Updating one instance failed: the SSM command or the terraform replacement. */
export class UpdateError extends InfraError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'INFRA_ERR_UPDATE', options);
    this.name = 'UpdateError';
  }
}

/** The command line is wrong (exit 2). */
export class UsageError extends InfraError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'INFRA_ERR_USAGE', options);
    this.name = 'UsageError';
  }
}

/** Every error code this package throws (each one documented in infra/README.md). */
export const ERROR_CODES = Object.freeze([
  'INFRA_ERR_INVALID_OPTION',
  'INFRA_ERR_ARTIFACT_MISSING',
  'INFRA_ERR_OUTPUTS',
  'INFRA_ERR_UNHEALTHY',
  'INFRA_ERR_ROLLOUT',
  'INFRA_ERR_UPDATE',
  'INFRA_ERR_USAGE',
] as const);

export type ErrorCode = (typeof ERROR_CODES)[number];
