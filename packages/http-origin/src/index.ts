export { CHANNELS, createHttpOrigin } from './origin.js';
export type { HttpOrigin, HttpOriginState, HttpOriginStats } from './origin.js';
export { DEFAULTS, defaultWorkers, LIMITS, OPTIONS, resolveOptions } from './options.js';
export type { HttpOriginOptions, ResolvedOptions } from './options.js';
export {
  AddressInUseError, ERROR_CODES, FallbackRefusedError, HttpOriginError, InvalidOptionError, InvalidStateError, ListenError, WorkerError,
} from './errors.js';
export type { ErrorCode } from './errors.js';
export { UWS_BUILDS, fallbackForced, uwsBackend, uwsChoice, uwsFallbackReason } from './backend.js';
export type { UwsBackend, UwsBuild, UwsChoice } from './backend.js';
export { NODE_END_OF_LIFE, runtimeInfo } from './runtime.js';
export type { RuntimeInfo } from './runtime.js';
export { ROUTES, STATUSES } from './counters.js';
export type { RouteName } from './counters.js';
export { ALLOW, CONTENT_TYPES, DATA_PATTERN, commonHeaders, parseDataSize } from './responses.js';
export type { RequestEcho } from './echo.js';
export { renderMetrics } from './metrics.js';
