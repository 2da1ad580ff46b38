/** Errors of @anycast-origin/net: one base class, a subclass per failure, stable codes. */
export class NetError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetError';
    this.code = code;
  }
}

/** A text is not the address it should be; `label` names the value (a flag, an option). */
export class InvalidAddressError extends NetError {
  readonly label: string;
  readonly value: string;
  constructor(label: string, value: string, why: string) {
    super(`${label} must be an address (${why}), got ${JSON.stringify(value)}`, 'NET_ERR_INVALID_ADDRESS');
    this.name = 'InvalidAddressError';
    this.label = label;
    this.value = value;
  }
}

export const ERROR_CODES = Object.freeze(['NET_ERR_INVALID_ADDRESS'] as const);
export type ErrorCode = (typeof ERROR_CODES)[number];
