export { canonicalIp, formatHostPort, ipBytes, ipFamily, ipFromBytes, isLoopback, parseHostPort, unmapIpv4 } from './address.js';
export type { HostPort } from './address.js';
export { ERROR_CODES, InvalidAddressError, NetError } from './errors.js';
export type { ErrorCode } from './errors.js';
