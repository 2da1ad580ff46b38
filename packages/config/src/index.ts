export { drainSecondsFor, loadConfig, parseConfig } from './config.js';
export type {
  AnycastConfig, ClientAffinity, FlowLogsConfig, HealthCheckConfig, IpAddressType, ListenerConfig, ListenerProtocol, ListenerServes, ParseOptions, RegionConfig,
} from './config.js';
export { CONFIG, DEFAULT_LISTENERS, DEFAULT_REGIONS } from './schema.js';
export { GA_LIMITS, KNOWN_REGIONS } from './facts.js';
export type { Region } from './facts.js';
export { ConfigError, ConfigFieldError, ConfigFileError, ERROR_CODES } from './errors.js';
export type { ErrorCode } from './errors.js';
