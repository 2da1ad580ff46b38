/**
 * The command line: commander subcommands whose flags, variables, help lines and checks all
 * come from the descriptions in options.ts. Global flags go before the command, and (all but
 * --region) after it too: `gactl status --output json` works. Before the command, --region is
 * the API client's Region; after drain/undrain it names the Region to drain. Values merge
 * flags > GACTL_* variables > defaults; an error names what the user wrote
 * (`--timeout must be a number 0..86400 (s), got -1`, `PERCENT must be a number 0..100
 * (percent), got 150`) and is a UsageError (exit 2).
 */
import { Command, CommanderError } from 'commander';
import type { Option } from 'commander';
import { addFlags, envLayer, flagLayer, flagsOf, givenFlags, mergeLayers, UsageError as OptionsUsageError, validateLayer } from '@anycast-origin/options';
import type { Flag, OptionsOutput } from '@anycast-origin/options';
import { UsageError } from './errors.js';
import { COMMAND_ARGS, COMMAND_FLAGS, ENV_PREFIX, GLOBAL } from './options.js';
import type { CommandName, GlobalSettings } from './options.js';

/** Every global flag (with its GACTL_* variable). */
export const GLOBAL_FLAGS: readonly Flag[] = Object.freeze(flagsOf(GLOBAL, { envPrefix: ENV_PREFIX }));
/** The global flags a command also takes after its name (not --region: see the header). */
const TRAILING_FLAGS: readonly Flag[] = GLOBAL_FLAGS.filter((f) => f.key !== 'region');
/** Each command's own flags (no variables). */
export const COMMAND_FLAG_LIST: Readonly<Record<CommandName, readonly Flag[]>> = Object.freeze(
  Object.fromEntries(Object.entries(COMMAND_FLAGS).map(([name, schema]) => [name, flagsOf(schema)])) as Record<CommandName, Flag[]>,
);
const ARG_FLAGS: Readonly<Record<CommandName, readonly Flag[]>> = Object.freeze(
  Object.fromEntries(Object.entries(COMMAND_ARGS).map(([name, schema]) => [name, flagsOf(schema)])) as Record<CommandName, Flag[]>,
);

/** `endpointId` -> `ENDPOINT_ID`: how a positional argument is named in help and errors. */
export const argLabel = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

interface CommandSpec {
  summary: string;
  /** Positional arguments: name in COMMAND_ARGS, and whether commander requires it. */
  args: readonly [string, boolean][];
  help?: string;
}

export const COMMANDS: Readonly<Record<CommandName, CommandSpec>> = Object.freeze({
  status: { summary: 'the accelerator, its listeners, endpoint groups and endpoints, with health', args: [] },
  dial: {
    summary: 'set the traffic dial of a Region\'s endpoint groups (0..100)', args: [['region', true], ['percent', true]],
    help: 'Acts on every listener with a group in REGION unless --listener narrows it. Refused when it would leave a listener\nwith every dial at 0 (--force).',
  },
  weight: {
    summary: 'set an endpoint\'s weight (0..255) in the groups that hold it', args: [['endpointId', true], ['weight', true]],
    help: 'Acts on every listener whose groups hold ENDPOINT_ID unless --listener narrows it. Refused when it would leave a\nlistener without a healthy endpoint of weight > 0 (--force).',
  },
  drain: {
    summary: 'weight 0 for an endpoint, or dial 0 for a Region (--region), then wait', args: [['endpointId', false]],
    help: 'The values before the drain are kept in a tag on the accelerator (gactl:drain:endpoint:<id> or\ngactl:drain:region:<region>), where `gactl undrain` finds them from any machine.',
  },
  undrain: {
    summary: 'back to the value before the drain (from the accelerator\'s gactl:drain:* tag)', args: [['endpointId', false]],
  },
  apply: {
    summary: 'set dials and weights to what the service config says (the diff first; --dry-run stops there)', args: [],
  },
  wait: { summary: 'wait until the accelerator is DEPLOYED (--timeout)', args: [] },
  autopilot: {
    summary: 'move traffic dials so that every Region stays under its capacity (--capacity), each interval',
    args: [],
    help: `Each interval: a Region above --target of its capacity has its dial lowered in proportion to the excess (at most
--max-step, never below --min-dial, never the last Region taking traffic, never shedding a Region over its own
target); a Region below --low is raised back toward 100. Load is HTTP requests + DNS queries per second from each
endpoint's /metrics (--metrics-from, else EC2 by instance id) or Prometheus (--prometheus). No data: the dial holds.
One line per Region and step on stderr (pino JSON); --output json prints each step as JSON on stdout.
SIGTERM or Ctrl-C stops between steps, never inside a write.`,
  },
});

export type ParseResult =
  | { kind: 'run'; command: CommandName; settings: GlobalSettings; flags: Record<string, unknown>; args: Record<string, unknown> }
  | { kind: 'exit'; code: number; output: string };

/** --listener may be repeated: the values add up (commas also separate them). */
function repeatable(cmd: Command, long: string): void {
  const opt = cmd.options.find((o: Option) => o.long === long);
  opt?.argParser((value: string, previous: unknown) => (typeof previous === 'string' ? `${previous},${value}` : value));
}

/** The commander program; `chosen` receives the command that ran. */
export function buildProgram(version: string, chosen: (name: CommandName, cmd: Command, operands: string[]) => void = () => {}): Command {
  const program = new Command('gactl')
    .description('Steer an AWS Global Accelerator safely: read-modify-write without lost updates, guards, wait for DEPLOYED, verify.')
    .version(version, '-V, --version')
    .helpOption('-h, --help', 'show this help')
    .helpCommand(false)
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  addFlags(program, GLOBAL_FLAGS);
  for (const [name, spec] of Object.entries(COMMANDS) as [CommandName, CommandSpec][]) {
    const cmd = program.command(name).description(spec.summary).helpOption('-h, --help', 'show this help').exitOverride().configureOutput({ writeErr: () => {} });
    for (const [arg, required] of spec.args) {
      const doc = ARG_FLAGS[name].find((f) => f.key === arg)?.meta.doc ?? arg;
      cmd.argument(required ? `<${argLabel(arg)}>` : `[${argLabel(arg)}]`, doc);
    }
    addFlags(cmd, COMMAND_FLAG_LIST[name]);
    addFlags(cmd, TRAILING_FLAGS);
    repeatable(cmd, '--listener');
    repeatable(cmd, '--capacity');
    if (spec.help) cmd.addHelpText('after', `\n${spec.help}`);
    cmd.action((...params: unknown[]) => {
      const self = params[params.length - 1] as Command;
      chosen(name, self, self.args);
    });
  }
  program.addHelpText('after', `
Global flags go before the command; all but --region may also follow it. Every global flag is also a
variable (${ENV_PREFIX}<FLAG>: --output json is ${ENV_PREFIX}OUTPUT=json, --no-wait is ${ENV_PREFIX}WAIT=0); flags win.
The SDK's own settings apply when these are unset: AWS_ENDPOINT_URL_GLOBAL_ACCELERATOR, AWS_REGION,
AWS_PROFILE and the credentials chain. The API's Region defaults to us-west-2.

Exit codes: 0 done, 1 failed (API error, guard, verification), 2 usage, 3 timed out waiting for DEPLOYED.`);
  return program;
}

function asUsage(e: unknown): never {
  if (e instanceof OptionsUsageError) throw new UsageError(e.message, { cause: e });
  throw e;
}

/**
 * Parse argv (without node and script) and env. `--help`/`--version` return the text to
 * print; anything wrong throws UsageError.
 */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv, version: string): ParseResult {
  let out = '';
  let picked: { name: CommandName; cmd: Command; operands: string[] } | undefined;
  const program = buildProgram(version, (name, cmd, operands) => (picked = { name, cmd, operands }));
  const capture = (c: Command) => {
    c.configureOutput({ writeOut: (s) => (out += s), writeErr: () => {} });
    for (const sub of c.commands) capture(sub);
  };
  capture(program);
  try {
    program.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return { kind: 'exit', code: 0, output: out };
      if (e.code === 'commander.help') throw new UsageError(`a command is required: ${Object.keys(COMMANDS).join(', ')}`, { cause: e });
      throw new UsageError(e.message.replace(/^error: /, ''), { cause: e });
    }
    throw e;
  }
  if (!picked) throw new UsageError(`a command is required: ${Object.keys(COMMANDS).join(', ')}`);
  const { name, cmd, operands } = picked;
  try {
    const layer = mergeLayers([envLayer(GLOBAL_FLAGS, env), flagLayer(GLOBAL_FLAGS, givenFlags(program, GLOBAL_FLAGS)), flagLayer(TRAILING_FLAGS, givenFlags(cmd, TRAILING_FLAGS))]);
    const settings = validateLayer(GLOBAL, layer, GLOBAL_FLAGS) as GlobalSettings;
    const ownFlags = COMMAND_FLAG_LIST[name];
    const flags = validateLayer(COMMAND_FLAGS[name], flagLayer(ownFlags, givenFlags(cmd, ownFlags)), ownFlags) as Record<string, unknown>;
    // Positional arguments are validated by their descriptions too, and named as --help names them.
    const values: Record<string, unknown> = {};
    const labels: Record<string, string> = {};
    COMMANDS[name].args.forEach(([arg], n) => {
      const raw = operands[n];
      if (raw === undefined) return;
      const f = ARG_FLAGS[name].find((x) => x.key === arg) as Flag;
      values[arg] = f.parse(raw, argLabel(arg));
      labels[arg] = argLabel(arg);
    });
    const args = validateLayer(COMMAND_ARGS[name], { values, labels }, []) as OptionsOutput<typeof COMMAND_ARGS[CommandName]> as Record<string, unknown>;
    if (name === 'drain' || name === 'undrain') {
      if ((args.endpointId === undefined) === (flags.region === undefined)) {
        throw new UsageError(`${name} takes an ENDPOINT_ID or --region REGION, ${args.endpointId === undefined ? 'got neither' : 'not both'}`);
      }
    }
    return { kind: 'run', command: name, settings, flags, args };
  } catch (e) {
    return asUsage(e);
  }
}
