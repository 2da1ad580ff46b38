export { buildProgram, CONFIG_ENV, parseArgs } from './args.js';
export type { ParseResult } from './args.js';
export { ENV_PREFIX, FLAGS, SET_BY_COMMAND, SETTINGS } from './options.js';
export type { Settings } from './options.js';
export * from './errors.js';
export { startOrigins, tryCommands } from './run.js';
export type { RunningOrigins } from './run.js';
export { logLibraryEvents, main } from './main.js';
