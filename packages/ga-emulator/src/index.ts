export * from './routing.js';
export { BindError, ERROR_CODES, GaEmulatorError, InvalidArgumentError, InvalidOptionError, InvalidStateError } from './errors.js';
export type { ErrorCode } from './errors.js';
