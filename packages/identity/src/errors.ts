/**
 * Errors of @anycast-origin/identity. One base class; a subclass per failure, each with a
 * stable `code` (documented in the package README; a test checks that every code is).
 */
export class IdentityError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IdentityError';
    this.code = code;
  }
}

/** An option or a resolved field has the wrong type or shape. `field` names it. */
export class InvalidIdentityFieldError extends IdentityError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field} ${message}`, 'IDENTITY_ERR_INVALID_FIELD');
    this.name = 'InvalidIdentityFieldError';
    this.field = field;
  }
}

/** An option of resolveIdentity() is unknown or invalid. `option` names it. */
export class InvalidOptionError extends IdentityError {
  readonly option: string;
  constructor(option: string, message: string) {
    super(`${option} ${message}`, 'IDENTITY_ERR_INVALID_OPTION');
    this.name = 'InvalidOptionError';
    this.option = option;
  }
}

/** Base of every instance-metadata failure; `path` is the metadata path that failed. */
export class MetadataError extends IdentityError {
  readonly path: string;
  constructor(message: string, code: string, path: string, options?: { cause?: unknown }) {
    super(message, code, options);
    this.name = 'MetadataError';
    this.path = path;
  }
}

/** The metadata service did not answer within the timeout (after the retry). */
export class MetadataTimeoutError extends MetadataError {
  constructor(path: string, timeoutMs: number, options?: { cause?: unknown }) {
    super(`instance metadata ${path}: no answer within ${timeoutMs} ms (after 1 retry)`, 'IDENTITY_ERR_IMDS_TIMEOUT', path, options);
    this.name = 'MetadataTimeoutError';
  }
}

/** The service refused the IMDSv2 token or gave none (401/403 on the token flow). */
export class MetadataUnauthorizedError extends MetadataError {
  readonly statusCode: number | undefined;
  constructor(path: string, statusCode: number | undefined, options?: { cause?: unknown }) {
    super(`instance metadata ${path}: IMDSv2 token refused${statusCode ? ` (HTTP ${statusCode})` : ''}`, 'IDENTITY_ERR_IMDS_UNAUTHORIZED', path, options);
    this.name = 'MetadataUnauthorizedError';
    this.statusCode = statusCode;
  }
}

/** The service answered with an unexpected status or could not be reached. */
export class MetadataRequestError extends MetadataError {
  readonly statusCode: number | undefined;
  constructor(path: string, statusCode: number | undefined, detail: string, options?: { cause?: unknown }) {
    super(`instance metadata ${path}: ${detail}`, 'IDENTITY_ERR_IMDS_REQUEST', path, options);
    this.name = 'MetadataRequestError';
    this.statusCode = statusCode;
  }
}

/** The service answered 200 with a body that is not a valid value for that field. */
export class MetadataInvalidResponseError extends MetadataError {
  constructor(path: string, detail: string, options?: { cause?: unknown }) {
    super(`instance metadata ${path}: invalid answer: ${detail}`, 'IDENTITY_ERR_IMDS_INVALID_RESPONSE', path, options);
    this.name = 'MetadataInvalidResponseError';
  }
}

/** Every code this package can throw, for documentation tests and `switch`es. */
export const ERROR_CODES = Object.freeze([
  'IDENTITY_ERR_INVALID_FIELD',
  'IDENTITY_ERR_INVALID_OPTION',
  'IDENTITY_ERR_IMDS_TIMEOUT',
  'IDENTITY_ERR_IMDS_UNAUTHORIZED',
  'IDENTITY_ERR_IMDS_REQUEST',
  'IDENTITY_ERR_IMDS_INVALID_RESPONSE',
] as const);
