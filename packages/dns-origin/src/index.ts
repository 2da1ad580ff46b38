export { createDnsOrigin } from './origin.js';
export type { DnsOrigin } from './origin.js';
export { canonicalName, DEFAULTS, isDomainName, LIMITS, OPTIONS, resolveOptions } from './options.js';
export type { DnsOriginOptions, ResolvedOptions, ResolvedRrl, ResolvedZone, RrlOptions, SoaOptions, TcpOptions, ZoneOptions } from './options.js';
export {
  AddressInUseError, DnsOriginError, ERROR_CODES, InvalidOptionError, ListenError, InvalidStateError, WorkerError,
} from './errors.js';
export type { ErrorCode } from './errors.js';
export type { DnsOriginStats } from './counters.js';
export { ANSWER_KINDS } from './responses.js';
export type { AnswerKind } from './responses.js';
export { renderMetrics } from './metrics.js';
export { CHANNELS } from './server.js';
export type { Bound } from './server.js';
export type { UdpBackend } from './udp.js';
export { Responder } from './responder.js';
export { RateLimiter, RRL_CLASS } from './rrl.js';
export type { RrlClass } from './rrl.js';
export { RCODE, TYPE, CLASS, EDNS_UDP_SIZE } from './constants.js';
