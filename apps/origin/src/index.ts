export { buildProgram, FLAGS, parseArgs } from './args.js';
export type { ParseResult } from './args.js';
export { configSchema, DEFAULTS, parseListen, readConfigFile, resolveSettings } from './config.js';
export type { Config, ListenAddress, Settings } from './config.js';
export * from './errors.js';
export { startOrigins, tryCommands } from './run.js';
export type { RunningOrigins } from './run.js';
export { main } from './main.js';
