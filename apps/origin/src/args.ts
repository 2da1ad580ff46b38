/**
 * The command line: commander with every flag derived from the settings' descriptions, then
 * the layers (config file < environment < flags) merged and validated with the libraries' own
 * words. An error names what the user wrote (`--dns-rrl-slip must be an integer 0..10, got 11`)
 * and exits 2.
 */
import { Command, CommanderError, Option } from 'commander';
import {
  addFlags, ConfigFileError as OptionsConfigFileError, envLayer, fileLayer, flagLayer, givenFlags, labelFor, mergeLayers, readJsonFile, UsageError as OptionsUsageError, validateLayer,
} from '@anycast-origin/options';
import type { Layer } from '@anycast-origin/options';
import { ConfigFileError, UsageError } from './errors.js';
import { ENV_PREFIX, FLAGS, libraryReadsEnv, SETTINGS } from './options.js';
import type { Settings } from './options.js';

/** The config file flag and its variable (a file of settings, not a setting). */
export const CONFIG_ENV = `${ENV_PREFIX}CONFIG`;

/** The commander program: --help lists every flag with its values, default and variable. */
export function buildProgram(version: string): Command {
  const program = new Command('anycast-origin')
    .description('Anycast origin: HTTP and DNS identity responders that say which instance, zone and region answered.')
    .version(version, '-V, --version')
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  program.addOption(new Option('--config <file>', `JSON config file: the settings as nested keys ({ "dns": { "rrl": { "slip": 3 } } }); unknown keys are errors (env: ${CONFIG_ENV})`));
  addFlags(program, FLAGS);
  program.addHelpText('after', `
Precedence: flags > environment > config file > defaults. Every flag is also a variable
(${ENV_PREFIX}<FLAG>, e.g. --dns-rrl-slip is ${ENV_PREFIX}DNS_RRL_SLIP) and a config key (dns.rrl.slip);
the identity variables (ORIGIN_ID, ORIGIN_AVAILABILITY_ZONE, ...) are read by the identity library.`);
  return program;
}

export type ParseResult =
  | { kind: 'run'; settings: Settings; layer: Layer; configFile?: string }
  | { kind: 'exit'; code: number; output: string };

/** The options package's usage errors, as this command's (exit 2, ORIGIN_ERR_USAGE). */
function asUsage(e: unknown): never {
  if (e instanceof OptionsConfigFileError) throw new ConfigFileError(e.file, e.message.slice(e.file.length + 2), { cause: e });
  if (e instanceof OptionsUsageError) throw new UsageError(e.message, { cause: e });
  throw e;
}

/**
 * Parse argv (without node and script) and env into Settings. `--help`/`--version` return the
 * text to print; anything wrong throws a UsageError naming the flag, variable or file key.
 */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv, version: string): ParseResult {
  const program = buildProgram(version);
  let out = '';
  program.configureOutput({ writeOut: (s) => (out += s), writeErr: () => {} });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return { kind: 'exit', code: 0, output: out };
      throw new UsageError(e.message.replace(/^error: /, ''), { cause: e });
    }
    throw e;
  }
  try {
    const configFile = program.opts<{ config?: string }>().config ?? (env[CONFIG_ENV] || undefined);
    const layers: Layer[] = [];
    if (configFile) layers.push(fileLayer(readJsonFile(configFile), configFile));
    layers.push(envLayer(FLAGS.filter((f) => !libraryReadsEnv(f)), env));
    layers.push(flagLayer(FLAGS, givenFlags(program, FLAGS)));
    const layer = mergeLayers(layers);
    const settings = validateLayer(SETTINGS, layer, FLAGS) as Settings;
    const label = (key: string) => labelFor(key, layer.labels, FLAGS);
    if (settings.http === false && settings.dns === false) throw new UsageError(`${label('http')} and ${label('dns')} are both off: nothing to serve`);
    const { http, dns } = settings;
    if (http && dns && http.port !== 0 && http.port === dns.port && http.host === dns.host) {
      throw new UsageError(`${label('dns.port')} ${dns.port} on ${dns.host} is also the HTTP port (both use TCP)`);
    }
    return configFile ? { kind: 'run', settings, layer, configFile } : { kind: 'run', settings, layer };
  } catch (e) {
    return asUsage(e);
  }
}
