/** @anycast-origin/lab: the lab as a library, for tests and tools that stand the service up in-process. */
export { startLab } from './lab.js';
export type { Instance, Lab, LabHooks, LabSpec, LabState } from './lab.js';
export { instanceIdFor, planInstances, planVantagePoints, portMapFor, zonesOf } from './plan.js';
export type { InstancePlan, VantagePoint, VantageSpec } from './plan.js';
export { originAddress, parseBlock, vantageAddress } from './addresses.js';
export { CITIES, SEED_CITIES } from './cities.js';
export type { City } from './cities.js';
export { OriginProcess, originArgs, originCli } from './origin-process.js';
export type { Exit, OriginSpec } from './origin-process.js';
export { defaultVantagePoints, readVantageFile } from './vantage.js';
export { removeStateFile, writeStateFile } from './state-file.js';
export { pasteText } from './paste.js';
export { COMMAND_FLAGS, DEFAULT_CONFIG, ENV_PREFIX, EXPERIMENT_OPTIONS, resolveExperiment, resolveUp, UP_OPTIONS } from './options.js';
export type { ExperimentSettings, UpSettings } from './options.js';
export { buildProgram, configPath, labSpec, main, readConfig, VERSION } from './main.js';
export type { Io } from './main.js';
export * from './errors.js';
