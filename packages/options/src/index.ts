export { metaOf, o } from './describe.js';
export type { Kind, Meta, OptionsInput, OptionsOutput, Present } from './describe.js';
export { defaultsOf, describeValue, explain, metaAt, optionName, parseOptions } from './parse.js';
export type { Fail, FailureKind } from './parse.js';
export { defaultText, optionRows, optionsTable, replaceTable, TABLE_END, TABLE_START, tableIn, valuesText } from './table.js';
export type { OptionRow } from './table.js';
export {
  addFlags, envLayer, fileLayer, flagLayer, flagsOf, FLAGS_END, FLAGS_START, flagsTable, givenFlags, helpText, kebab, labelFor, mergeLayers, snake, usageFromLibrary, validateLayer, withoutOptions,
} from './cli.js';
export type { Flag, FlagsSpec, Layer } from './cli.js';
export { readJsonFile } from './file.js';
export { ConfigFileError, ERROR_CODES, OptionsError, UsageError } from './errors.js';
export type { ErrorCode } from './errors.js';
