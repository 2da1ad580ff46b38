/**
 * The probe command line: commander subcommands whose flags, --help and README tables come from
 * the option descriptions (src/options.ts), values handed to the exported functions, results
 * printed to stdout (table, json or csv). Progress goes to stderr, and only when stderr is a
 * terminal. Exit codes: 0 done, 1 failed (nothing answered, a file or the RIPE Atlas API
 * failed), 2 usage (a bad flag, argument or value). Errors are one line: `probe: <message>`.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { flagsOf, helpText, metaOf } from '@anycast-origin/options';
import type { Flag } from '@anycast-origin/options';
import { COMMANDS } from './commands.js';
import type { CommandDef, Io, Values } from './commands.js';
import { InvalidOptionError, ProbeError, UsageError } from './errors.js';
import { resolve } from './options.js';

export type { Io } from './commands.js';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** One-letter aliases of the flags scripts type most (the seed's `-n 100`). */
const SHORT: Readonly<Record<string, string>> = { count: '-n', concurrency: '-c' };

/** A flag of one command, with the schema (function or command line) it sets. */
export interface CommandFlag {
  flag: Flag;
  schema: number;
  short?: string;
}

/** The flags of a command: every option of its schemas that is not a positional argument. */
export function commandFlags(def: CommandDef): CommandFlag[] {
  const out: CommandFlag[] = [];
  def.schemas.forEach((s, i) => {
    for (const flag of flagsOf(s.schema, { mount: s.mount ?? [], omit: def.args.map((a) => a.key) })) {
      const short = (s.mount ?? []).length === 0 ? SHORT[flag.key] : undefined;
      out.push({ flag, schema: i, ...(short ? { short } : {}) });
    }
  });
  return out;
}

function placeholder(f: Flag): string {
  const m = f.meta;
  if (m.kind === 'integer' || m.kind === 'number') return m.unit ? m.unit.toUpperCase() : 'N';
  if (m.kind === 'enum') return (m.choices ?? []).join('|');
  const shape = /[A-Z]+=[A-Z]+/.exec(m.expects)?.[0];
  if (m.kind === 'list') return shape ?? 'LIST';
  if (shape) return shape;
  if (m.expects.includes('file name')) return 'FILE';
  if (m.expects.includes('IPv4 or IPv6')) return 'ADDR';
  if (m.expects.includes('URL')) return 'URL';
  return f.flag.replace(/^--/, '').split('-').pop()?.toUpperCase() ?? 'VALUE';
}

/** How --help and the README show a flag (commander reads the same text): `-n, --count <N>`. */
export function flagText(cf: CommandFlag): string {
  return `${cf.short ? `${cf.short}, ` : ''}${cf.flag.flag}${cf.flag.takesValue ? ` <${placeholder(cf.flag)}>` : ''}`;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let obj = target;
  path.forEach((seg, i) => {
    if (i === path.length - 1) obj[seg] = value;
    else obj = (obj[seg] ??= {}) as Record<string, unknown>;
  });
}

/** Values gathered for one command: per schema, and what the user wrote for each option (for errors). */
function gather(def: CommandDef, cmd: Command, flags: readonly CommandFlag[], args: readonly string[], env: NodeJS.ProcessEnv): Values {
  const per = def.schemas.map(() => ({}) as Record<string, unknown>);
  const labels = def.schemas.map(() => ({}) as Record<string, string>);
  def.args.forEach((a, i) => {
    const target = def.schemas.findIndex((s) => (s.mount ?? []).length === 0 && a.key in (metaOf(s.schema)?.children ?? {}));
    const at = target >= 0 ? target : 0;
    (per[at] as Record<string, unknown>)[a.key] = args[i];
    (labels[at] as Record<string, string>)[a.key] = a.placeholder;
  });
  const opts = cmd.opts<Record<string, unknown>>();
  for (const cf of flags) {
    const mount = def.schemas[cf.schema]?.mount ?? [];
    const rel = cf.flag.path.slice(mount.length);
    const attr = new Option(cf.flag.flag).attributeName();
    let raw: unknown;
    let label: string;
    if (cmd.getOptionValueSource(attr) === 'cli') {
      raw = opts[attr];
      label = cf.flag.flag;
    } else if (cf.flag.env && env[cf.flag.env]) {
      raw = env[cf.flag.env];
      label = cf.flag.env;
    } else continue;
    setPath(per[cf.schema] as Record<string, unknown>, rel, typeof raw === 'string' ? cf.flag.parse(raw, label) : raw);
    (labels[cf.schema] as Record<string, string>)[rel.join('.')] = label;
  }
  const usage = (i: number, err: InvalidOptionError): UsageError => {
    const l = labels[i] ?? {};
    const key = Object.keys(l).filter((k) => err.option === k || err.option.startsWith(`${k}.`) || err.option.startsWith(`${k}[`)).sort((a, b) => b.length - a.length)[0];
    const mount = def.schemas[i]?.mount ?? [];
    const fallback = flags.find((cf) => cf.schema === i && cf.flag.path.slice(mount.length).join('.') === err.option)?.flag.flag;
    const label = key !== undefined ? `${l[key]}${err.option.slice(key.length)}` : (fallback ?? def.args.find((a) => a.key === err.option)?.placeholder ?? err.option);
    return new UsageError(`${label} ${err.message.slice(err.option.length).trimStart()}`, { cause: err });
  };
  return {
    get: (schema, extra = {}) => {
      const i = def.schemas.findIndex((s) => s.schema === schema);
      for (const [key, [value, label]] of Object.entries(extra)) {
        (per[i] as Record<string, unknown>)[key] = value;
        (labels[i] as Record<string, string>)[key] = label;
      }
      try {
        return resolve(schema, per[i] ?? {});
      } catch (e) {
        throw e instanceof InvalidOptionError ? usage(i, e) : e;
      }
    },
    relabel: (err) => {
      // an option a function refused after the command line had passed it: name the flag
      for (let i = 0; i < def.schemas.length; i++) {
        const mount = def.schemas[i]?.mount ?? [];
        const known = Object.keys(labels[i] ?? {}).some((k) => err.option === k || err.option.startsWith(`${k}.`) || err.option.startsWith(`${k}[`));
        const flag = flags.some((cf) => cf.schema === i && cf.flag.path.slice(mount.length).join('.') === err.option);
        if (known || flag || def.args.some((a) => a.key === err.option && i === 0)) return usage(i, err);
      }
      return err;
    },
  };
}

function fail(io: Io, e: unknown, command: string): number {
  const message = e instanceof Error ? e.message : String(e);
  const usage = e instanceof ProbeError && e.exitCode === 2;
  io.stderr.write(`probe: ${message}${usage ? ` (see probe ${command ? `${command} ` : ''}--help)` : ''}\n`);
  if (e instanceof ProbeError) return e.exitCode;
  return 1;
}

/** The commander program (exported for the README test: every command and flag is documented). */
export function buildProgram(io: Io, onRun: (def: CommandDef, cmd: Command, args: string[]) => void): Command {
  const program = new Command('probe')
    .description('Measure who answers an anycast service (HTTP, DNS, RIPE Atlas), draw the catchment map, compare runs, predict a traffic-dial change.')
    .version(VERSION, '-V, --version')
    .helpOption('-h, --help', 'show this help')
    .showSuggestionAfterError(true)
    .allowExcessArguments(false)
    .exitOverride()
    // a parent's options end where its subcommand starts (`atlas --map` vs `atlas measure --map`)
    .enablePositionalOptions()
    // help asked for goes to stdout, help after a mistake to stderr; errors are printed by fail()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s), outputError: () => {} });
  const byName = new Map<string, Command>();
  for (const def of COMMANDS) {
    const words = def.name.split(' ');
    const parent = words.length > 1 ? (byName.get(words.slice(0, -1).join(' ')) as Command) : program;
    const cmd = parent.command(words[words.length - 1] as string).description(def.summary).helpOption('-h, --help', 'show this help').enablePositionalOptions();
    for (const a of def.args) cmd.argument(`<${a.placeholder}>`, a.doc);
    const flags = commandFlags(def);
    for (const cf of flags) {
      const opt = new Option(flagText(cf), helpText(cf.flag));
      // a list flag may be repeated: the values add up (`--dial a=50 --dial b=80`)
      if (cf.flag.meta.kind === 'list') opt.argParser((v: string, prev: string | undefined) => (prev ? `${prev},${v}` : v));
      cmd.addOption(opt);
    }
    cmd.action((...params: unknown[]) => onRun(def, cmd, params.slice(0, def.args.length) as string[]));
    byName.set(def.name, cmd);
  }
  return program;
}

/** Run the command line; resolves with the exit code. */
export async function main(io: Io = { argv: process.argv.slice(2), env: process.env, stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let chosen: { def: CommandDef; cmd: Command; args: string[] } | undefined;
  const program = buildProgram(io, (def, cmd, args) => (chosen = { def, cmd, args }));
  try {
    await program.parseAsync([...io.argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
      if (e.code === 'commander.help') return e.exitCode === 0 ? 0 : 2; // no command: the help went to stderr
      const sub = io.argv.filter((a) => !a.startsWith('-')).slice(0, 2).filter((a) => COMMANDS.some((d) => d.name.split(' ').includes(a))).join(' ');
      return fail(io, new UsageError(e.message.replace(/^error: /, ''), { cause: e }), sub);
    }
    return fail(io, e, '');
  }
  if (!chosen) {
    io.stderr.write(program.helpInformation());
    return 2;
  }
  const { def, cmd, args } = chosen;
  const values = gather(def, cmd, commandFlags(def), args, io.env);
  try {
    return await def.run(values, io);
  } catch (e) {
    return fail(io, e instanceof InvalidOptionError ? values.relabel(e) : e, def.name);
  }
}
