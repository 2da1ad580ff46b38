import { formatHostPort } from '@anycast-origin/net';

/**
 * Errors of @anycast-origin/dns-origin. One base class; a subclass per failure, each with a stable
 * `code` (every code is documented in the package README; a test checks that it is).
 */
export class DnsOriginError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DnsOriginError';
    this.code = code;
  }
}

/** An option is unknown or invalid. `option` names it (dotted: `rrl.slip`). */
export class InvalidOptionError extends DnsOriginError {
  readonly option: string;
  constructor(option: string, message: string) {
    super(`${option} ${message}`, 'DNS_ORIGIN_ERR_INVALID_OPTION');
    this.name = 'InvalidOptionError';
    this.option = option;
  }
}

/** listen(): the UDP or TCP port is taken on that address. */
export class AddressInUseError extends DnsOriginError {
  readonly host: string;
  readonly port: number;
  constructor(host: string, port: number, options?: { cause?: unknown }) {
    super(`address in use: ${formatHostPort(host, port)} (UDP or TCP)`, 'DNS_ORIGIN_ERR_ADDRESS_IN_USE', options);
    this.name = 'AddressInUseError';
    this.host = host;
    this.port = port;
  }
}

/** listen(): any other bind/listen failure (address not available, permission denied...). */
export class ListenError extends DnsOriginError {
  readonly host: string;
  readonly port: number;
  constructor(host: string, port: number, reason: string, options?: { cause?: unknown }) {
    super(`cannot listen on ${formatHostPort(host, port)}: ${reason}`, 'DNS_ORIGIN_ERR_LISTEN', options);
    this.name = 'ListenError';
    this.host = host;
    this.port = port;
  }
}

/** A method was called in a state that does not allow it (listen() twice, after close()...). */
export class InvalidStateError extends DnsOriginError {
  constructor(message: string) {
    super(message, 'DNS_ORIGIN_ERR_INVALID_STATE');
    this.name = 'InvalidStateError';
  }
}

/** workers > 1: a cluster worker failed to start or exited before it was told to. */
export class WorkerError extends DnsOriginError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'DNS_ORIGIN_ERR_WORKER', options);
    this.name = 'WorkerError';
  }
}

/** Every error code this package throws or rejects with. */
export const ERROR_CODES = Object.freeze([
  'DNS_ORIGIN_ERR_INVALID_OPTION',
  'DNS_ORIGIN_ERR_ADDRESS_IN_USE',
  'DNS_ORIGIN_ERR_LISTEN',
  'DNS_ORIGIN_ERR_INVALID_STATE',
  'DNS_ORIGIN_ERR_WORKER',
] as const);
export type ErrorCode = (typeof ERROR_CODES)[number];
