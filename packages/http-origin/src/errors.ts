import { formatHostPort } from '@anycast-origin/net';

/**
 * Errors of @anycast-origin/http-origin. One base class; a subclass per failure, each with a stable
 * `code` (documented in the package README; a test checks that every code is).
 */
export class HttpOriginError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpOriginError';
    this.code = code;
  }
}

/** An option is unknown, has the wrong type or is out of range. `option` names it (`maxDataBytes`). */
export class InvalidOptionError extends HttpOriginError {
  readonly option: string;
  constructor(option: string, message: string) {
    super(`${option} ${message}`, 'HTTP_ORIGIN_ERR_INVALID_OPTION');
    this.name = 'InvalidOptionError';
    this.option = option;
  }
}

/**
 * The uWebSockets.js native binary did not load (or UWS_USE_FALLBACK forced the pure-Node
 * fallback) and `allowFallback` is false. `reason` says why the native binary was not used.
 */
export class FallbackRefusedError extends HttpOriginError {
  readonly reason: string;
  constructor(reason: string, options?: { cause?: unknown }) {
    super(
      `uWebSockets.js native binary not in use (${reason}); refusing the slow pure-Node fallback: pass allowFallback: true to accept it`,
      'HTTP_ORIGIN_ERR_FALLBACK_REFUSED',
      options,
    );
    this.name = 'FallbackRefusedError';
    this.reason = reason;
  }
}

/** listen(): another socket already holds host:port. */
export class AddressInUseError extends HttpOriginError {
  readonly host: string;
  readonly port: number;
  constructor(host: string, port: number, options?: { cause?: unknown }) {
    super(`cannot listen on ${formatHostPort(host, port)}: address already in use`, 'HTTP_ORIGIN_ERR_ADDRESS_IN_USE', options);
    this.name = 'AddressInUseError';
    this.host = host;
    this.port = port;
  }
}

/** listen() failed for another reason (permission, address not available, ...); `cause` has the errno when known. */
export class ListenError extends HttpOriginError {
  readonly host: string;
  readonly port: number;
  constructor(host: string, port: number, detail: string, options?: { cause?: unknown }) {
    super(`cannot listen on ${formatHostPort(host, port)}: ${detail}`, 'HTTP_ORIGIN_ERR_LISTEN', options);
    this.name = 'ListenError';
    this.host = host;
    this.port = port;
  }
}

/** A method was called in a state that does not allow it (listen() twice, listen() after close()). */
export class InvalidStateError extends HttpOriginError {
  constructor(message: string) {
    super(message, 'HTTP_ORIGIN_ERR_INVALID_STATE');
    this.name = 'InvalidStateError';
  }
}

/** A worker thread failed to start, threw, or exited before it was told to. */
export class WorkerError extends HttpOriginError {
  readonly worker: number;
  constructor(worker: number, detail: string, options?: { cause?: unknown }) {
    super(`worker thread ${worker}: ${detail}`, 'HTTP_ORIGIN_ERR_WORKER', options);
    this.name = 'WorkerError';
    this.worker = worker;
  }
}

/** Every code this package can throw, for documentation tests and `switch`es. */
export const ERROR_CODES = Object.freeze([
  'HTTP_ORIGIN_ERR_INVALID_OPTION',
  'HTTP_ORIGIN_ERR_FALLBACK_REFUSED',
  'HTTP_ORIGIN_ERR_ADDRESS_IN_USE',
  'HTTP_ORIGIN_ERR_LISTEN',
  'HTTP_ORIGIN_ERR_INVALID_STATE',
  'HTTP_ORIGIN_ERR_WORKER',
] as const);

export type ErrorCode = (typeof ERROR_CODES)[number];
